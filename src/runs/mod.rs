//! What the run folders say about the runs they hold, for `ghl-bulk runs`: each folder's
//! ledger read without writing to it or waiting on it, and the run's state decided from what
//! it records (finished, resumable, failed, still running; the rules are in `decide.rs`).
//! Rendering is in `render.rs`, the SQLite reading in `ledger::listing`; nothing here changes a
//! run folder.

mod decide;
pub mod render;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::ledger::listing as read;
use crate::ledger::{RowState, StateCounts};
use decide::{decide, Facts};

/// Why a list of runs could not be made (a single damaged run folder is not an error: it is
/// listed as damaged).
#[derive(Debug, thiserror::Error)]
pub enum RunsError {
    /// The folder to scan does not exist.
    #[error("{0} does not exist: run from the folder the imports ran in, or pass --dir")]
    NoFolder(PathBuf),
    /// The run folder named does not exist or is not a folder.
    #[error("{0} is not a run folder")]
    NotARun(PathBuf),
    /// The folder could not be listed.
    #[error("cannot list {path}: {source}")]
    List {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Ran to its end (rejected or failed rows may remain: see the counts).
    Finished,
    /// Stopped early (daily budget, Ctrl-C, a crash, a fatal API error): `import --resume`
    /// continues it.
    Resumable,
    /// Cannot be continued: a new run is needed.
    Failed,
    /// Another process holds the ledger's lock: the run is in progress.
    Running,
    /// The run's work is done but its reports were not all written (a kill while they were):
    /// `import --resume` writes them.
    ReportsIncomplete,
    /// The ledger is unreadable or incomplete in a way no ghl-bulk run leaves it.
    Damaged,
    /// No ledger.db in the folder.
    NoLedger,
}

impl RunState {
    /// The word shown in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Finished => "finished",
            RunState::Resumable => "resumable",
            RunState::Failed => "failed",
            RunState::Running => "running",
            RunState::ReportsIncomplete => "reports incomplete",
            RunState::Damaged => "damaged",
            RunState::NoLedger => "no ledger",
        }
    }
}

/// Rows per state, as the ledger holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Delivered: created by the run.
    pub created: u64,
    /// Delivered: an existing contact updated.
    pub updated: u64,
    /// Nothing to send (the state file shows the payload delivered already).
    pub unchanged: u64,
    /// Folded into another row of the file by dedupe.
    pub merged: u64,
    /// Refused locally (or update-only rows matching no contact).
    pub rejected: u64,
    /// Refused by the API or retries ran out (retried on resume).
    pub failed: u64,
    /// Valid and not sent yet (for `validate`: the valid rows).
    pub pending: u64,
    /// Sent with no known outcome (resolved on resume).
    pub in_doubt: u64,
    /// Rows whose contact a `delete` run deleted.
    pub deleted: u64,
    /// Every row of the ledger.
    pub rows: u64,
}

impl Counts {
    fn from_states(states: &StateCounts) -> Counts {
        let get = |state: RowState| states.get(state);
        Counts {
            created: get(RowState::Created),
            updated: get(RowState::Updated),
            unchanged: get(RowState::Unchanged),
            merged: get(RowState::Merged),
            rejected: get(RowState::Rejected),
            failed: get(RowState::Failed),
            pending: get(RowState::Pending),
            in_doubt: get(RowState::InDoubt),
            deleted: get(RowState::Deleted),
            rows: states.total(),
        }
    }

    /// Rows an import still has to send.
    pub fn left(&self) -> u64 {
        self.pending + self.in_doubt
    }
}

/// One run folder, as far as its ledger tells.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// The run folder.
    pub dir: PathBuf,
    /// Where the run stands.
    pub state: RunState,
    /// Why it is in that state, when that needs saying.
    pub note: Option<String>,
    /// How the run's last attempt failed (exit code, stage, error), when it did.
    pub failure: Option<crate::ledger::Failure>,
    /// `validate`, `import --dry-run` or `import`.
    pub command: Option<String>,
    /// RFC 3339, UTC.
    pub started_at: Option<String>,
    /// RFC 3339, UTC: the end of the last step recorded (staging, or delivery).
    pub finished_at: Option<String>,
    /// The input file.
    pub input_path: Option<String>,
    /// The mapping file.
    pub mapping_path: Option<String>,
    /// The exit code recorded.
    pub exit_code: Option<u8>,
    /// Rows per state.
    pub counts: Counts,
    /// The command that continues the run, when it is resumable.
    pub resume: Option<String>,
    /// summary.json as the ledger holds it (null before staging finished).
    pub summary: Option<serde_json::Value>,
}

impl RunInfo {
    fn bare(dir: &Path, state: RunState, note: Option<String>) -> RunInfo {
        RunInfo {
            dir: dir.to_path_buf(),
            state,
            note,
            failure: None,
            command: None,
            started_at: None,
            finished_at: None,
            input_path: None,
            mapping_path: None,
            exit_code: None,
            counts: Counts::default(),
            resume: None,
            summary: None,
        }
    }

    /// The input file's name (not its folder), for the table.
    pub fn input_name(&self) -> Option<String> {
        let path = self.input_path.as_deref()?;
        Some(
            Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.to_string()),
        )
    }
}

/// The files a run folder may hold, in the order `runs show` lists them.
pub const RUN_FILES: [&str; 10] = [
    "ledger.db",
    "summary.json",
    "plan.csv",
    "plan.xlsx",
    "rejects.csv",
    "rejects.xlsx",
    "success.csv",
    "duplicates.csv",
    "report.html",
    "state.sqlite",
];

/// Every run folder directly under `dir`, newest first (by start time; folders whose start
/// is unknown by name, which begins with the UTC timestamp for default run folders).
pub fn scan(dir: &Path) -> Result<Vec<RunInfo>, RunsError> {
    if !dir.is_dir() {
        return Err(RunsError::NoFolder(dir.to_path_buf()));
    }
    let list = |source| RunsError::List {
        path: dir.to_path_buf(),
        source,
    };
    let mut runs = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(list)? {
        let entry = entry.map_err(list)?;
        if entry.file_type().map_err(list)?.is_dir() {
            runs.push(inspect_folder(&entry.path()));
        }
    }
    runs.sort_by_cached_key(|run| std::cmp::Reverse(sort_key(run)));
    Ok(runs)
}

/// Newest first by start time. A folder whose ledger cannot be read (a running import holds
/// it) is placed by the timestamp its default name starts with, else by its modification time.
fn sort_key(run: &RunInfo) -> (String, String) {
    let name = run
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let when = run
        .started_at
        .clone()
        .or_else(|| name_time(&name))
        .or_else(|| {
            let modified = std::fs::metadata(&run.dir)
                .and_then(|m| m.modified())
                .ok()?;
            Some(rfc3339(chrono::DateTime::<chrono::Utc>::from(modified)))
        })
        .unwrap_or_default();
    (when, name)
}

/// The start time in a default run folder's name (`20261123T112405Z-leads`).
fn name_time(name: &str) -> Option<String> {
    let stamp = name.get(..16)?;
    let time = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ").ok()?;
    Some(rfc3339(time.and_utc()))
}

fn rfc3339(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// One run folder (which must exist).
pub fn inspect(dir: &Path) -> Result<RunInfo, RunsError> {
    if !dir.is_dir() {
        return Err(RunsError::NotARun(dir.to_path_buf()));
    }
    Ok(inspect_folder(dir))
}

fn inspect_folder(dir: &Path) -> RunInfo {
    let ledger = dir.join("ledger.db");
    if !ledger.is_file() {
        return RunInfo::bare(dir, RunState::NoLedger, None);
    }
    let record = match read::read(&ledger) {
        Ok(record) => record,
        Err(read::ReadError::Busy) => {
            let mut info = RunInfo::bare(
                dir,
                RunState::Running,
                Some("another process holds the ledger: the run is in progress".into()),
            );
            // Its counts stay unknown; its start, input and command can be read.
            if let Some((started_at, input_path, options)) = read::peek(&ledger) {
                let options: serde_json::Value = serde_json::from_str(&options).unwrap_or_default();
                info.command = options["command"].as_str().map(str::to_string);
                info.started_at = Some(started_at);
                info.input_path = Some(input_path);
            }
            return info;
        }
        Err(read::ReadError::Damaged(why)) => {
            return RunInfo::bare(dir, RunState::Damaged, Some(why))
        }
    };
    let counts = Counts::from_states(&record.states);
    let summary: Option<serde_json::Value> = record
        .summary_json
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok());
    let options: serde_json::Value = serde_json::from_str(&record.options_json).unwrap_or_default();
    let command = options["command"]
        .as_str()
        .or_else(|| summary.as_ref().and_then(|s| s["command"].as_str()))
        .map(str::to_string);
    let facts = Facts {
        command: command.as_deref().unwrap_or("import"),
        dry_run: summary.as_ref().is_some_and(|s| s["dry_run"] == true),
        staged: summary.is_some(),
        exit_code: record.exit_code,
        stop: summary
            .as_ref()
            // A delete's summary keeps its stop at the top.
            .and_then(|s| s["delivery"]["stop"].as_str().or(s["stop"].as_str()))
            .map(str::to_string),
        counts: &counts,
        failure: record.failure.as_ref(),
        reports_incomplete: record.reports == crate::ledger::ReportsMark::Incomplete,
    };
    let (state, note) = decide(&facts);
    // A failed import whose rows were staged goes on where it stopped once the cause is fixed.
    let resumable = match state {
        RunState::Resumable => matches!(facts.command, "import" | "delete"),
        RunState::ReportsIncomplete => facts.command == "import",
        RunState::Failed => facts.command == "import" && facts.staged && counts.left() > 0,
        _ => false,
    };
    RunInfo {
        dir: dir.to_path_buf(),
        resume: resumable.then(|| {
            let verb = match command.as_deref() {
                Some("delete") => "delete",
                _ => "import",
            };
            format!("ghl-bulk {verb} --resume {}", dir.display())
        }),
        state,
        note,
        failure: record.failure,
        command,
        started_at: Some(record.started_at),
        finished_at: record.finished_at,
        input_path: Some(record.input_path),
        mapping_path: Some(record.mapping_path),
        exit_code: record.exit_code,
        counts,
        summary,
    }
}

#[cfg(test)]
mod tests;
