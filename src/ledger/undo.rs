//! The undo's side of the ledgers: reading what an import did to each contact (from the run's
//! `ledger.db`), and the undo's own ledger (`undo.db`, the same exclusive lock): the planned
//! steps per contact, each contact's safety verdict, and each step's result, so that an undo
//! stopped at any instant resumes where it was and a finished one sends nothing again.

use rusqlite::{params, OptionalExtension};

use super::{sql, Ledger, LedgerError};

/// The undo's ledger, in the run folder beside `ledger.db`.
pub const UNDO_LEDGER: &str = "undo.db";

const UNDO_TABLES: &str = "
CREATE TABLE IF NOT EXISTS undo_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Every contact the import touched and the undo plans to change.
CREATE TABLE IF NOT EXISTS undo_contacts (
    contact_id    TEXT PRIMARY KEY,
    rows_json     TEXT NOT NULL,   -- the import's rows that wrote it
    created       INTEGER NOT NULL,
    written_until TEXT,            -- latest dateUpdated the run's own writes explain (RFC 3339)
    verdict       TEXT,            -- NULL (not checked yet) | ok | changed | gone
    reason        TEXT
);
-- What the undo does, one line per request-sized action.
--   state: pending | done | failed | skipped (contact changed or gone) | listed (report only)
CREATE TABLE IF NOT EXISTS undo_steps (
    id         INTEGER PRIMARY KEY,
    contact_id TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    state      TEXT NOT NULL,
    reason     TEXT,
    updated_at TEXT
);
CREATE INDEX IF NOT EXISTS undo_steps_by_contact ON undo_steps (contact_id);
";

/// An import row as an undo reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UndoSource {
    /// The 1-based data row.
    pub row: u64,
    /// Its state in the import (`created`, `updated`, `in_doubt`, `failed`, …).
    pub state: String,
    /// The contact the row wrote.
    pub contact_id: String,
    /// Whether the run created it.
    pub created: bool,
    /// The staged payload (what the row meant to send), JSON.
    pub payload_json: Option<String>,
    /// Tags before, added, removed (JSON arrays; `None` when never recorded).
    pub tags_before: Option<String>,
    pub tags_added: Option<String>,
    pub tags_removed: Option<String>,
    /// Notes and tasks the run created (JSON arrays).
    pub note_ids: Option<String>,
    pub task_ids: Option<String>,
    /// When the row's last result was written (the end of its requests).
    pub updated_at: Option<String>,
    /// The `dateUpdated` the run's write of the contact returned.
    pub write_date: Option<String>,
}

/// One planned step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoStep {
    /// Its id in `undo.db` (0 before it is stored).
    pub id: i64,
    /// The contact it acts on.
    pub contact_id: String,
    /// `delete_contact`, `delete_note`, `delete_task`, `remove_tags`, `add_tags`,
    /// `restore_fields` or `not_reversible`.
    pub action: String,
    /// Note or task id, tags or fields (JSON), or what cannot be reversed.
    pub target: String,
    /// `pending`, `done`, `failed`, `skipped` or `listed`.
    pub state: String,
    /// Why it failed, was skipped, or is listed.
    pub reason: Option<String>,
}

/// One contact of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoContact {
    /// HighLevel's id.
    pub contact_id: String,
    /// The import rows that wrote it.
    pub rows: Vec<u64>,
    /// Whether the import created it.
    pub created: bool,
    /// The latest `dateUpdated` the run's own writes explain.
    pub written_until: Option<String>,
    /// `ok`, `changed`, `gone`, or `None` before the check.
    pub verdict: Option<String>,
}

impl Ledger {
    /// Every row of the import that reached a contact, in row order.
    pub fn undo_sources(&self) -> Result<Vec<UndoSource>, LedgerError> {
        self.prepare_delivery()?;
        self.conn
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS row_writes (row INTEGER PRIMARY KEY, date_updated TEXT);",
            )
            .map_err(|e| self.err(e))?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.row, r.state, r.contact_id, r.created, r.payload_json, \
                 r.tags_before_json, r.tags_added_json, d.tags_removed_json, r.note_ids_json, \
                 r.task_ids_json, r.updated_at, w.date_updated FROM rows r \
                 LEFT JOIN delivery_rows d ON d.row = r.row \
                 LEFT JOIN row_writes w ON w.row = r.row \
                 WHERE r.contact_id IS NOT NULL \
                 AND r.state IN ('created', 'updated', 'in_doubt', 'failed') ORDER BY r.row",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(UndoSource {
                    row: r.get::<_, i64>(0)? as u64,
                    state: r.get(1)?,
                    contact_id: r.get(2)?,
                    created: r.get::<_, Option<bool>>(3)?.unwrap_or(false),
                    payload_json: r.get(4)?,
                    tags_before: r.get(5)?,
                    tags_added: r.get(6)?,
                    tags_removed: r.get(7)?,
                    note_ids: r.get(8)?,
                    task_ids: r.get(9)?,
                    updated_at: r.get(10)?,
                    write_date: r.get(11)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Creates the undo's tables (in `undo.db`).
    pub fn prepare_undo(&self) -> Result<(), LedgerError> {
        self.conn
            .execute_batch(UNDO_TABLES)
            .map_err(|e| self.err(e))
    }

    /// A value of the undo's metadata (`planned_at`, `finished_at`, `summary_json`, …).
    pub fn undo_meta(&self, key: &str) -> Result<Option<String>, LedgerError> {
        self.prepare_undo()?;
        self.conn
            .query_row(
                "SELECT value FROM undo_meta WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Sets a value of the undo's metadata.
    pub fn set_undo_meta(&self, key: &str, value: &str) -> Result<(), LedgerError> {
        self.prepare_undo()?;
        self.conn
            .execute(
                "INSERT INTO undo_meta (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Stores the whole plan in one transaction, with `planned_at`: until it commits there is no
    /// plan, and a stop before it leaves nothing to resume (nothing was sent).
    pub fn store_undo_plan(
        &mut self,
        contacts: &[UndoContact],
        steps: &[UndoStep],
        planned_at: &str,
    ) -> Result<(), LedgerError> {
        self.prepare_undo()?;
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql(&path, e))?;
        {
            let mut contact = tx
                .prepare_cached(
                    "INSERT INTO undo_contacts (contact_id, rows_json, created, written_until) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| sql(&path, e))?;
            for c in contacts {
                let rows = serde_json::to_string(&c.rows).unwrap_or_default();
                contact
                    .execute(params![c.contact_id, rows, c.created, c.written_until])
                    .map_err(|e| sql(&path, e))?;
            }
            let mut step = tx
                .prepare_cached(
                    "INSERT INTO undo_steps (contact_id, action, target, state, reason) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(|e| sql(&path, e))?;
            for s in steps {
                step.execute(params![s.contact_id, s.action, s.target, s.state, s.reason])
                    .map_err(|e| sql(&path, e))?;
            }
            tx.execute(
                "INSERT INTO undo_meta (key, value) VALUES ('planned_at', ?1)",
                params![planned_at],
            )
            .map_err(|e| sql(&path, e))?;
        }
        tx.commit().map_err(|e| sql(&path, e))
    }

    /// Every contact of the stored plan.
    pub fn undo_contacts(&self) -> Result<Vec<UndoContact>, LedgerError> {
        self.prepare_undo()?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT contact_id, rows_json, created, written_until, verdict FROM undo_contacts \
                 ORDER BY contact_id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let rows: String = r.get(1)?;
                Ok(UndoContact {
                    contact_id: r.get(0)?,
                    rows: serde_json::from_str(&rows).unwrap_or_default(),
                    created: r.get(2)?,
                    written_until: r.get(3)?,
                    verdict: r.get(4)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Every step of the stored plan, in plan order.
    pub fn undo_steps(&self) -> Result<Vec<UndoStep>, LedgerError> {
        self.prepare_undo()?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, contact_id, action, target, state, reason FROM undo_steps ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(UndoStep {
                    id: r.get(0)?,
                    contact_id: r.get(1)?,
                    action: r.get(2)?,
                    target: r.get(3)?,
                    state: r.get(4)?,
                    reason: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Records the safety checks of many contacts in one transaction; a contact left alone
    /// (`changed`, `gone`) has its pending steps skipped with the same reason.
    pub fn record_verdicts(
        &mut self,
        verdicts: &[(String, &str, Option<String>)],
        now: &str,
    ) -> Result<(), LedgerError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql(&path, e))?;
        {
            let mut verdict = tx
                .prepare_cached(
                    "UPDATE undo_contacts SET verdict = ?2, reason = ?3 WHERE contact_id = ?1",
                )
                .map_err(|e| sql(&path, e))?;
            let mut skip = tx
                .prepare_cached(
                    "UPDATE undo_steps SET state = 'skipped', reason = ?2, updated_at = ?3 \
                     WHERE contact_id = ?1 AND state = 'pending'",
                )
                .map_err(|e| sql(&path, e))?;
            for (id, kind, reason) in verdicts {
                verdict
                    .execute(params![id, kind, reason])
                    .map_err(|e| sql(&path, e))?;
                if *kind != "ok" {
                    skip.execute(params![id, reason, now])
                        .map_err(|e| sql(&path, e))?;
                }
            }
        }
        tx.commit().map_err(|e| sql(&path, e))
    }

    /// Records the results of many steps in one transaction: (step id, state, reason).
    pub fn record_steps(
        &mut self,
        results: &[(i64, &str, Option<String>)],
        now: &str,
    ) -> Result<(), LedgerError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql(&path, e))?;
        {
            let mut update = tx
                .prepare_cached(
                    "UPDATE undo_steps SET state = ?2, reason = ?3, updated_at = ?4 WHERE id = ?1",
                )
                .map_err(|e| sql(&path, e))?;
            for (id, state, reason) in results {
                update
                    .execute(params![id, state, reason, now])
                    .map_err(|e| sql(&path, e))?;
            }
        }
        tx.commit().map_err(|e| sql(&path, e))
    }

    /// On resume: failed steps are tried again, and with `force` the contacts left alone as
    /// changed are checked (and then undone) again.
    pub fn reopen_undo(&mut self, force: bool) -> Result<(), LedgerError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql(&path, e))?;
        tx.execute(
            "UPDATE undo_steps SET state = 'pending' WHERE state = 'failed'",
            [],
        )
        .map_err(|e| sql(&path, e))?;
        // Set again when the work is done.
        tx.execute("DELETE FROM undo_meta WHERE key = 'finished_at'", [])
            .map_err(|e| sql(&path, e))?;
        if force {
            tx.execute_batch(
                "UPDATE undo_steps SET state = 'pending', reason = NULL WHERE state = 'skipped' \
                 AND contact_id IN (SELECT contact_id FROM undo_contacts WHERE verdict = 'changed'); \
                 UPDATE undo_contacts SET verdict = NULL, reason = NULL WHERE verdict = 'changed';",
            )
            .map_err(|e| sql(&path, e))?;
        }
        tx.commit().map_err(|e| sql(&path, e))
    }

    /// Steps per (action, state), for the summary.
    pub fn undo_counts(&self) -> Result<Vec<(String, u64)>, LedgerError> {
        self.prepare_undo()?;
        self.counts(
            "SELECT action || ':' || state, COUNT(*) FROM undo_steps GROUP BY action, state \
             ORDER BY action, state",
        )
    }
}
