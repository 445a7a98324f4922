//! The delivery's side of the ledger: rows to send, marking them `in_doubt` before a request
//! leaves, and recording what came back (contact id, created or not, tags before and added,
//! notes created, warnings), one transaction per batch. `extras` keeps what the delivery modes
//! add (first send time, tags removed, business, the run's mode).

mod batch;
mod extras;

pub use batch::{ContactSeen, DeliveryBatch};
pub use extras::DeliveredRow;

use rusqlite::{params, Connection};
use std::path::Path;

use super::{schema, sql, Ledger, LedgerError, RowError, RowState, Warning};

/// A row waiting for delivery (pending, failed earlier, or in doubt after a stop).
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRow {
    pub row: u64,
    pub state: RowState,
    pub payload_json: String,
    pub contact_id: Option<String>,
    pub attempts: u32,
    /// Notes this row already created in an earlier attempt.
    pub note_ids_json: Option<String>,
    /// Tasks this row already created in an earlier attempt.
    pub task_ids_json: Option<String>,
    /// When the row was first marked in doubt (RFC 3339), if it ever was.
    pub first_sent_at: Option<String>,
    /// Whether an earlier attempt created the contact (once its contact was seen).
    pub created: Option<bool>,
    /// The contact's tags when an earlier attempt first saw it (JSON array).
    pub tags_before_json: Option<String>,
}

/// What delivering one row ended in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeliveryResult {
    pub row: u64,
    /// `Created`, `Updated`, `Unchanged`, `Rejected` (update-only, no such contact) or `Failed`.
    pub state: RowState,
    pub contact_id: Option<String>,
    pub created: Option<bool>,
    pub tags_before: Option<Vec<String>>,
    pub tags_added: Option<Vec<String>>,
    pub note_ids: Vec<String>,
    /// Tags this run took off the contact (`None`: nothing to record).
    pub tags_removed: Option<Vec<String>>,
    pub task_ids: Vec<String>,
    /// The business this run attached the contact to.
    pub business_id: Option<String>,
    pub last_status: Option<u16>,
    /// For failed (and refused) rows: what went wrong.
    pub error: Option<RowError>,
    /// Honest-result warnings.
    pub warnings: Vec<Warning>,
    /// What delivery did with each of the row's notes and tasks (written to
    /// `followups_done`; `note_ids` / `task_ids` keep only those it created).
    pub followups: Vec<super::FollowupRecord>,
}

impl Ledger {
    /// Opens an existing ledger (resume, reports).
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let mut conn = Connection::open(path).map_err(|e| sql(path, e))?;
        super::wal_and_migrate(&mut conn, path, &schema::RUN_LEDGER, false)?;
        Ok(Ledger {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens the ledger of a run to work on it, holding the run's lock: SQLite's exclusive
    /// lock on the file, kept by this connection until it closes. The operating system drops
    /// it when the process ends, even by SIGKILL, so a crashed run never leaves a stale lock.
    /// `None` when another process holds it: two processes delivering one run would send
    /// every row twice (and a note is not idempotent). While it is held, other processes
    /// cannot read the ledger either.
    pub fn open_exclusive(path: &Path) -> Result<Option<Ledger>, LedgerError> {
        let mut conn = Connection::open(path).map_err(|e| sql(path, e))?;
        // A second run fails within a second instead of rusqlite's 5 s; the second is there for
        // readers such as `ghl-bulk runs`, whose short read transaction must not turn an
        // import away as "another process".
        conn.busy_timeout(std::time::Duration::from_secs(1))
            .map_err(|e| sql(path, e))?;
        // Exclusive mode before the first access: the lock is taken by the empty write
        // transaction and kept after it.
        let locked =
            conn.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;");
        match locked {
            Ok(()) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(sql(path, e)),
        }
        super::wal_and_migrate(&mut conn, path, &schema::RUN_LEDGER, false)?;
        Ok(Some(Ledger {
            conn,
            path: path.to_path_buf(),
        }))
    }

    /// Up to `limit` rows after `after` that still need delivery, in row order.
    ///
    /// The unary `+` keeps SQLite off the state index: walking rows in key order from `after`
    /// reads one page; the index would sort every remaining row for every page (quadratic on a
    /// million rows).
    pub fn deliverable(&self, after: u64, limit: usize) -> Result<Vec<DeliveryRow>, LedgerError> {
        self.query_all(
            "SELECT r.row, r.state, r.payload_json, r.contact_id, r.attempts, r.note_ids_json, \
             r.task_ids_json, d.first_sent_at, r.created, r.tags_before_json, r.email, r.phone \
             FROM rows r \
             LEFT JOIN delivery_rows d ON d.row = r.row \
             WHERE r.row > ?1 AND +r.state IN ('pending', 'in_doubt', 'failed') \
             AND r.payload_json IS NOT NULL ORDER BY r.row LIMIT ?2",
            params![after as i64, limit as i64],
            |r| {
                Ok(DeliveryRow {
                    row: r.get::<_, i64>(0)? as u64,
                    state: r.get(1)?,
                    payload_json: super::read_payload(r, 2, 10)?.unwrap_or_default(),
                    contact_id: r.get(3)?,
                    attempts: r.get::<_, i64>(4)? as u32,
                    note_ids_json: r.get(5)?,
                    task_ids_json: r.get(6)?,
                    first_sent_at: r.get(7)?,
                    created: r.get(8)?,
                    tags_before_json: r.get(9)?,
                })
            },
        )
    }

    /// Marks rows `in_doubt` (and counts the attempt) before their requests are sent, so a crash
    /// at any later instant leaves them to be resolved on resume.
    pub fn mark_in_doubt(&mut self, rows: &[u64], now: &str) -> Result<(), LedgerError> {
        self.in_transaction(|tx| mark_in_doubt_in(tx, rows, now))
    }

    /// Writes a batch of results in one transaction.
    pub fn record_delivery(
        &mut self,
        results: &[DeliveryResult],
        now: &str,
    ) -> Result<(), LedgerError> {
        self.in_transaction(|tx| record_delivery_in(tx, results, now))
    }

    /// Every delivered row with its contact id, in row order: (row, state, contact id).
    pub fn delivered(&self) -> Result<Vec<(u64, String, Option<String>)>, LedgerError> {
        self.query_all(
            "SELECT row, state, contact_id FROM rows \
             WHERE state IN ('created', 'updated', 'unchanged') ORDER BY row",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?)),
        )
    }

    /// Delivery warnings per code: (code, count).
    pub fn warning_counts(&self) -> Result<Vec<(String, u64)>, LedgerError> {
        self.counts("SELECT code, COUNT(*) FROM delivery_warnings GROUP BY code ORDER BY code")
    }
}

/// Marks rows `in_doubt` and counts the attempt, inside the caller's transaction.
pub(super) fn mark_in_doubt_in(
    tx: &rusqlite::Connection,
    rows: &[u64],
    now: &str,
) -> rusqlite::Result<()> {
    let mut update = tx.prepare_cached(
        "UPDATE rows SET state = 'in_doubt', attempts = attempts + 1, \
             updated_at = ?2 WHERE row = ?1",
    )?;
    let mut first = tx.prepare_cached(extras::FIRST_SENT)?;
    for row in rows {
        update.execute(params![*row as i64, now])?;
        first.execute(params![*row as i64, now])?;
    }
    Ok(())
}

/// Writes results inside the caller's transaction.
pub(super) fn record_delivery_in(
    tx: &rusqlite::Connection,
    results: &[DeliveryResult],
    now: &str,
) -> rusqlite::Result<()> {
    // `created` stays 1 once a run created the contact: a later retry of the row (its tags
    // or notes failed) finds the contact and would otherwise record "not created". The
    // first `tags_before` seen stays too: a retry sees the tags after this run's changes.
    let mut update = tx.prepare_cached(
        "UPDATE rows SET state = ?2, contact_id = COALESCE(?3, contact_id), \
             created = CASE WHEN created = 1 THEN 1 ELSE COALESCE(?4, created) END, \
             tags_before_json = COALESCE(tags_before_json, ?5), \
             tags_added_json = COALESCE(?6, tags_added_json), \
             note_ids_json = COALESCE(?7, note_ids_json), last_status = ?8, \
             stage = ?9, code = ?10, field = ?11, message = ?12, last_error = ?12, \
             updated_at = ?13, task_ids_json = COALESCE(?14, task_ids_json) \
             WHERE row = ?1",
    )?;
    let mut extra = tx.prepare_cached(extras::RECORD)?;
    let mut clear_warnings = tx.prepare_cached("DELETE FROM delivery_warnings WHERE row = ?1")?;
    let mut warn = tx.prepare_cached(
        "INSERT INTO delivery_warnings (row, field, code, message) \
             VALUES (?1, ?2, ?3, ?4)",
    )?;
    for r in results {
        let json = |v: &Option<Vec<String>>| {
            v.as_ref()
                .map(|tags| serde_json::to_string(tags).unwrap_or_default())
        };
        let notes = (!r.note_ids.is_empty())
            .then(|| serde_json::to_string(&r.note_ids).unwrap_or_default());
        let tasks = (!r.task_ids.is_empty())
            .then(|| serde_json::to_string(&r.task_ids).unwrap_or_default());
        let (stage, code, field, message) = match &r.error {
            Some(e) => (
                Some("deliver"),
                Some(e.code.as_str()),
                Some(e.field.as_str()),
                Some(e.message.as_str()),
            ),
            None => (None, None, None, None),
        };
        update.execute(params![
            r.row as i64,
            r.state,
            r.contact_id,
            r.created,
            json(&r.tags_before),
            json(&r.tags_added),
            notes,
            r.last_status,
            stage,
            code,
            field,
            message,
            now,
            tasks,
        ])?;
        if r.tags_removed.is_some() || r.business_id.is_some() {
            extra.execute(params![r.row as i64, json(&r.tags_removed), r.business_id])?;
        }
        clear_warnings.execute(params![r.row as i64])?;
        for w in &r.warnings {
            warn.execute(params![r.row as i64, w.field, w.code, w.message])?;
        }
    }
    Ok(())
}

/// What the ledger recorded about the run, for a resume.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub input_path: String,
    pub input_blake3: String,
    pub mapping_path: String,
    pub mapping_blake3: String,
    pub options_json: String,
    pub headers: Vec<String>,
    pub summary_json: Option<String>,
}

impl RunRecord {
    /// The recorded summary, parsed (`None` before staging finished, or if unreadable).
    pub fn summary(&self) -> Option<serde_json::Value> {
        self.summary_json
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
    }
}

/// A row for success.csv: (row, cells, outcome, contact id, warnings joined for `_warnings`).
pub type SuccessRecord = (u64, Vec<String>, String, Option<String>, String);

impl Ledger {
    /// The run's metadata.
    pub fn run_record(&self) -> Result<RunRecord, LedgerError> {
        let (record, headers_json) = self
            .conn
            .query_row(
                "SELECT input_path, input_blake3, mapping_path, mapping_blake3, options_json, \
                 headers_json, summary_json FROM run WHERE id = 1",
                [],
                |r| {
                    Ok((
                        RunRecord {
                            input_path: r.get(0)?,
                            input_blake3: r.get(1)?,
                            mapping_path: r.get(2)?,
                            mapping_blake3: r.get(3)?,
                            options_json: r.get(4)?,
                            headers: Vec::new(),
                            summary_json: r.get(6)?,
                        },
                        r.get::<_, String>(5)?,
                    ))
                },
            )
            .map_err(|e| self.err(e))?;
        // Row 0 in an error message: the header row.
        let headers = self.cells(0, &headers_json)?;
        Ok(RunRecord { headers, ..record })
    }

    /// Calls `f` on each row that ended well (delivered, unchanged or merged), in row order;
    /// a merged row carries the contact id of the row it merged into.
    pub fn each_success<E: From<LedgerError>>(
        &self,
        mut f: impl FnMut(SuccessRecord) -> Result<(), E>,
    ) -> Result<(), E> {
        // A row's delivery warnings, joined as `_warnings` joins them (see `warnings::joined`).
        let mut input = super::input_cells::RowCells::new(self);
        self.stream_rows("SELECT r.row, r.cells_json, r.state, \
                 COALESCE(r.contact_id, (SELECT s.contact_id FROM rows s WHERE s.row = r.merged_into)), \
                 r.issues_json, \
                 (SELECT group_concat(d.code || ': ' || d.message, ' | ') FROM delivery_warnings d \
                 WHERE d.row = r.row) \
                 FROM rows r WHERE r.state IN ('created', 'updated', 'unchanged', 'merged') \
                 ORDER BY r.row", |r| {
                Ok((
                    r.get::<_, i64>(0)? as u64,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            }, |(row, cells_json, state, contact_id, issues, delivered)| {
            let mut warnings = super::warnings::joined(&super::warnings::validate_warnings(
                row,
                issues.as_deref(),
            ));
            if let Some(delivered) = delivered.filter(|d| !d.is_empty()) {
                if !warnings.is_empty() {
                    warnings.push_str(" | ");
                }
                warnings.push_str(&delivered);
            }
            f((
                row,
                input.cells(row, &cells_json)?,
                state,
                contact_id,
                warnings,
            ))?;
Ok(())
})
    }

    /// Rows that still need delivery (pending, in doubt or failed).
    pub fn undelivered(&self) -> Result<u64, LedgerError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM rows WHERE state IN ('pending', 'in_doubt', 'failed') \
                 AND payload_json IS NOT NULL",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// Records the run's summary again after delivery (or a resume).
    pub fn update_summary(
        &self,
        exit_code: u8,
        summary_json: &str,
        now: &str,
    ) -> Result<(), LedgerError> {
        self.finish_run(now, exit_code, summary_json)
    }
}
