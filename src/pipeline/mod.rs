//! The staging pipeline (issue 3), one stage shared by `validate` and `import`: read → map →
//! normalise/validate → stage in the ledger → dedupe → reports. No network. A reader thread
//! sends chunks of rows over a bounded channel (back-pressure: reading never runs more than a
//! few chunks ahead); rayon normalises each chunk in order; a writer thread stages chunks into
//! the ledger, one transaction each (then builds the state index while dedupe resolves its
//! groups from the digests), and a rejects thread writes the rejected rows to
//! rejects.csv/xlsx as they are staged (the same rows and code as the rewrite from the ledger
//! after delivery), so that it finishes while dedupe runs. Dedupe keeps only 128-bit key
//! digests in memory and merges payloads from the ledger afterwards; duplicates.csv and the
//! outcome counts are read from the ledger at the end.

pub mod conflicts;
mod dedupe_stage;
pub(crate) mod failure;
pub mod location_column;
mod reports;
mod rows;
mod stage;
mod summary;
mod warnings;

use std::path::{Path, PathBuf};

use crate::ledger::{Ledger, LedgerError};
use crate::mapping::{LoadedMapping, Mapping, MappingError};
use crate::run::end::RunEnd;
use crate::source::{SourceError, SourceOptions};
use stage::stage_and_report;

pub use location_column::{LocationColumn, LOCATION_UNKNOWN};
pub use summary::Summary;
pub use warnings::{WarningExample, WarningGroup, WarningSummary};

/// What the staging pipeline needs, for `validate` or an import's staging (validated by
/// `cli::plan`).
#[derive(Debug, Clone)]
pub struct ValidateConfig {
    /// The input file.
    pub input: PathBuf,
    /// The loaded mapping.
    pub mapping: LoadedMapping,
    /// Reader options (the mapping's `[source]` with command-line overrides applied).
    pub source: SourceOptions,
    /// Overrides the mapping's `default_region`.
    pub region: Option<String>,
    /// The run folder (created; must not hold a ledger yet).
    pub run_dir: PathBuf,
    /// Show a progress bar (only honoured when stderr is a terminal).
    pub progress: bool,
    /// Print the human summary on stderr: the command that runs the stage does, after it
    /// (`validate`, `import`).
    pub print_summary: bool,
    /// The command name for the summary (`validate` or `import --dry-run`).
    pub command: String,
    /// The options as JSON, recorded in the ledger.
    pub options_json: String,
    /// `import --location-column`: the column naming each row's location, and the locations
    /// it may name (`None` for a file going to one location).
    pub location_column: Option<LocationColumn>,
    /// Whether to stop at this point: [`stop_requested`] (Ctrl-C or SIGTERM) for the commands;
    /// a test injects its own, since the process-wide count is shared by every test.
    pub stop: fn(StopPoint) -> bool,
}

/// Where the pipeline looks whether it should stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopPoint {
    /// Between two chunks of rows, and after the last one.
    Reading,
    /// After the whole file was read: before the conflicts are applied, before dedupe's
    /// merges, before the reports, before the summary. A stop here is a stop too (exit 130, the folder says `interrupted`), not a run
    /// that carries on to an ordinary end.
    Checking,
}

/// The commands' stop check: a Ctrl-C or a SIGTERM was received.
pub fn stop_requested(_: StopPoint) -> bool {
    crate::run::signals::requested()
}

/// What stops the pipeline. Bad rows never do: they are outcomes.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The input cannot be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The mapping does not fit the file.
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A report or the run folder could not be written.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A pipeline thread died (a bug): reported rather than hidden.
    #[error("internal error: the {0} thread stopped unexpectedly")]
    Thread(&'static str),
    /// `--location-column` names no header of the file.
    #[error(
        "--location-column \"{column}\" is not a column of the file (its headers are: {headers})"
    )]
    NoLocationColumn {
        /// The column asked for.
        column: String,
        /// The file's headers, quoted.
        headers: String,
    },
    /// Ctrl-C or SIGTERM while the file was read and checked: nothing was sent.
    #[error("interrupted while the file was read and checked")]
    Interrupted,
}

impl PipelineError {
    /// The exit code this error ends the process with: 130 for an interruption, else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            PipelineError::Interrupted => RunEnd::Interrupted.code(),
            _ => RunEnd::Fatal.code(),
        }
    }
}

/// The usable headers (not the tool's own `_` columns), quoted, for a message.
pub(crate) fn quoted_headers(headers: &[String]) -> String {
    let shown: Vec<String> = headers
        .iter()
        .filter(|h| !h.starts_with('_') && !h.trim().is_empty())
        .map(|h| format!("\"{h}\""))
        .collect();
    shown.join(", ")
}

pub(crate) fn write_err(path: &Path, e: impl std::fmt::Display) -> PipelineError {
    PipelineError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Runs the local pipeline to its end and returns the summary (also written to the run
/// folder). Exit status: `summary.exit_code`. A run that stops once its ledger exists (an
/// unreadable row, Ctrl-C, a full disk) records why in its folder.
pub fn run(config: &ValidateConfig) -> Result<Summary, PipelineError> {
    failure::replace_unsent(&config.run_dir);
    let ledger = config.run_dir.join("ledger.db");
    let fresh = !ledger.exists();
    let result = stage_and_report(config);
    if let Err(error) = &result {
        // Only a ledger this run created is its own to write the failure into.
        if fresh && ledger.exists() {
            failure::record(
                &config.run_dir,
                failure::Stage::Read,
                &error.to_string(),
                error.exit_code(),
            );
        }
    }
    result
}

/// Size and blake3 digest of the input (read in one pass, on its own thread); a resume checks
/// the input against it.
pub(crate) fn fingerprint(path: &Path) -> std::io::Result<(u64, String)> {
    let mut hasher = blake3::Hasher::new();
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    hasher.update_reader(file)?;
    Ok((size, hasher.finalize().to_hex().to_string()))
}

/// Writes rejects.csv, rejects.xlsx and duplicates.csv from the ledger (again, after delivery
/// added failed rows).
pub(crate) fn write_reports(
    ledger: &Ledger,
    headers: &[String],
    mapping: &Mapping,
    dir: &Path,
) -> Result<(), PipelineError> {
    reports::write(ledger, headers, mapping, dir).map(|_| ())
}

/// Writes warnings.csv again from the ledger into `dir` and returns its summary (a location's
/// share of a file staged once, `import --location-column`).
pub fn rewrite_warnings(ledger: &Ledger, dir: &Path) -> Result<WarningSummary, PipelineError> {
    warnings::Warnings::from_ledger(ledger, dir)
}

#[cfg(test)]
mod tests;
