//! Dedupe's verdicts on rows whose identity contradicts another row's (issue 21): rejected
//! with their code, or kept with their phone taken out of the payload and a warning.

use rusqlite::params;

use super::{sql, Ledger, LedgerError};

/// A row dedupe rejects: (row, code, field, message).
pub type ConflictRejection = (u64, &'static str, &'static str, String);

/// A row dedupe keeps without its phone: (row, new payload, every issue as JSON).
pub type PhoneDropped = (u64, String, String);

impl Ledger {
    /// Rejects these rows at stage `dedupe` and rewrites those that lose their phone, in one
    /// transaction.
    pub fn apply_conflicts(
        &mut self,
        rejected: &[ConflictRejection],
        dropped: &[PhoneDropped],
    ) -> Result<(), LedgerError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql(&path, e))?;
        {
            let mut reject = tx
                .prepare_cached(
                    "UPDATE rows SET state = 'rejected', stage = 'dedupe', code = ?2, \
                     field = ?3, message = ?4 WHERE row = ?1 AND state = 'pending'",
                )
                .map_err(|e| sql(&path, e))?;
            for (row, code, field, message) in rejected {
                reject
                    .execute(params![*row as i64, code, field, message])
                    .map_err(|e| sql(&path, e))?;
            }
            let mut drop = tx
                .prepare_cached(
                    "UPDATE rows SET payload_json = ?2, phone = NULL, issues_json = ?3 \
                     WHERE row = ?1 AND state = 'pending'",
                )
                .map_err(|e| sql(&path, e))?;
            for (row, payload, issues) in dropped {
                drop.execute(params![*row as i64, payload, issues])
                    .map_err(|e| sql(&path, e))?;
            }
        }
        tx.commit().map_err(|e| sql(&path, e))
    }

    /// The stored issues of a row (JSON), if any.
    pub fn issues_json(&self, row: u64) -> Result<Option<String>, LedgerError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT issues_json FROM rows WHERE row = ?1",
                params![row as i64],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.err(e))
    }
}
