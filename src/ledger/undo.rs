//! The undo's own ledger (`undo.db` in the run folder, used under the run ledger's exclusive
//! lock): the planned steps per contact, each contact's safety verdict, and each step's result,
//! so that an undo stopped at any instant resumes where it was and a finished one sends nothing
//! again. What the undo reads from the import's `ledger.db` is `undo_source.rs`.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

/// The undo's ledger, in the run folder beside `ledger.db`.
pub const UNDO_LEDGER: &str = "undo.db";

use super::{in_transaction, query_all, schema, sql, LedgerError};

/// An open `undo.db`.
pub struct UndoLedger {
    conn: Connection,
    path: PathBuf,
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

impl UndoLedger {
    /// Opens `undo.db`, creating it (with its tables) when there is none yet.
    pub fn open(path: &Path) -> Result<UndoLedger, LedgerError> {
        let mut conn = Connection::open(path).map_err(|e| sql(path, e))?;
        // Every version-1 table is `IF NOT EXISTS`: a new file and one from before the
        // numbering take the same first migration.
        super::wal_and_migrate(&mut conn, path, &schema::UNDO_LEDGER, true)?;
        Ok(UndoLedger {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> LedgerError {
        sql(&self.path, source)
    }

    /// A value of the undo's metadata (`planned_at`, `finished_at`, `summary_json`, …).
    pub fn undo_meta(&self, key: &str) -> Result<Option<String>, LedgerError> {
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
        in_transaction(&mut self.conn, &self.path, |tx| {
            let mut contact = tx.prepare_cached(
                "INSERT INTO undo_contacts (contact_id, rows_json, created, written_until) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for c in contacts {
                let rows = serde_json::to_string(&c.rows).unwrap_or_default();
                contact.execute(params![c.contact_id, rows, c.created, c.written_until])?;
            }
            let mut step = tx.prepare_cached(
                "INSERT INTO undo_steps (contact_id, action, target, state, reason) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for s in steps {
                step.execute(params![s.contact_id, s.action, s.target, s.state, s.reason])?;
            }
            tx.execute(
                "INSERT INTO undo_meta (key, value) VALUES ('planned_at', ?1)",
                params![planned_at],
            )?;
            Ok(())
        })
    }

    /// Every contact of the stored plan.
    pub fn undo_contacts(&self) -> Result<Vec<UndoContact>, LedgerError> {
        query_all(
            &self.conn,
            &self.path,
            "SELECT contact_id, rows_json, created, written_until, verdict FROM undo_contacts \
             ORDER BY contact_id",
            [],
            |r| {
                let rows: String = r.get(1)?;
                Ok(UndoContact {
                    contact_id: r.get(0)?,
                    rows: serde_json::from_str(&rows).unwrap_or_default(),
                    created: r.get(2)?,
                    written_until: r.get(3)?,
                    verdict: r.get(4)?,
                })
            },
        )
    }

    /// Every step of the stored plan, in plan order.
    pub fn undo_steps(&self) -> Result<Vec<UndoStep>, LedgerError> {
        query_all(
            &self.conn,
            &self.path,
            "SELECT id, contact_id, action, target, state, reason FROM undo_steps ORDER BY id",
            [],
            |r| {
                Ok(UndoStep {
                    id: r.get(0)?,
                    contact_id: r.get(1)?,
                    action: r.get(2)?,
                    target: r.get(3)?,
                    state: r.get(4)?,
                    reason: r.get(5)?,
                })
            },
        )
    }

    /// Records the safety checks of many contacts in one transaction; a contact left alone
    /// (`changed`, `gone`) has its pending steps skipped with the same reason.
    pub fn record_verdicts(
        &mut self,
        verdicts: &[(String, &str, Option<String>)],
        now: &str,
    ) -> Result<(), LedgerError> {
        in_transaction(&mut self.conn, &self.path, |tx| {
            let mut verdict = tx.prepare_cached(
                "UPDATE undo_contacts SET verdict = ?2, reason = ?3 WHERE contact_id = ?1",
            )?;
            let mut skip = tx.prepare_cached(
                "UPDATE undo_steps SET state = 'skipped', reason = ?2, updated_at = ?3 \
                 WHERE contact_id = ?1 AND state = 'pending'",
            )?;
            for (id, kind, reason) in verdicts {
                verdict.execute(params![id, kind, reason])?;
                if *kind != "ok" {
                    skip.execute(params![id, reason, now])?;
                }
            }
            Ok(())
        })
    }

    /// Records the results of many steps in one transaction: (step id, state, reason).
    pub fn record_steps(
        &mut self,
        results: &[(i64, &str, Option<String>)],
        now: &str,
    ) -> Result<(), LedgerError> {
        in_transaction(&mut self.conn, &self.path, |tx| {
            let mut update = tx.prepare_cached(
                "UPDATE undo_steps SET state = ?2, reason = ?3, updated_at = ?4 WHERE id = ?1",
            )?;
            for (id, state, reason) in results {
                update.execute(params![id, state, reason, now])?;
            }
            Ok(())
        })
    }

    /// On resume: failed steps are tried again, and with `force` the contacts left alone as
    /// changed are checked (and then undone) again.
    pub fn reopen_undo(&mut self, force: bool) -> Result<(), LedgerError> {
        in_transaction(&mut self.conn, &self.path, |tx| {
            tx.execute(
                "UPDATE undo_steps SET state = 'pending' WHERE state = 'failed'",
                [],
            )?;
            // Set again when the work is done.
            tx.execute("DELETE FROM undo_meta WHERE key = 'finished_at'", [])?;
            if force {
                tx.execute_batch(
                    "UPDATE undo_steps SET state = 'pending', reason = NULL WHERE state = 'skipped' \
                     AND contact_id IN (SELECT contact_id FROM undo_contacts WHERE verdict = 'changed'); \
                     UPDATE undo_contacts SET verdict = NULL, reason = NULL WHERE verdict = 'changed';",
                )?;
            }
            Ok(())
        })
    }

    /// Steps per (action, state), for the summary.
    pub fn undo_counts(&self) -> Result<Vec<(String, u64)>, LedgerError> {
        query_all(
            &self.conn,
            &self.path,
            "SELECT action || ':' || state, COUNT(*) FROM undo_steps GROUP BY action, state \
             ORDER BY action, state",
            [],
            |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)),
        )
    }
}
