//! The ledger's side of the delta: reading the rows the delta pass looks up, marking the ones
//! found unchanged, and keeping track of which delivered rows the state store already
//! remembers (so that a resume after a crash remembers the rest, and nothing twice).

use super::{Ledger, LedgerError};
use rusqlite::{params, OptionalExtension};

/// A staged row as the delta pass sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeltaRow {
    /// The 1-based data row.
    pub row: u64,
    /// The normalised payload (JSON), as delivery would read it.
    pub payload_json: String,
    /// The contact id, for rows already delivered.
    pub contact_id: Option<String>,
}

impl Ledger {
    /// Settings for passes over every row (the delta's, then the engine's): a page cache of
    /// 64 MB instead of SQLite's 2 MB, and fewer, larger WAL checkpoints, as staging uses.
    pub fn prepare_bulk_pass(&self) -> Result<(), LedgerError> {
        self.conn
            .execute_batch("PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 8192;")
            .map_err(|e| self.err(e))
    }

    /// Up to `limit` rows after `after` that still need delivery, with their payloads, in row
    /// order: the rows the delta may find unchanged.
    pub fn delta_candidates(&self, after: u64, limit: usize) -> Result<Vec<DeltaRow>, LedgerError> {
        self.delta_rows(
            "SELECT row, payload_json, contact_id, email, phone FROM rows \
             WHERE row > ?1 AND +state IN ('pending', 'in_doubt', 'failed') \
             AND payload_json IS NOT NULL ORDER BY row LIMIT ?2",
            after,
            limit,
        )
    }

    /// Up to `limit` rows after `after` that were delivered (`created` or `updated`) and are
    /// not yet in the state store. A row that failed, is in doubt or was found unchanged is
    /// never among them.
    pub fn delta_unremembered(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<DeltaRow>, LedgerError> {
        self.delta_rows(
            "SELECT row, payload_json, contact_id, email, phone FROM rows \
             WHERE row > ?1 AND +state IN ('created', 'updated') \
             AND payload_json IS NOT NULL AND contact_id IS NOT NULL \
             AND row NOT IN (SELECT row FROM delta_remembered) ORDER BY row LIMIT ?2",
            after,
            limit,
        )
    }

    /// The queries walk the table in row order from `after` (`+state` keeps SQLite off the
    /// state index): through the index, each state of the list is a separate range, and
    /// merging them into row order sorts every remaining row, payload included, for every
    /// page: quadratic in the file (56 s for a million rows against well under a second).
    fn delta_rows(
        &self,
        query: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<DeltaRow>, LedgerError> {
        self.query_all(query, params![after as i64, limit as i64], |r| {
            Ok(DeltaRow {
                row: r.get::<_, i64>(0)? as u64,
                payload_json: super::read_payload(r, 1, 3)?.unwrap_or_default(),
                contact_id: r.get(2)?,
            })
        })
    }

    /// Marks rows `unchanged` with the contact their payload was delivered to before, in one
    /// transaction. Only rows still waiting for delivery change: a final outcome is never
    /// overwritten.
    pub fn mark_unchanged(
        &mut self,
        rows: &[(u64, String)],
        now: &str,
    ) -> Result<u64, LedgerError> {
        self.in_transaction(|tx| {
            let mut update = tx.prepare_cached(
                "UPDATE rows SET state = 'unchanged', contact_id = ?2, created = 0, \
                 stage = NULL, code = NULL, field = NULL, message = NULL, updated_at = ?3 \
                 WHERE row = ?1 AND state IN ('pending', 'in_doubt', 'failed')",
            )?;
            let mut changed = 0;
            for (row, contact_id) in rows {
                changed += update.execute(params![*row as i64, contact_id, now])? as u64;
            }
            Ok(changed)
        })
    }

    /// Asks delivery to read a row's existing notes before creating any (the engine does so for
    /// a row that has a note list): these rows were delivered on an earlier run, with notes
    /// that may be among the ones they carry now, and a note has no idempotency key.
    pub fn mark_notes_recheck(&mut self, rows: &[u64]) -> Result<(), LedgerError> {
        self.each_row(
            "UPDATE rows SET note_ids_json = '[]' WHERE row = ?1 AND note_ids_json IS NULL",
            rows,
        )
    }

    /// Notes that these delivered rows are now in the state store.
    pub fn mark_remembered(&mut self, rows: &[u64]) -> Result<(), LedgerError> {
        self.each_row(
            "INSERT OR IGNORE INTO delta_remembered (row) VALUES (?1)",
            rows,
        )
    }

    /// Runs `statement` (with the row as `?1`) for every row, in one transaction.
    fn each_row(&mut self, statement: &str, rows: &[u64]) -> Result<(), LedgerError> {
        if rows.is_empty() {
            return Ok(());
        }
        self.in_transaction(|tx| {
            let mut stmt = tx.prepare_cached(statement)?;
            for row in rows {
                stmt.execute(params![*row as i64])?;
            }
            Ok(())
        })
    }

    /// A value of the run's `meta` table (the delta records its state file and mode there).
    pub fn meta_value(&self, key: &str) -> Result<Option<String>, LedgerError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Sets a value of the run's `meta` table.
    pub fn set_meta_value(&self, key: &str, value: &str) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{DeliveryResult, RowState, StagedRow};

    fn staged(row: u64) -> StagedRow {
        StagedRow::pending_with_email(row, format!("p{row}@example.com"), "[]".into())
    }

    #[test]
    fn only_delivered_rows_are_remembered_and_only_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        ledger
            .stage(&(1..=5).map(staged).collect::<Vec<_>>())
            .unwrap();
        ledger.make_durable().unwrap();
        ledger.mark_in_doubt(&[1, 2, 3, 4], "t").unwrap();
        let result = |row, state: RowState| DeliveryResult {
            row,
            state,
            contact_id: Some(format!("c{row}")),
            ..DeliveryResult::default()
        };
        // Row 3 failed after its contact id was known; row 4 stays in doubt; row 5 pending.
        ledger
            .record_delivery(
                &[
                    result(1, RowState::Created),
                    result(2, RowState::Updated),
                    result(3, RowState::Failed),
                ],
                "t",
            )
            .unwrap();
        let numbers = |rows: Vec<DeltaRow>| rows.iter().map(|r| r.row).collect::<Vec<u64>>();
        assert_eq!(numbers(ledger.delta_unremembered(0, 10).unwrap()), [1, 2]);
        ledger.mark_remembered(&[1]).unwrap();
        assert_eq!(numbers(ledger.delta_unremembered(0, 10).unwrap()), [2]);
        assert_eq!(numbers(ledger.delta_candidates(0, 10).unwrap()), [3, 4, 5]);
        // A final row is never turned into `unchanged`.
        let changed = ledger
            .mark_unchanged(&[(1, "x".into()), (4, "c4".into()), (5, "c5".into())], "t")
            .unwrap();
        assert_eq!(changed, 2);
        let counts = ledger.state_counts().unwrap();
        assert_eq!(counts.get(RowState::Unchanged), 2, "{counts:?}");
        assert_eq!(counts.get(RowState::Created), 1, "{counts:?}");
    }

    #[test]
    fn meta_values_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        assert_eq!(ledger.meta_value("delta.state_file").unwrap(), None);
        ledger.set_meta_value("delta.state_file", "/a").unwrap();
        ledger.set_meta_value("delta.state_file", "/b").unwrap();
        assert_eq!(
            ledger.meta_value("delta.state_file").unwrap().as_deref(),
            Some("/b")
        );
    }
}
