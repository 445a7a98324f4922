//! A run that stops on an error or an interruption still says so in its folder: the ledger
//! records the exit code, the stage and the error (`Ledger::record_failure`), summary.json gets
//! `status`, `exit_code` and `failure`, and report.html is written again with the failure at its
//! top. Secrets never reach any of them: the error's text is passed through [`redact`] first.
//! A run that failed (or was interrupted) before it sent anything can be run again into the same
//! folder: [`replace_unsent`] clears it for the new run.

use std::path::Path;

use crate::ledger::{Failure, Ledger};

/// Where a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading, checking and staging the file.
    Read,
    /// The first requests: credentials, custom fields, the run's target.
    Connect,
    /// Sending the rows (or, for delete, looking contacts up and deleting them).
    Deliver,
    /// Writing the reports at the end.
    Reports,
}

impl Stage {
    /// The word recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Read => "read",
            Stage::Connect => "connect",
            Stage::Deliver => "deliver",
            Stage::Reports => "reports",
        }
    }
}

/// Records the failure in the run folder (best effort: the error itself is what the console
/// reports; a failure to record it is logged). `exit_code` is the process's.
pub fn record(run_dir: &Path, stage: Stage, error: &str, exit_code: u8) {
    if let Err(e) = try_record(run_dir, stage, error, exit_code) {
        tracing::warn!(error = %e, run_dir = %run_dir.display(), "The failure could not be recorded in the run folder.");
    }
}

fn try_record(run_dir: &Path, stage: Stage, error: &str, exit_code: u8) -> anyhow::Result<()> {
    let path = run_dir.join("ledger.db");
    if !path.is_file() {
        return Ok(());
    }
    // Another process holding the run is not ours to write over.
    let Some(ledger) = Ledger::open_exclusive(&path)? else {
        return Ok(());
    };
    let failure = Failure {
        exit_code,
        stage: stage.as_str().to_string(),
        error: error.to_string(),
        at: crate::run::clock::now_rfc3339(),
    };
    ledger.record_failure(&failure)?;
    let stored = ledger.run_record().ok().and_then(|r| r.summary());
    let mut summary: serde_json::Value = stored
        .clone()
        .unwrap_or_else(|| serde_json::json!({ "run_dir": run_dir.display().to_string() }));
    summary["status"] = if exit_code == 130 {
        "interrupted"
    } else {
        "failed"
    }
    .into();
    summary["exit_code"] = exit_code.into();
    summary["failure"] = serde_json::to_value(&failure).unwrap_or_default();
    let json = serde_json::to_string_pretty(&summary).unwrap_or_default();
    // The ledger's copy is replaced only where staging finished (its presence is what says so).
    if stored.is_some() {
        ledger.update_summary(exit_code, &json, &failure.at)?;
    }
    crate::run::atomic::write(
        &run_dir.join("summary.json"),
        format!("{json}\n").as_bytes(),
    )?;
    crate::report::html::write(&ledger, run_dir)?;
    Ok(())
}

/// Removes every token-looking secret the error might quote (the tool's own errors never do;
/// this is the last guard before the text is written to the run folder).
pub fn redact(text: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| s.len() >= 8)
        .fold(text.to_string(), |t, s| t.replace(s, "[secret]"))
}

/// Files a run writes into its folder (besides the state file, which holds what was delivered
/// and is kept).
const RUN_FILES: [&str; 12] = [
    "ledger.db",
    "ledger.db-wal",
    "ledger.db-shm",
    "summary.json",
    "plan.csv",
    "plan.xlsx",
    "report.html",
    "rejects.csv",
    "rejects.xlsx",
    "duplicates.csv",
    "success.csv",
    "warnings.csv",
];

/// Clears `run_dir` for a new run when it holds a run that failed or was interrupted before it
/// sent anything (a refused token, a missing custom field, Ctrl-C while staging): rerunning the
/// same command then works instead of stopping at "ledger exists already". Any other run is
/// left alone (the new run then refuses the folder).
pub fn replace_unsent(run_dir: &Path) {
    let path = run_dir.join("ledger.db");
    if !path.is_file() || run_dir.join(crate::ledger::UNDO_LEDGER).exists() {
        return;
    }
    let replaceable = match Ledger::open_exclusive(&path) {
        Ok(Some(ledger)) => {
            matches!(ledger.failure(), Ok(Some(_))) && matches!(ledger.sent_nothing(), Ok(true))
        }
        _ => false,
    };
    if !replaceable {
        return;
    }
    tracing::info!(run_dir = %run_dir.display(), "Replacing a run that failed before it sent anything.");
    for name in RUN_FILES {
        let _ = std::fs::remove_file(run_dir.join(name));
    }
}
