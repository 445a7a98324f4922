//! `undo` and `delete`: their arguments and the configurations built from them.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use super::{plan, ApiArgs, Exit};

/// `undo` options.
#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The import's run folder (holding its ledger.db).
    pub run_dir: PathBuf,
    /// Print the plan and the estimate; send nothing that changes a contact.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask: needed when stdin is not a terminal.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Undo contacts changed by someone else since the run as well (their dateUpdated moved).
    #[arg(long)]
    pub force: bool,
    /// Continue an undo that stopped (crash, Ctrl-C, daily budget); failed steps are retried.
    #[arg(long)]
    pub resume: bool,
    /// No progress and no summary on stderr (undo-summary.json is still written).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// The API connection.
    #[command(flatten)]
    pub api: ApiArgs,
    /// Requests in flight at most.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Contacts per bulk tags request.
    #[arg(long, default_value_t = 100)]
    pub tag_batch: usize,
    /// Stop (exit 75, resumable) when the daily request budget left falls to this.
    #[arg(long, default_value = "1%")]
    pub daily_reserve: String,
}

/// Runs `undo`.
pub fn run(args: &UndoArgs) -> anyhow::Result<Exit> {
    if args.tag_batch == 0 || args.concurrency == 0 {
        bail!("--tag-batch and --concurrency must be at least 1");
    }
    let reserve = plan::parse_reserve(&args.daily_reserve)?;
    let config = crate::undo::UndoConfig {
        run_dir: args.run_dir.clone(),
        client: plan::client_config(&args.api, reserve)?,
        dry_run: args.dry_run,
        yes: args.yes,
        force: args.force,
        resume: args.resume,
        progress: !args.quiet,
        concurrency: args.concurrency,
        tag_batch: args.tag_batch,
    };
    match crate::undo::run(config) {
        Ok(end) => Ok(super::exit_for(end)),
        Err(crate::undo::UndoError::Usage(message)) => {
            eprintln!("error: {message}");
            Ok(Exit::Usage)
        }
        Err(e) => Err(e.into()),
    }
}
