//! The run ledger (`ledger.db`, SQLite in WAL mode): run metadata and every row's state,
//! normalised payload, identity keys, issues and outcome. The local pipeline stages rows in
//! chunked transactions; dedupe rewrites merged rows; reports are written from it (`validate`
//! writes its reject files from the rows as it stages them, through the same code).
//! Every SQL statement of the tool is in this module, the state file's too (`state/`, one
//! file per location that outlives the run folders): the commands and the reports ask typed questions (`overview.rs` for the HTML
//! report, `listing.rs` for `runs`), and `undo.db` is its own type (`UndoLedger`). The schema
//! changes only through the numbered migrations of `schema.rs`, run by `migrations.rs` when a
//! file is opened.

mod before;
mod conflicts;
mod decisions;
mod delivery;
mod delta;
mod followups;
mod input_cells;
mod lifecycle;
pub mod listing;
mod migrations;
mod overview;
mod payload;
mod plan_rows;
mod read_back;
mod removal;
mod row_state;
mod schema;
mod series;
mod sqlite;
mod staging;
pub mod state;
mod subset;
mod undo;
mod undo_source;
mod verdicts;
mod warnings;

pub use before::{BeforeCapture, BeforeImage};
pub use conflicts::{ConflictRejection, PhoneDropped};
pub use decisions::{Action, Change, Decision, UnknownAction};
pub use delivery::{
    ContactSeen, DeliveredRow, DeliveryBatch, DeliveryResult, DeliveryRow, RunRecord, SuccessRecord,
};
pub use delta::DeltaRow;
pub use followups::{FollowupContext, FollowupRecord};
pub use input_cells::{
    cells_from_input, cells_in_input, input_stamp, remember_read_whole, InputStamp,
    CELLS_FROM_INPUT,
};
pub use lifecycle::{Failure, ReportsMark, Target};
pub use overview::{
    Example, Group, Merges, Reason, RunOverview, EXAMPLES, TOP_GROUPS, TOP_REASONS,
};
pub use plan_rows::{PlannedRow, PLAN_STALE};
pub use read_back::{MergedRow, RejectedRow};
pub use removal::{RemovalRow, Resolution};
pub use row_state::{RowState, StateCounts, UnknownState};
pub use series::RequestSession;
pub use staging::{MergedGroup, StagedRow, StoredPayload};
pub use undo::{UndoContact, UndoLedger, UndoStep, UNDO_LEDGER};
pub use undo_source::UndoSource;
pub use verdicts::{Rejection, RowError, Warning};
pub(crate) use warnings::stored_issues;
pub use warnings::WarningRecord;

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection};

use crate::contact::Contact;
use sqlite::{in_transaction, query_all, sql, transaction_with, wal_and_migrate};

pub use schema::SCHEMA_VERSION;

/// The staging connection's page cache (`PRAGMA cache_size`: negative is KiB): 32 MiB.
const STAGING_CACHE: i32 = -32768;

/// Why the ledger failed. Any of these is fatal: without its ledger a run cannot account for
/// its rows.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// SQLite refused an operation.
    #[error("ledger {path}: {source}")]
    Sqlite {
        /// The ledger file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The file exists already: a new run never writes into an old ledger.
    #[error("ledger {0} exists already: choose a new run folder")]
    Exists(PathBuf),
    /// The file was written by a newer ghl-bulk, whose schema this build does not know.
    #[error(
        "ledger {path} was written by a newer ghl-bulk (schema version {found}; this build \
         reads up to {supported}): use that version or a newer one"
    )]
    TooNew {
        /// The ledger file.
        path: PathBuf,
        /// Its `user_version`.
        found: u32,
        /// The newest version this build knows.
        supported: u32,
    },
    /// A stored JSON payload could not be read back.
    #[error("ledger {path}: row {row} has an unreadable payload: {source}")]
    Payload {
        /// The ledger file.
        path: PathBuf,
        /// The row.
        row: u64,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// A row's cells live in the input (the ledger keeps its position), and the input cannot
    /// give them.
    #[error("input {path}: {reason}")]
    Input {
        /// The input file, as the run recorded it.
        path: PathBuf,
        /// Why its cells cannot be read.
        reason: String,
    },
}

/// Run metadata written at the start.
#[derive(Debug, Clone)]
pub struct RunMeta {
    /// `CARGO_PKG_VERSION`.
    pub tool_version: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// The input file.
    pub input_path: String,
    /// Its size in bytes.
    pub input_size: u64,
    /// blake3 of its bytes, hex.
    pub input_blake3: String,
    /// The mapping file.
    pub mapping_path: String,
    /// blake3 of its bytes, hex.
    pub mapping_blake3: String,
    /// The validated options, as JSON.
    pub options_json: String,
    /// The header row, as JSON.
    pub headers_json: String,
}

/// An open ledger.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
}

impl Ledger {
    /// Creates a new ledger file (refusing an existing one) with the schema and WAL mode.
    pub fn create(path: &Path) -> Result<Ledger, LedgerError> {
        if path.exists() {
            return Err(LedgerError::Exists(path.to_path_buf()));
        }
        let conn = Connection::open(path).map_err(|e| sql(path, e))?;
        let mut ledger = Ledger {
            conn,
            path: path.to_path_buf(),
        };
        // While the file is staged, nothing in it can be delivered or resumed yet (a resume
        // refuses a run whose staging did not finish), so staging writes without a journal:
        // every page is written once instead of twice (WAL, then checkpoint). `make_durable`
        // switches to WAL before the first thing that must survive a crash. Until then the
        // file is locked exclusively: no other process reads a half-staged ledger, and each
        // transaction skips taking and dropping the file lock and probing for a journal.
        ledger
            .conn
            .execute_batch(&format!(
                "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = OFF; \
                     PRAGMA synchronous = OFF; PRAGMA cache_size = {STAGING_CACHE};"
            ))
            .map_err(|e| ledger.err(e))?;
        migrations::migrate(&mut ledger.conn, &schema::RUN_LEDGER, path, true)?;
        // Built after staging, by `make_durable` (see `schema::INDEXES`).
        ledger
            .conn
            .execute_batch(schema::DEFERRED_INDEXES)
            .map_err(|e| ledger.err(e))?;
        // Until the run's reports are written, `runs` says so (a kill while they are written
        // must not leave a folder that looks finished).
        ledger.reports_stale()?;
        Ok(ledger)
    }

    /// Switches the ledger to WAL, so that from here on a crash at any instant leaves the last
    /// committed transaction (NORMAL sync survives an application crash; only an OS crash may
    /// lose the last commits), and releases the exclusive lock. Called once staging and dedupe
    /// are complete. Builds the indexes that `create` left out (staging is faster without them).
    pub fn make_durable(&self) -> Result<(), LedgerError> {
        // Back to normal locking: the exclusive lock goes with the index build's transaction,
        // and WAL then lets `import` and other readers open the file. The index is built while
        // the journal is still off: a crash during the build leaves a run whose staging never
        // finished (no `finish_run`), which a resume refuses and a new run rebuilds from the
        // file; everything delivery writes comes after the switch to WAL below.
        self.conn
            .execute_batch("PRAGMA locking_mode = NORMAL;")
            .map_err(|e| self.err(e))?;
        self.conn
            .execute_batch(schema::INDEXES)
            .map_err(|e| self.err(e))?;
        self.conn
            .execute_batch(
                "PRAGMA synchronous = NORMAL; PRAGMA journal_mode = WAL; \
                 PRAGMA wal_autocheckpoint = 8192;",
            )
            .map_err(|e| self.err(e))
    }

    /// The ledger file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> LedgerError {
        sql(&self.path, source)
    }

    /// Runs `write` in one transaction and commits it; on any error none of it is kept.
    fn in_transaction<T>(
        &mut self,
        write: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, LedgerError> {
        in_transaction(&mut self.conn, &self.path, write)
    }

    /// Every row `query` returns with `params`, each read by `map`.
    fn query_all<T>(
        &self,
        query: &str,
        params: impl rusqlite::Params,
        map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, LedgerError> {
        query_all(&self.conn, &self.path, query, params, map)
    }

    /// The text column that `query` reads from data row `row` (its `?1`): `None` when the row
    /// is not there or the column is NULL.
    fn row_text(&self, query: &str, row: u64) -> Result<Option<String>, LedgerError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(query, params![row as i64], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.err(e))
    }

    /// Hands every row `query` returns, read by `map`, to `f` as it comes (the reports stream
    /// a million-row ledger without holding it).
    fn stream_rows<T, E: From<LedgerError>>(
        &self,
        query: &str,
        map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
        mut f: impl FnMut(T) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut stmt = self.conn.prepare(query).map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], map).map_err(|e| self.err(e))?;
        for row in rows {
            f(row.map_err(|e| self.err(e))?)?;
        }
        Ok(())
    }

    /// Records the run's metadata.
    pub fn write_run(&self, meta: &RunMeta, dialect_json: Option<&str>) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "INSERT INTO run (id, tool_version, started_at, input_path, input_size, \
                 input_blake3, mapping_path, mapping_blake3, options_json, headers_json, \
                 dialect_json) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    meta.tool_version,
                    meta.started_at,
                    meta.input_path,
                    meta.input_size as i64,
                    meta.input_blake3,
                    meta.mapping_path,
                    meta.mapping_blake3,
                    meta.options_json,
                    meta.headers_json,
                    dialect_json,
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// A staged payload read back: the one place a payload is decoded.
    fn contact(&self, row: u64, json: &str) -> Result<Contact, LedgerError> {
        serde_json::from_str(json).map_err(|source| LedgerError::Payload {
            path: self.path.clone(),
            row,
            source,
        })
    }

    pub(super) fn cells(&self, row: u64, json: &str) -> Result<Vec<String>, LedgerError> {
        serde_json::from_str(json).map_err(|source| LedgerError::Payload {
            path: self.path.clone(),
            row,
            source,
        })
    }

    /// Row count per state.
    pub fn state_counts(&self) -> Result<StateCounts, LedgerError> {
        let rows = self.counts("SELECT state, COUNT(*) FROM rows GROUP BY state")?;
        Ok(rows.into_iter().collect())
    }

    /// Runs a `SELECT key, COUNT(*) … GROUP BY key` query.
    fn counts<K: rusqlite::types::FromSql>(&self, sql: &str) -> Result<Vec<(K, u64)>, LedgerError> {
        self.query_all(sql, [], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
    }

    /// Records the end of the run.
    pub fn finish_run(
        &self,
        finished_at: &str,
        exit_code: u8,
        summary_json: &str,
    ) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "UPDATE run SET finished_at = ?1, exit_code = ?2, summary_json = ?3 WHERE id = 1",
                params![finished_at, exit_code, summary_json],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

/// The staged payload (JSON) of a row read by a query that selects `payload_json` as column
/// `i` and `email, phone` as columns `j` and `j + 1` (an encoded payload refers to the row's
/// identity columns).
pub(super) fn read_payload(
    r: &rusqlite::Row<'_>,
    i: usize,
    j: usize,
) -> rusqlite::Result<Option<String>> {
    use rusqlite::types::{Type, ValueRef};
    let stored = match r.get_ref(i)? {
        ValueRef::Null => return Ok(None),
        ValueRef::Blob(bytes) | ValueRef::Text(bytes) => bytes,
        other => {
            return Err(rusqlite::Error::InvalidColumnType(
                i,
                "payload_json".into(),
                other.data_type(),
            ))
        }
    };
    let text = |j: usize| {
        r.get_ref(j)?
            .as_str_or_null()
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(j, Type::Text, Box::new(e)))
    };
    let (email, phone) = (text(j)?, text(j + 1)?);
    payload::decode(stored, email, phone)
        .map(Some)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Blob, Box::new(e)))
}

#[cfg(test)]
pub(crate) mod migration_tests;
#[cfg(test)]
mod tests;
