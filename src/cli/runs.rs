//! `runs` (the run folders under `runs/`, newest first) and `runs show RUN_DIR` (one run's
//! account and its resume command). Reads ledgers without writing to them or waiting on a
//! running import; the work is in `crate::runs`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::completions::write_stdout;
use super::RunEnd;
use crate::runs;

/// `runs` options.
#[derive(Debug, Args)]
pub struct RunsArgs {
    /// `show RUN_DIR`; without it, the list.
    #[command(subcommand)]
    pub command: Option<RunsCommand>,
    /// The folder holding the run folders.
    #[arg(long, value_name = "DIR", default_value = "runs", global = true)]
    pub dir: PathBuf,
    /// JSON instead of text (for scripts).
    #[arg(long, global = true)]
    pub json: bool,
}

/// `runs` subcommands.
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// One run: what ran, how it ended, the counts, timings and rate, its files, and the
    /// command that resumes it.
    Show(ShowArgs),
}

/// `runs show` options.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The run folder (a path, or the name of a folder under --dir).
    pub run_dir: PathBuf,
}

/// Runs `runs` or `runs show`.
pub(crate) fn run(args: &RunsArgs) -> anyhow::Result<RunEnd> {
    match &args.command {
        None => list(&args.dir, args.json),
        Some(RunsCommand::Show(show)) => {
            let dir = resolve(&show.run_dir, &args.dir);
            let info = runs::inspect(&dir)?;
            let text = if args.json {
                format!("{}\n", serde_json::to_string_pretty(&info)?)
            } else {
                runs::render::show(&info)
            };
            write_stdout(text.as_bytes())?;
            Ok(RunEnd::Ok)
        }
    }
}

fn list(dir: &Path, json: bool) -> anyhow::Result<RunEnd> {
    let found = runs::scan(dir)?;
    if json {
        // The list without each run's whole summary: `runs show --json` has it.
        let brief: Vec<runs::RunInfo> = found
            .into_iter()
            .map(|run| runs::RunInfo {
                summary: None,
                ..run
            })
            .collect();
        write_stdout(format!("{}\n", serde_json::to_string_pretty(&brief)?).as_bytes())?;
        return Ok(RunEnd::Ok);
    }
    if found.is_empty() {
        eprintln!("No run folders in {}.", dir.display());
        return Ok(RunEnd::Ok);
    }
    write_stdout(runs::render::table(&found).as_bytes())?;
    Ok(RunEnd::Ok)
}

/// A run folder named by path, or by its name under `--dir` (as the table shows it).
fn resolve(run_dir: &Path, dir: &Path) -> PathBuf {
    if run_dir.exists() {
        return run_dir.to_path_buf();
    }
    let under = dir.join(run_dir);
    if run_dir.components().count() == 1 && under.is_dir() {
        under
    } else {
        run_dir.to_path_buf()
    }
}
