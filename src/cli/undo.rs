//! `undo` and `delete`: their arguments and the configurations built from them.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use super::config::rerun_settings;
use super::{ApiArgs, Context, RunEnd};

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
    /// The API connection.
    #[command(flatten)]
    pub api: ApiArgs,
    /// Requests in flight at most [default: 8, or the config file's `concurrency`].
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Contacts per bulk tags request.
    #[arg(long, default_value_t = 100)]
    pub tag_batch: usize,
    /// Stop (exit 75, resumable) when the daily request budget left falls to this (a share
    /// such as `1%`, or a number of requests) [default: 1%, or the config file's].
    #[arg(long)]
    pub daily_reserve: Option<String>,
}

/// Runs `undo`.
pub fn run(ctx: &Context, args: &UndoArgs) -> anyhow::Result<RunEnd> {
    if args.tag_batch == 0 {
        bail!("--tag-batch must be at least 1");
    }
    let reserve = args.daily_reserve.as_deref();
    let (settings, concurrency) = rerun_settings(ctx, &args.api, args.concurrency, reserve)?;
    let config = crate::undo::UndoConfig {
        run_dir: args.run_dir.clone(),
        client: super::client_config::client_config(&settings)?,
        dry_run: args.dry_run,
        yes: args.yes,
        force: args.force,
        resume: args.resume,
        progress: ctx.log.human_output(),
        concurrency,
        tag_batch: args.tag_batch,
    };
    match crate::undo::run(config) {
        Ok(end) => Ok(end),
        Err(crate::undo::UndoError::Usage(message)) => {
            eprintln!("error: {message}");
            Ok(RunEnd::Usage)
        }
        Err(e) => Err(e.into()),
    }
}
