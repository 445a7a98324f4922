//! What the user typed (clap types) and the dispatch from a subcommand to the code that runs it.
//! `plan.rs` turns these into the validated configuration the library runs; nothing outside
//! `cli/` sees clap.

mod exit;
mod plan;

pub use exit::Exit;

use std::path::PathBuf;

use anyhow::bail;
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
    /// Import a file into HighLevel. Only `--dry-run` works for now (it does what `validate`
    /// does): delivery to the API is not implemented yet, and without `--dry-run` the command
    /// stops with exit 1.
    Import(ImportArgs),
    /// Mapping files.
    #[command(subcommand)]
    Mapping(MappingCommand),
    /// Run the local simulator of the HighLevel Contacts API (for tests and trials).
    Sandbox(ghl_sandbox::cli::SandboxArgs),
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
    /// What to read and how.
    #[command(flatten)]
    pub run: RunArgs,
    /// Do everything up to the first request and stop: the same as `validate`.
    #[arg(long)]
    pub dry_run: bool,
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
            if !args.dry_run {
                bail!(
                    "delivery is not implemented yet: `import` only runs with --dry-run \
                     (the same as `validate`) for now"
                );
            }
            validate(&args.run, "import --dry-run")
        }
        Command::Mapping(MappingCommand::Init(args)) => {
            plan::mapping_init(&args)?;
            Ok(Exit::Ok)
        }
        Command::Sandbox(args) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(ghl_sandbox::cli::run(args))?;
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
