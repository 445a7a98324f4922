//! The `delete` command's side of a run ledger: staged rows (an id, or an email/phone to look
//! up) are resolved to a contact id or refused (`not_found`, `ambiguous`), then each resolved
//! row is deleted. States: `pending` (contact id unknown, or known and not yet deleted),
//! `rejected` (final), `deleted` (final), `failed` (retried on resume).

use rusqlite::params;

use super::{Ledger, LedgerError, RowError, RowState};

/// A staged row of a delete run.
#[derive(Debug, Clone, PartialEq)]
pub struct RemovalRow {
    /// The 1-based data row.
    pub row: u64,
    /// `{"id"?, "email"?, "phone"?}` as staged.
    pub payload_json: String,
    /// The contact once resolved.
    pub contact_id: Option<String>,
}

/// How resolving a row ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// The row names this contact.
    Contact(String),
    /// Refused: why.
    Refused(RowError),
}

impl Ledger {
    /// Up to `limit` rows after `after` still to resolve (`resolved = false`) or to delete
    /// (`resolved = true`), in row order.
    pub fn removal_rows(
        &self,
        after: u64,
        limit: usize,
        resolved: bool,
    ) -> Result<Vec<RemovalRow>, LedgerError> {
        let query = if resolved {
            "SELECT row, payload_json, contact_id, email, phone FROM rows WHERE row > ?1 \
             AND +state IN ('pending', 'failed') AND contact_id IS NOT NULL \
             AND payload_json IS NOT NULL ORDER BY row LIMIT ?2"
        } else {
            "SELECT row, payload_json, contact_id, email, phone FROM rows WHERE row > ?1 \
             AND +state IN ('pending', 'failed') AND contact_id IS NULL \
             AND payload_json IS NOT NULL ORDER BY row LIMIT ?2"
        };
        self.query_all(query, params![after as i64, limit as i64], |r| {
            Ok(RemovalRow {
                row: r.get::<_, i64>(0)? as u64,
                payload_json: super::read_payload(r, 1, 3)?.unwrap_or_default(),
                contact_id: r.get(2)?,
            })
        })
    }

    /// The distinct contacts the rows in `state` name (rows naming the same contact share it):
    /// with `pending`, what a delete is about to delete; with `deleted`, what it deleted.
    pub fn contacts_in_state(&self, state: RowState) -> Result<u64, LedgerError> {
        self.conn
            .query_row(
                "SELECT COUNT(DISTINCT contact_id) FROM rows WHERE state = ?1 \
                 AND contact_id IS NOT NULL",
                [state],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.err(e))
    }

    /// Records how rows resolved, in one transaction.
    pub fn record_resolutions(
        &mut self,
        results: &[(u64, Resolution)],
        now: &str,
    ) -> Result<(), LedgerError> {
        self.in_transaction(|tx| {
            let mut found = tx.prepare_cached(
                "UPDATE rows SET contact_id = ?2, state = 'pending', updated_at = ?3 \
                 WHERE row = ?1",
            )?;
            let mut refused = tx.prepare_cached(
                "UPDATE rows SET state = 'rejected', stage = 'resolve', code = ?2, \
                 field = ?3, message = ?4, updated_at = ?5 WHERE row = ?1",
            )?;
            for (row, resolution) in results {
                match resolution {
                    Resolution::Contact(id) => found.execute(params![*row as i64, id, now]),
                    Resolution::Refused(e) => {
                        refused.execute(params![*row as i64, e.code, e.field, e.message, now])
                    }
                }?;
            }
            Ok(())
        })
    }

    /// Records deletions: (row, `None` when deleted or `Some((code, message))` when it failed).
    pub fn record_deletions(
        &mut self,
        results: &[(u64, Option<(String, String)>)],
        now: &str,
    ) -> Result<(), LedgerError> {
        self.in_transaction(|tx| {
            let mut done = tx.prepare_cached(
                "UPDATE rows SET state = 'deleted', attempts = attempts + 1, stage = NULL, \
                 code = NULL, field = NULL, message = NULL, updated_at = ?2 WHERE row = ?1",
            )?;
            let mut failed = tx.prepare_cached(
                "UPDATE rows SET state = 'failed', attempts = attempts + 1, stage = 'delete', \
                 code = ?2, field = 'id', message = ?3, last_error = ?3, updated_at = ?4 \
                 WHERE row = ?1",
            )?;
            for (row, error) in results {
                match error {
                    None => done.execute(params![*row as i64, now]),
                    Some((code, message)) => {
                        failed.execute(params![*row as i64, code, message, now])
                    }
                }?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::StagedRow;

    #[test]
    fn rows_move_from_staged_to_resolved_to_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        let staged: Vec<StagedRow> = (1..=3)
            .map(|row| {
                StagedRow::pending_with_email(row, format!("p{row}@example.com"), "[]".into())
            })
            .collect();
        ledger.stage(&staged).unwrap();
        ledger.make_durable().unwrap();
        assert_eq!(ledger.removal_rows(0, 10, false).unwrap().len(), 3);
        ledger
            .record_resolutions(
                &[
                    (1, Resolution::Contact("c1".into())),
                    (
                        2,
                        Resolution::Refused(RowError::new("not_found", "email", "no")),
                    ),
                    (3, Resolution::Contact("c3".into())),
                ],
                "now",
            )
            .unwrap();
        assert!(ledger.removal_rows(0, 10, false).unwrap().is_empty());
        let resolved = ledger.removal_rows(0, 10, true).unwrap();
        assert_eq!(resolved.len(), 2);
        assert_eq!(resolved[0].contact_id.as_deref(), Some("c1"));
        ledger
            .record_deletions(
                &[(1, None), (3, Some(("api_refused".into(), "x".into())))],
                "now",
            )
            .unwrap();
        let left = ledger.removal_rows(0, 10, true).unwrap();
        assert_eq!(left.len(), 1, "a failed deletion is retried");
        let rejected = ledger.rejected().unwrap();
        assert_eq!(rejected.len(), 2);
        assert_eq!(rejected[0].code, "not_found");
        assert_eq!(rejected[1].code, "api_refused");
    }
}
