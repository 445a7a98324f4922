//! Reads a run's ledger for `runs` (`ghl-bulk runs`), read-only: the connection is opened with SQLite's read-only
//! flag (it can neither write nor checkpoint), reads in one short transaction, and gives up at
//! once on a lock. A running import holds its ledger's exclusive lock for the whole run
//! (`Ledger::open_exclusive`), and staging does too: a lock means "in progress", not damage.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};

use super::{migrations, schema, RowState, StateCounts};

/// What `runs` needs from a ledger.
pub struct Record {
    /// RFC 3339, UTC.
    pub started_at: String,
    /// RFC 3339, UTC, once the run ended.
    pub finished_at: Option<String>,
    /// The input file, as given.
    pub input_path: String,
    /// The mapping file, as given.
    pub mapping_path: String,
    /// The validated options, JSON.
    pub options_json: String,
    /// The process's exit code, once it ended.
    pub exit_code: Option<u8>,
    /// The recorded summary.
    pub summary_json: Option<String>,
    /// Rows per state.
    pub states: StateCounts,
    /// The failure of the run's last attempt, if it failed.
    pub failure: Option<super::Failure>,
    /// Whether the reports were written after the ledger last changed.
    pub reports: super::ReportsMark,
}

/// Why a ledger could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Another process holds the lock.
    Busy,
    /// Not a ledger, or one without its run record; the reason.
    Damaged(String),
}

/// How long a read waits for a lock: long enough to pass a WAL checkpoint, short enough that a
/// run holding the ledger for hours costs the listing a blink.
const WAIT: Duration = Duration::from_millis(200);

pub fn read(path: &Path) -> Result<Record, ReadError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(classify)?;
    conn.busy_timeout(WAIT).map_err(classify)?;
    // One read transaction: the run record and the counts describe the same instant.
    let tx = conn.unchecked_transaction().map_err(classify)?;
    let version = migrations::user_version(&tx).map_err(classify)?;
    if let Err(e) = migrations::check_version(version, &schema::RUN_LEDGER, path) {
        return Err(ReadError::Damaged(e.to_string()));
    }
    let run = tx
        .query_row(
            "SELECT started_at, finished_at, input_path, mapping_path, options_json, exit_code, \
             summary_json FROM run WHERE id = 1",
            [],
            |r| {
                Ok(Record {
                    started_at: r.get(0)?,
                    finished_at: r.get(1)?,
                    input_path: r.get(2)?,
                    mapping_path: r.get(3)?,
                    options_json: r.get(4)?,
                    exit_code: r
                        .get::<_, Option<i64>>(5)?
                        .and_then(|c| u8::try_from(c).ok()),
                    summary_json: r.get(6)?,
                    states: StateCounts::default(),
                    failure: None,
                    reports: super::ReportsMark::Legacy,
                })
            },
        )
        .optional()
        .map_err(classify)?;
    let Some(mut record) = run else {
        // `Ledger::create` writes the tables, then the run record once the input is read: a
        // run killed in between leaves this (and sent nothing).
        return Err(ReadError::Damaged(
            "the ledger has no run record (a run stopped in its first instants)".into(),
        ));
    };
    (record.failure, record.reports) = super::lifecycle::read_marks(&tx).map_err(classify)?;
    let mut stmt = tx
        .prepare("SELECT state, COUNT(*) FROM rows GROUP BY state")
        .map_err(classify)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, RowState>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
        })
        .map_err(classify)?;
    record.states = rows.collect::<Result<_, _>>().map_err(classify)?;
    Ok(record)
}

/// What a running run's ledger says of its start, read past the run's lock: SQLite's
/// `immutable` mode takes no lock and reads the main file only (not the write-ahead log), which
/// holds the run record from staging on. Best effort: `None` when that read fails. Issue 13
/// item 11: `runs` showed `-` for a running import's start and input.
pub fn peek(path: &Path) -> Option<(String, String, String)> {
    let absolute = std::fs::canonicalize(path).ok()?;
    let mut uri = url::Url::from_file_path(&absolute).ok()?;
    uri.set_query(Some("immutable=1"));
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri.as_str(), flags).ok()?;
    conn.query_row(
        "SELECT started_at, input_path, options_json FROM run WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .ok()
}

/// The target a run recorded (where its rows go), read-only and without waiting long on a
/// running run's lock: `None` when there is none or it cannot be read now.
pub fn target(path: &Path) -> Option<super::Target> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).ok()?;
    conn.busy_timeout(WAIT).ok()?;
    let json: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [super::lifecycle::TARGET],
            |r| r.get(0),
        )
        .optional()
        .ok()??;
    serde_json::from_str(&json).ok()
}

fn classify(error: rusqlite::Error) -> ReadError {
    if let rusqlite::Error::SqliteFailure(e, _) = &error {
        if matches!(e.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) {
            return ReadError::Busy;
        }
    }
    ReadError::Damaged(error.to_string())
}
