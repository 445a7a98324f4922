//! Dedupe's verdicts on rows whose identity contradicts another row's (issue 21): rejected
//! with their code, or kept with their phone taken out of the payload and a warning.

use rusqlite::params;

use super::{Ledger, LedgerError};
use crate::contact::Contact;

/// A row dedupe rejects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictRejection {
    /// The 1-based data row.
    pub row: u64,
    /// `identity_conflict` or `phone_shared`.
    pub code: &'static str,
    /// The field concerned.
    pub field: &'static str,
    /// For a person.
    pub message: String,
}

/// A row dedupe keeps without its phone.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneDropped {
    /// The 1-based data row.
    pub row: u64,
    /// Its contact, without the phone.
    pub contact: Contact,
    /// Every issue of the row (the new warning included), as JSON.
    pub issues_json: String,
}

impl Ledger {
    /// Rejects these rows at stage `dedupe` and rewrites those that lose their phone, in one
    /// transaction.
    pub fn apply_conflicts(
        &mut self,
        rejected: &[ConflictRejection],
        dropped: &[PhoneDropped],
    ) -> Result<(), LedgerError> {
        self.in_transaction(|tx| {
            let mut reject = tx.prepare_cached(
                "UPDATE rows SET state = 'rejected', stage = 'dedupe', code = ?2, \
                 field = ?3, message = ?4 WHERE row = ?1 AND state = 'pending'",
            )?;
            for r in rejected {
                reject.execute(params![r.row as i64, r.code, r.field, r.message])?;
            }
            let mut drop = tx.prepare_cached(
                "UPDATE rows SET payload_json = ?2, phone = NULL, issues_json = ?3 \
                 WHERE row = ?1 AND state = 'pending'",
            )?;
            for d in dropped {
                // A Contact always serialises.
                let json = serde_json::to_string(&d.contact).unwrap_or_default();
                let payload = super::payload::encode(&json, None, None);
                drop.execute(params![d.row as i64, payload, d.issues_json])?;
            }
            Ok(())
        })
    }

    /// The stored issues of a row (JSON), if any.
    pub fn issues_json(&self, row: u64) -> Result<Option<String>, LedgerError> {
        self.row_text("SELECT issues_json FROM rows WHERE row = ?1", row)
    }
}
