//! What the user typed (clap types) and the dispatch from a subcommand to the code that runs it.
//! `plan.rs` turns these into the validated configuration the library runs; nothing outside
//! `cli/` sees clap.

mod auth;
mod client_config;
mod completions;
mod config;
mod delete;
mod export;
mod import;
mod locations;
mod logging;
mod mapping_init;
mod plan;
mod plan_args;
mod runs;
mod undo;

pub use auth::{AuthCommand, LoginArgs, LogoutArgs, StatusArgs as AuthStatusArgs, UserTypeArg};
pub use completions::{CompletionsArgs, ManArgs};
pub use config::{ConfigCommand, ShowArgs as ConfigShowArgs};
pub use delete::DeleteArgs;
pub use export::{ExportArgs, FormatArg};
pub use import::{ApiArgs, ImportArgs, ModeArg, OnConflictArg, OnDuplicateArg};
pub use locations::LocationsArgs;
pub use logging::{LogFormat, LogOptions};
pub use plan_args::PlanArgs;
pub use runs::{RunsArgs, RunsCommand, ShowArgs as RunsShowArgs};
pub use undo::UndoArgs;

use std::path::PathBuf;

use crate::run::end::RunEnd;

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
    /// Preview an import, like `terraform plan`: stage the file as `validate` does, read what
    /// the location holds for its emails and phones (reads only, nothing is written), and
    /// write plan.csv and plan.xlsx (each row's action, contact and changes as `field: before
    /// → after`) and report.html in the run folder; print the rows per action and what
    /// carrying the plan out costs. `ghl-bulk import --plan RUN_DIR` carries it out. Exit 0
    /// (plan written), 1 (fatal) or 130 (Ctrl-C). Token and location as for import.
    Plan(Box<PlanArgs>),
    /// Export contacts to CSV, XLSX or JSONL: every contact, or those a filter or `--since`
    /// selects. The file is replaced atomically when complete; a lock keeps two runs to the
    /// same file apart. Exit 0, 1 (fatal), 75 (another export to the file is running, daily
    /// budget, API unreachable: run again later) or 130 (Ctrl-C). Token and location as for
    /// import; `--locations ID,…|all` exports many (one file, or `--out-dir`), exit the worst.
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
    /// List the locations (sub-accounts) an agency's app is installed in: id and name, or
    /// --json. Needs an agency (company) token: GHL_CLIENT_ID, GHL_CLIENT_SECRET and a
    /// refresh-token file holding a company refresh token.
    Locations(Box<LocationsArgs>),
    /// Log in to HighLevel (OAuth, in a browser or by pasting the code), show the logins and
    /// log out. Commands use a login from the credentials file when no token is given.
    #[command(subcommand)]
    Auth(AuthCommand),
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
    /// Where the rows are read and the run kept.
    #[command(flatten)]
    pub source: SourceArgs,
}

/// How the input is read (sheet, header row, phone region) and where the run folder goes:
/// the same options, said the same way, for `validate`, `plan` and `import`.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
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
/// on stderr (as a JSON event with `--log-format json`) and says how the run ended.
/// `forced_stop` is what the third Ctrl-C or SIGTERM does (see `run::signals::install`).
pub fn main(cli: Cli, forced_stop: fn() -> !) -> RunEnd {
    let log = LogOptions {
        quiet: cli.quiet,
        verbose: cli.verbose,
        format: cli.log_format,
    };
    logging::init(log);
    match run(cli, forced_stop) {
        Ok(end) => end,
        Err(err) => {
            match log.format {
                LogFormat::Text => eprintln!("error: {}", describe(&err)),
                LogFormat::Json => tracing::error!(error = describe(&err), "Fatal error."),
            }
            RunEnd::Fatal
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

/// Runs one command to its end and says how it ended.
pub fn run(cli: Cli, forced_stop: fn() -> !) -> anyhow::Result<RunEnd> {
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
            | Command::Plan(_)
            | Command::Export(_)
            | Command::Undo(_)
            | Command::Delete(_)
    ) {
        // Ctrl-C and SIGTERM become a clean stop (exit 130, summary `interrupted`) instead of
        // the default death by signal, which leaves temporary files and no summary.
        if let Err(error) = crate::run::signals::install(forced_stop) {
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
            if args.locations.is_some()
                || args.location_column.is_some()
                || args
                    .resume
                    .as_deref()
                    .is_some_and(crate::multi::is_top_folder)
            {
                return plan::multi_config(&ctx, &args)
                    .and_then(|config| Ok(crate::multi::run(config)?));
            }
            let config = plan::import_config(&ctx, &args)?;
            Ok(crate::import::run(config)?)
        }
        Command::Plan(args) => plan_args::run(&ctx, &args),
        Command::Export(args) => export::run(&ctx, &args),
        Command::Undo(args) => undo::run(&ctx, &args),
        Command::Delete(args) => delete::run(&ctx, &args),
        Command::Mapping(MappingCommand::Init(args)) => {
            mapping_init::mapping_init(&args, human)?;
            Ok(RunEnd::Ok)
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
            Ok(RunEnd::Ok)
        }
        Command::Locations(args) => locations::run(&ctx, &args),
        Command::Auth(command) => auth::run(&ctx, &command),
        Command::Runs(args) => runs::run(&args),
        Command::Config(ConfigCommand::Show(args)) => config::show(&ctx, &args),
        Command::Completions(args) => completions::completions(&args),
        Command::Man(args) => completions::man(&args, human),
    }
}

/// `validate`, or an `import --dry-run` with nothing to estimate against.
fn validate(args: &RunArgs, command: &str, human: bool) -> anyhow::Result<RunEnd> {
    let config = plan::validate_config(args, command, human)?;
    Ok(crate::validate::run(&config)?)
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
