//! What the user typed (clap types) and the dispatch from a subcommand to the code that runs it.
//! `plan.rs` turns these into the validated configuration the library runs; nothing outside
//! `cli/` sees clap.

mod exit;
mod export;
mod plan;

pub use exit::Exit;
pub use export::{ExportArgs, FormatArg};

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Bulk import and export of HighLevel contacts.
#[derive(Debug, Parser)]
#[command(name = "ghl-bulk", version, about, propagate_version = true)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
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
    /// Mapping files.
    #[command(subcommand)]
    Mapping(MappingCommand),
    /// Run the local simulator of the HighLevel Contacts API (for tests and trials).
    Sandbox(Box<ghl_sandbox::cli::SandboxArgs>),
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
    /// Phone region for numbers without +country; overrides the mapping's default_region.
    #[arg(long)]
    pub region: Option<String>,
    /// The run folder [default: runs/<UTC timestamp>-<input stem>].
    #[arg(long)]
    pub run_dir: Option<PathBuf>,
    /// No progress bar and no summary on stderr (summary.json is still written).
    #[arg(long, short = 'q')]
    pub quiet: bool,
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
    /// Phone region for numbers without +country; overrides the mapping's default_region.
    #[arg(long)]
    pub region: Option<String>,
    /// The run folder [default: runs/<UTC timestamp>-<input stem>].
    #[arg(long)]
    pub run_dir: Option<PathBuf>,
    /// No progress and no summary on stderr (summary.json is still written).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Do everything up to the first write and stop: stage the file, compare it with the
    /// state file, send one read-only request that learns the API's limits, and print the
    /// estimate (requests, and their time at that limit). Without a token and location it
    /// only stages the file, as `validate`.
    #[arg(long, conflicts_with = "resume")]
    pub dry_run: bool,
    /// Continue a stopped run (crash, Ctrl-C, daily budget): rows already delivered are not
    /// sent again. Refused if the input or the mapping changed.
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["file", "mapping", "run_dir", "sheet", "region"])]
    pub resume: Option<PathBuf>,
    /// Send to a sandbox started in this process (HighLevel's limits, a few existing
    /// contacts) instead of HighLevel: no token, no network.
    #[arg(long)]
    pub sandbox: bool,
    /// The API connection (ignored with --sandbox).
    #[command(flatten)]
    pub api: ApiArgs,
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
    /// percentage of the daily limit ("1%") or a number of requests.
    #[arg(long, default_value = "1%")]
    pub daily_reserve: String,
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

/// Where and as whom to connect. Secrets come from the environment or a file, never a flag.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The location (sub-account) id.
    #[arg(long = "location", env = "GHL_LOCATION_ID")]
    pub location: Option<String>,
    /// The API's base URL (https, or http to loopback only).
    #[arg(long, env = "GHL_BASE_URL", default_value = crate::api::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// A private integration token or OAuth access token.
    #[arg(long = "token-env", env = "GHL_TOKEN", hide = true, hide_env_values = true, value_parser = secret)]
    pub token: Option<crate::api::Secret>,
    /// OAuth: the app's client id (with GHL_CLIENT_SECRET and --refresh-token-file).
    #[arg(long, env = "GHL_CLIENT_ID")]
    pub client_id: Option<String>,
    /// OAuth: the app's client secret.
    #[arg(long = "client-secret-env", env = "GHL_CLIENT_SECRET", hide = true, hide_env_values = true, value_parser = secret)]
    pub client_secret: Option<crate::api::Secret>,
    /// OAuth: the file holding the current refresh token; rewritten (mode 0600) each time
    /// HighLevel rotates it.
    #[arg(long, env = "GHL_REFRESH_TOKEN_FILE")]
    pub refresh_token_file: Option<PathBuf>,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
}

fn secret(value: &str) -> Result<crate::api::Secret, String> {
    Ok(crate::api::Secret::new(value))
}

/// `mapping` subcommands.
#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Draft a commented mapping from a file's headers (recognises HighLevel, Google
    /// Contacts, Outlook, HubSpot, Mailchimp and Salesforce exports). The draft works as it is.
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

/// Runs one command to its end and says how the process should exit.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Validate(args) => validate(&args, "validate"),
        Command::Import(args) => {
            // Without a location there is nothing to estimate against: stage only.
            let no_target = !args.sandbox
                && plan::client_config(&args.api, crate::api::DailyReserve::Requests(0)).is_err();
            if args.dry_run && no_target {
                let run = plan::run_args(&args)?;
                eprintln!("No estimate: no token or location (set GHL_TOKEN and GHL_LOCATION_ID, or use --sandbox); staging only.");
                return validate(&run, "import --dry-run");
            }
            let config = plan::import_config(&args)?;
            Ok(match crate::import::run(config)? {
                crate::import::ImportEnd::Clean => Exit::Ok,
                crate::import::ImportEnd::WithRejects => Exit::Rejects,
                crate::import::ImportEnd::Resumable => Exit::Resumable,
                crate::import::ImportEnd::Interrupted => Exit::Interrupted,
            })
        }
        Command::Export(args) => export::run(&args),
        Command::Mapping(MappingCommand::Init(args)) => {
            plan::mapping_init(&args)?;
            Ok(Exit::Ok)
        }
        Command::Sandbox(args) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(ghl_sandbox::cli::run(*args))?;
            Ok(Exit::Ok)
        }
    }
}

fn validate(args: &RunArgs, command: &str) -> anyhow::Result<Exit> {
    let config = plan::validate_config(args, command)?;
    let summary = crate::pipeline::run(&config)?;
    Ok(match summary.exit_code {
        0 => Exit::Ok,
        3 => Exit::Rejects,
        _ => Exit::Fatal,
    })
}
