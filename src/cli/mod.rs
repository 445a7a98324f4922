//! What the user typed (clap types) and the dispatch from a subcommand to the code that runs it.
//! `plan.rs` turns these into the validated configuration the library runs; nothing outside
//! `cli/` sees clap.

mod completions;
mod config;
mod delete;
mod exit;
mod export;
mod logging;
mod mapping_init;
mod plan;
mod runs;
mod signals;
mod undo;

pub use completions::{CompletionsArgs, ManArgs};
pub use config::{ConfigCommand, ShowArgs as ConfigShowArgs};
pub use delete::DeleteArgs;
pub use exit::Exit;
pub use export::{ExportArgs, FormatArg};
pub use logging::{LogFormat, LogOptions};
pub use runs::{RunsArgs, RunsCommand, ShowArgs as RunsShowArgs};
pub use undo::UndoArgs;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The help heading of the options every command takes (before or after its name), so that a
/// command's help lists its own options apart from them (issue 13 item 11).
const GLOBAL: &str = "Global options";

/// Bulk import and export of HighLevel contacts.
#[derive(Debug, Parser)]
#[command(name = "ghl-bulk", version, about, propagate_version = true)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
    /// Errors only on stderr: no progress, no summary, no warnings (summary.json and the
    /// run folder are still written).
    #[arg(long, short = 'q', global = true, help_heading = GLOBAL)]
    pub quiet: bool,
    /// More log on stderr: -v info, -vv debug, -vvv trace. Without it RUST_LOG applies if set,
    /// else warnings and errors only.
    #[arg(long, short = 'v', action = clap::ArgAction::Count, global = true, conflicts_with = "quiet", help_heading = GLOBAL)]
    pub verbose: u8,
    /// Log lines as text or JSON (one object per line; the progress and the human summary are
    /// then left out so that every stderr line is JSON).
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true, help_heading = GLOBAL)]
    pub log_format: LogFormat,
    /// The settings file [default: ./ghl-bulk.toml, else ghl-bulk/config.toml in the user's
    /// config folder; GHL_BULK_CONFIG names one too].
    #[arg(long, value_name = "FILE", global = true, help_heading = GLOBAL)]
    pub config: Option<PathBuf>,
    /// Read no settings file.
    #[arg(long, global = true, conflicts_with = "config", help_heading = GLOBAL)]
    pub no_config: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read, map, normalise and de-duplicate a file without sending anything; write the run
    /// folder (ledger, summary.json, rejects.csv/xlsx, duplicates.csv). Exit 0 when every row is
    /// valid, 3 when some are rejected, 1 on a fatal error.
    Validate(RunArgs),
    /// Import a file into HighLevel: validate and stage it (as `validate`), then upsert every
    /// valid row, add its tags (never removing any) and create its notes, within the API's
    /// rate limits. Exit 0, 3 (rejected or failed rows), 75 (stopped, resumable: daily
    /// budget, API unreachable) or 130 (Ctrl-C, resumable). Token: GHL_TOKEN, or OAuth with
    /// GHL_CLIENT_ID, GHL_CLIENT_SECRET and a refresh-token file; location: GHL_LOCATION_ID.
    Import(Box<ImportArgs>),
    /// Export contacts to CSV, XLSX or JSONL: every contact, or those a filter or `--since`
    /// selects. The file is replaced atomically when complete; a lock keeps two runs to the
    /// same file apart. Exit 0, 1 (fatal), 75 (another export to the file is running, daily
    /// budget, API unreachable: run again later) or 130 (Ctrl-C). Token and location as for
    /// import.
    Export(Box<ExportArgs>),
    /// Undo an import run from its ledger: delete the contacts it created, remove the tags it
    /// added, delete its notes and tasks, restore the fields it changed (with `import
    /// --undoable`); contacts changed since are left alone unless --force. Asks first (or
    /// --yes). Exit 0, 2 (no terminal and no --yes), 3 (steps failed or contacts left
    /// alone), 75 (stopped, resumable: --resume) or 130 (Ctrl-C).
    Undo(Box<UndoArgs>),
    /// Delete the contacts a file names, by an id column or by email/phone; rows matching
    /// nothing or several contacts go to rejects.csv. Asks first (or --yes). Exit codes as
    /// for import.
    Delete(Box<DeleteArgs>),
    /// Mapping files.
    #[command(subcommand)]
    Mapping(MappingCommand),
    /// Run the local simulator of the HighLevel Contacts API (for tests and trials).
    Sandbox(Box<ghl_sandbox::cli::SandboxArgs>),
    /// List the run folders under runs/ (newest first: started, input, outcome counts,
    /// state: finished, resumable, failed, running); `runs show RUN_DIR` for one run.
    Runs(RunsArgs),
    /// The settings file and the effective settings.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print the shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print the manual pages (roff), or write one file per command with --out.
    Man(ManArgs),
}

/// Options shared by `validate` and `import`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The input file: CSV (any common encoding and delimiter), XLSX, XLSM, XLSB, XLS or ODS.
    pub file: PathBuf,
    /// The mapping file (TOML); `ghl-bulk mapping init <FILE>` drafts one.
    #[arg(long, short = 'm')]
    pub mapping: PathBuf,
    /// Worksheet to read (name, or 1-based index); overrides the mapping's [source] sheet.
    #[arg(long)]
    pub sheet: Option<String>,
    /// 1-based row holding the headers; overrides the mapping's [source] header_row, and
    /// holds for a reject file too (otherwise read from row 1).
    #[arg(long, value_name = "N")]
    pub header_row: Option<u32>,
    /// Phone region for numbers without +country; overrides the mapping's default_region.
    #[arg(long)]
    pub region: Option<String>,
    /// The run folder [default: runs/<UTC timestamp>-<input stem>].
    #[arg(long)]
    pub run_dir: Option<PathBuf>,
}

/// `import` options.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The input file: CSV (any common encoding and delimiter), XLSX, XLSM, XLSB, XLS or ODS.
    #[arg(required_unless_present = "resume")]
    pub file: Option<PathBuf>,
    /// The mapping file (TOML); `ghl-bulk mapping init <FILE>` drafts one.
    #[arg(long, short = 'm', required_unless_present = "resume")]
    pub mapping: Option<PathBuf>,
    /// Worksheet to read (name, or 1-based index); overrides the mapping's [source] sheet.
    #[arg(long)]
    pub sheet: Option<String>,
    /// 1-based row holding the headers; overrides the mapping's [source] header_row, and
    /// holds for a reject file too (otherwise read from row 1).
    #[arg(long, value_name = "N")]
    pub header_row: Option<u32>,
    /// Phone region for numbers without +country; overrides the mapping's default_region.
    #[arg(long)]
    pub region: Option<String>,
    /// The run folder [default: runs/<UTC timestamp>-<input stem>].
    #[arg(long)]
    pub run_dir: Option<PathBuf>,
    /// Do everything up to the first write and stop: stage the file, compare it with the
    /// state file, send one read-only request that learns the API's limits, and print the
    /// estimate (requests, and their time at that limit). Without a token and location it
    /// only stages the file, as `validate`.
    #[arg(long, conflicts_with = "resume")]
    pub dry_run: bool,
    /// Continue a stopped run (crash, Ctrl-C, daily budget): rows already delivered are not
    /// sent again. Refused if the input or the mapping changed.
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["file", "mapping", "run_dir", "sheet", "header_row", "region"])]
    pub resume: Option<PathBuf>,
    /// Send to a sandbox started in this process (HighLevel's limits, a few existing
    /// contacts) instead of HighLevel: no token, no network.
    #[arg(long)]
    pub sandbox: bool,
    /// The API connection (ignored with --sandbox).
    #[command(flatten)]
    pub api: ApiArgs,
    /// Keep the state of every existing contact before it is written (one search per 50-100
    /// rows), so that `ghl-bulk undo` can restore the fields the run changed.
    #[arg(long, conflicts_with = "resume")]
    pub undoable: bool,
    /// Requests in flight at most [default: sized from the rate the API allows].
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Contacts per bulk tags request.
    #[arg(long, default_value_t = 100)]
    pub tag_batch: usize,
    /// How contacts are written: `upsert` creates or updates by email/phone; `create` makes
    /// new contacts (tags inline; see --on-duplicate); `update-only` changes existing contacts
    /// only (a row matching none is rejected, not_found). A resumed run keeps its mode.
    #[arg(long, value_enum, default_value_t = ModeArg::Upsert, conflicts_with = "resume")]
    pub mode: ModeArg,
    /// With --mode create, a contact that already exists is `update`d (fields written, the
    /// row's tags added: the default) or `skip`ped (left as it is; the row ends unchanged).
    #[arg(long, value_enum, conflicts_with = "resume")]
    pub on_duplicate: Option<OnDuplicateArg>,
    /// Stop (exit 75, resumable) when the daily request budget left falls to this: a
    /// percentage of the daily limit ("1%") or a number of requests [default: 1%].
    #[arg(long)]
    pub daily_reserve: Option<String>,
    /// The state file that remembers, per contact, the payload last delivered, so that rows
    /// unchanged since then are skipped (outcome `unchanged`, no request). One file per
    /// location [default: <data folder>/ghl-bulk/state/<location>.sqlite; with --sandbox or a
    /// loopback --base-url, `state.sqlite` in the run folder]. A resume uses the run's file.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Send every row, even those the state file shows unchanged (what is delivered is still
    /// remembered). Use it after contacts were edited or deleted in HighLevel.
    #[arg(long)]
    pub full: bool,
}

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    /// Create or update, matched by the location's duplicate rules.
    Upsert,
    /// Create; duplicates as --on-duplicate says.
    Create,
    /// Update existing contacts only.
    UpdateOnly,
}

/// `--on-duplicate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnDuplicateArg {
    /// Update the existing contact.
    Update,
    /// Leave it alone.
    Skip,
}

/// Where and as whom to connect. Each of these can also come from the settings file;
/// secrets come from the environment (GHL_TOKEN, GHL_CLIENT_SECRET) or a file, never a flag.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The location (sub-account) id [env: GHL_LOCATION_ID].
    #[arg(long = "location")]
    pub location: Option<String>,
    /// The API's base URL, https (or http to loopback only) [env: GHL_BASE_URL; default:
    /// https://services.leadconnectorhq.com].
    #[arg(long)]
    pub base_url: Option<String>,
    /// A file holding the private integration token or OAuth access token (instead of
    /// GHL_TOKEN; e.g. a systemd credential).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// OAuth: the app's client id, with GHL_CLIENT_SECRET and --refresh-token-file
    /// [env: GHL_CLIENT_ID].
    #[arg(long)]
    pub client_id: Option<String>,
    /// OAuth: the file holding the current refresh token; rewritten (mode 0600) each time
    /// HighLevel rotates it [env: GHL_REFRESH_TOKEN_FILE].
    #[arg(long, value_name = "FILE")]
    pub refresh_token_file: Option<PathBuf>,
    /// Per-request timeout in seconds [default: 30].
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

/// `mapping` subcommands.
#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Draft a commented mapping from a file's headers, found below any title rows
    /// (recognises HighLevel, Google Contacts, Outlook, HubSpot, Mailchimp, Salesforce, Zoho
    /// and Pipedrive exports). The draft works as it is; a file without an email or phone
    /// column gets none (exit 1).
    Init(InitArgs),
}

/// `mapping init` options.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The file whose headers to read.
    pub file: PathBuf,
    /// default_region to write (ISO alpha-2) [default: US].
    #[arg(long)]
    pub region: Option<String>,
    /// Worksheet to read (name, or 1-based index).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Write here instead of stdout.
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Overwrite `--out` if it exists.
    #[arg(long)]
    pub force: bool,
}

/// What every command may need besides its own flags: the logging choices and how the
/// settings file is found.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    /// The global logging flags.
    pub log: LogOptions,
    /// How the settings file is chosen.
    pub config: crate::config::file::Choice,
}

/// The whole process after parsing: installs logging, runs the command, reports a fatal error
/// on stderr (as a JSON event with `--log-format json`) and says how to exit.
pub fn main(cli: Cli) -> Exit {
    let log = LogOptions {
        quiet: cli.quiet,
        verbose: cli.verbose,
        format: cli.log_format,
    };
    logging::init(log);
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            match log.format {
                LogFormat::Text => eprintln!("error: {}", describe(&err)),
                LogFormat::Json => tracing::error!(error = describe(&err), "Fatal error."),
            }
            Exit::Fatal
        }
    }
}

/// An error and its causes on one line, each said once: many of our errors already end with
/// their cause's text (`cannot read x.csv: No such file…`), which `{:#}` would print again
/// (issue 13 item 11: a missing file was reported twice).
pub(crate) fn describe(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Runs one command to its end and says how the process should exit.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let ctx = Context {
        log: LogOptions {
            quiet: cli.quiet,
            verbose: cli.verbose,
            format: cli.log_format,
        },
        config: config::choice(cli.no_config, cli.config.as_deref()),
    };
    let human = ctx.log.human_output();
    if matches!(
        cli.command,
        Command::Validate(_)
            | Command::Import(_)
            | Command::Export(_)
            | Command::Undo(_)
            | Command::Delete(_)
    ) {
        // Ctrl-C and SIGTERM become a clean stop (exit 130, summary `interrupted`) instead of
        // the default death by signal, which leaves temporary files and no summary.
        if let Err(error) = signals::install() {
            tracing::warn!(%error, "Cannot handle Ctrl-C and SIGTERM; they will end the process at once.");
        }
    }
    match cli.command {
        Command::Validate(args) => validate(&args, "validate", human),
        Command::Import(args) => {
            // Without a token or location there is nothing to estimate against: stage only.
            if args.dry_run && !args.sandbox && !plan::has_target(&ctx, &args)? {
                let run = plan::run_args(&args)?;
                if human {
                    eprintln!("No estimate: no token or location (set GHL_TOKEN and GHL_LOCATION_ID, or use --sandbox); staging only.");
                }
                return validate(&run, "import --dry-run", human);
            }
            let config = plan::import_config(&ctx, &args)?;
            Ok(exit_for(crate::import::run(config)?))
        }
        Command::Export(args) => export::run(&ctx, &args),
        Command::Undo(args) => undo::run(&ctx, &args),
        Command::Delete(args) => delete::run(&ctx, &args),
        Command::Mapping(MappingCommand::Init(args)) => {
            mapping_init::mapping_init(&args, human)?;
            Ok(Exit::Ok)
        }
        Command::Sandbox(args) => {
            // What the bundled samples and mappings need, so the README runs against it.
            let seed = if args.bare {
                crate::sandbox_seed::Seed::default()
            } else {
                crate::sandbox_seed::bundled()?
            };
            let config = args.to_config_with(|location| seed.apply(location))?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(ghl_sandbox::cli::serve(config, &args))?;
            Ok(Exit::Ok)
        }
        Command::Runs(args) => runs::run(&args),
        Command::Config(ConfigCommand::Show(args)) => config::show(&ctx, &args),
        Command::Completions(args) => completions::completions(&args),
        Command::Man(args) => completions::man(&args, human),
    }
}

/// The exit code of a run that sends (import, undo, delete).
fn exit_for(end: crate::import::ImportEnd) -> Exit {
    match end {
        crate::import::ImportEnd::Clean => Exit::Ok,
        crate::import::ImportEnd::WithRejects => Exit::Rejects,
        crate::import::ImportEnd::Resumable => Exit::Resumable,
        crate::import::ImportEnd::Interrupted => Exit::Interrupted,
    }
}

fn validate(args: &RunArgs, command: &str, human: bool) -> anyhow::Result<Exit> {
    let config = plan::validate_config(args, command, human)?;
    let summary = match crate::pipeline::run(&config) {
        Err(crate::pipeline::PipelineError::Interrupted) => {
            eprintln!("Interrupted while the file was read: the run folder says so.");
            return Ok(Exit::Interrupted);
        }
        other => other?,
    };
    Ok(match summary.exit_code {
        0 => Exit::Ok,
        3 => Exit::Rejects,
        _ => Exit::Fatal,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cause_already_in_the_message_is_not_said_twice() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let err = anyhow::Error::new(crate::source::SourceError::Io {
            path: "x.csv".into(),
            source: io,
        });
        assert_eq!(super::describe(&err), "cannot read x.csv: No such file");
        let wrapped = anyhow::anyhow!("inner cause").context("outer");
        assert_eq!(super::describe(&wrapped), "outer: inner cause");
    }
}
