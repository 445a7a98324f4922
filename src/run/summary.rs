//! A run's `summary.json`: read back from the ledger (where staging first recorded it), and
//! saved twice over when a command ends — the file in the run folder, written atomically, and
//! the ledger's copy with the exit code, which `runs` and a resume read.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::ledger::{Ledger, LedgerError};

/// The summary could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// The summary the ledger holds (staging's, or an earlier end's), or an empty object: a
/// command adds its own keys to it.
pub fn recorded(ledger: &Ledger) -> Result<Value, LedgerError> {
    Ok(ledger
        .run_record()?
        .summary()
        .unwrap_or_else(|| serde_json::json!({})))
}

/// Writes `summary` to `run_dir/summary.json` (pretty, atomically), then into the ledger with
/// the run's exit code; returns the JSON text.
pub fn save(
    ledger: &Ledger,
    run_dir: &Path,
    exit_code: u8,
    summary: &Value,
) -> Result<String, SummaryError> {
    let json = serde_json::to_string_pretty(summary).unwrap_or_default();
    let path = run_dir.join("summary.json");
    crate::run::atomic::write(&path, format!("{json}\n").as_bytes())
        .map_err(|source| SummaryError::Write { path, source })?;
    ledger.update_summary(exit_code, &json, &crate::run::clock::now_rfc3339())?;
    Ok(json)
}
