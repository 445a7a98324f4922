//! The export command: every contact of a location (or those a filter or `--since` selects)
//! into a CSV, XLSX or JSONL file, safe for nightly jobs.
//!
//! Flow: take the target's lock → custom field definitions (the first request, which also
//! checks the token) → the `dateUpdated` window from the state store's watermark → the
//! estimate (one small search learns the total; `--dry-run` stops here) → search pages
//! (fetch.rs) → optionally each contact's notes, tasks, appointments (related.rs) → the writer, on a blocking
//! thread, into a temporary file (write_stage.rs, writer.rs, columns.rs) → fsync and rename over the output
//! (output.rs) → only then the watermark moves (watermark.rs, destination.rs). Stages are joined by bounded
//! channels, so memory holds a few pages whatever the size of the location.
//!
//! `--locations ID,…|all` (many.rs) runs that flow for each location side by side: into one
//! file with a `location_id` column through a part per location (combine.rs), or a file per
//! location; one progress board (board.rs) and one summary (many_summary.rs).

mod board;
mod cells;
mod columns;
mod combine;
mod destination;
mod digest;
mod fetch;
mod many;
mod many_summary;
mod output;
mod related;
mod run;
mod summary;
mod watermark;
mod write_stage;
mod writer;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

pub use cells::value_text;
pub use columns::Layout;
pub use fetch::{Query, PAGE_LIMIT};
pub use many::{run as run_many, ManyConfig, ManyOutput};
pub use output::{PendingFile, TargetLock};
pub use related::Related;
pub use run::{run, write_failed_summary};
pub use summary::Report;
pub use watermark::{parse_user_date, Stored, Window};
pub use writer::OutputFormat;

use crate::api::{ApiError, ClientConfig, RelatedKind};
use crate::ledger::state::StateError;
use crate::mapping::{LoadedMapping, MappingError};

/// Which contacts, by when they were last updated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Since {
    /// Every contact.
    Full,
    /// Those updated since the last complete export to the same target (every contact the
    /// first time).
    Last,
    /// Those updated at or after this instant (ISO).
    Date(String),
}

/// Where the watermark is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateChoice {
    /// The location's default state file (`state::default_path`); none with `--sandbox`.
    Default,
    /// This file.
    File(PathBuf),
}

/// Where the contacts come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A HighLevel location (or a sandbox started elsewhere).
    Api(Box<ClientConfig>),
    /// A sandbox started in this process with generated contacts.
    Sandbox,
}

/// Everything one export needs, validated by the command line's plan.
#[derive(Debug, Clone)]
pub struct ExportConfig {
    /// The output file.
    pub out: PathBuf,
    /// Its format.
    pub format: OutputFormat,
    /// An import mapping to read in reverse (CSV and XLSX only).
    pub mapping: Option<LoadedMapping>,
    /// The `dateUpdated` window.
    pub since: Since,
    /// Tags, free text, `--updated-after`.
    pub query: Query,
    /// Fetch each contact's notes.
    pub with_notes: bool,
    /// Fetch each contact's tasks.
    pub with_tasks: bool,
    /// Fetch each contact's appointments.
    pub with_appointments: bool,
    /// Print the estimate (requests, time at the limit) and stop: no file, no watermark.
    pub dry_run: bool,
    /// Write the summary JSON here.
    pub summary: Option<PathBuf>,
    /// Where the watermark is kept.
    pub state: StateChoice,
    /// How far below the watermark `--since last` asks again.
    pub overlap: Duration,
    /// Where the contacts come from.
    pub source: Source,
    /// Requests in flight (notes, search cursors) [default: sized from the rate allowed].
    pub concurrency: Option<usize>,
    /// Progress bar (on a terminal) and the result line on stderr.
    pub progress: bool,
    /// The location's id, before the lines it prints, when one run exports many.
    pub label: Option<String>,
    /// Its line of the progress board, when one run exports many.
    pub slot: Option<board::Slot>,
}

impl ExportConfig {
    /// The related kinds asked for, one request per contact each.
    pub fn related_kinds(&self) -> Vec<RelatedKind> {
        let wanted = [self.with_notes, self.with_tasks, self.with_appointments];
        RelatedKind::ALL
            .into_iter()
            .zip(wanted)
            .filter_map(|(kind, on)| on.then_some(kind))
            .collect()
    }
}

/// How an export ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportEnd {
    /// The file is complete and in place.
    Complete,
    /// `--dry-run`: the estimate was printed; nothing was written.
    DryRun,
    /// Ctrl-C; the previous file is untouched.
    Interrupted,
}

impl ExportEnd {
    /// The run's end, for the exit code.
    pub fn run_end(self) -> crate::run::end::RunEnd {
        match self {
            ExportEnd::Complete | ExportEnd::DryRun => crate::run::end::RunEnd::Ok,
            ExportEnd::Interrupted => crate::run::end::RunEnd::Interrupted,
        }
    }
}

/// A batch of contacts between the stages: as search returned them, with their related lists
/// when asked for (`related[i]` belongs to `contacts[i]`).
#[derive(Debug, Default)]
pub struct Batch {
    /// The contacts.
    pub contacts: Vec<Value>,
    /// Their notes, tasks, appointments, with `--with-*`.
    pub related: Option<Vec<Related>>,
    /// Matches search reported (for progress).
    pub total: u64,
}

/// What stops an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Another export to the same file holds its lock.
    #[error(
        "another export to {out} is running (pid {holder}; lock {lock}); nothing was done, \
         try again when it has finished"
    )]
    Locked {
        /// The output.
        out: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// The holder's pid, as it wrote it.
        holder: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The token, its scopes or its location were refused (or, see `ApiError::is_fatal`, the
    /// target is not HighLevel: a redirect, an oversized answer, a TLS failure).
    #[error("{}", auth_text(.0))]
    Auth(ApiError),
    /// A request failed for good.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The state store failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// The mapping file could not be read.
    #[error(transparent)]
    MappingFile(#[from] MappingError),
    /// The mapping does not fit the location.
    #[error("mapping: {message}")]
    Mapping {
        /// What is wrong.
        message: String,
    },
    /// Search answered in a way paging cannot go on from.
    #[error("search paging stopped: {0}")]
    Paging(String),
    /// The in-process sandbox failed.
    #[error("the in-process sandbox failed: {0}")]
    Sandbox(String),
    /// `--locations` could not be resolved (an unknown id, no agency token).
    #[error(transparent)]
    Locations(#[from] crate::api::location_choice::ChoiceError),
    /// A broken invariant (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

impl ExportError {
    /// Stopped without harm and worth running again later (exit 75): the target is locked by
    /// another run, the daily budget is spent, the API stayed unreachable past the retries.
    pub fn is_resumable(&self) -> bool {
        match self {
            ExportError::Locked { .. } => true,
            ExportError::Api(error) => error.is_resumable_stop(),
            _ => false,
        }
    }
}

fn auth_text(error: &ApiError) -> String {
    if error.is_auth() {
        format!("HighLevel refused the credentials: {error}")
    } else {
        error.to_string()
    }
}
