//! Everything delivery learnt between two commits, written in one transaction: rows about to
//! be sent (marked in doubt), contacts seen, notes and tasks done, results. The delivery's
//! ledger writer commits every batch waiting in one go (`delivery::writer`), so a commit costs
//! the same for one row as for a hundred; the order inside the transaction is the order the
//! engine learnt things in, and a batch is all or nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::super::before::write_date_in;
use super::super::followups::record_followups_in;
use super::super::{FollowupRecord, Ledger, LedgerError};
use super::extras::contact_seen_in;
use super::{extras, mark_in_doubt_in, record_delivery_in, DeliveryResult};
use rusqlite::params;

/// A row's contact as soon as its first request answered (see [`Ledger::record_contact_seen`])
/// with the `dateUpdated` of the run's own write (see [`Ledger::record_write_date`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactSeen {
    pub row: u64,
    pub contact_id: String,
    pub created: bool,
    pub tags_before: Vec<String>,
    pub date_updated: Option<String>,
}

/// What one turn of the engine hands the ledger.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeliveryBatch {
    /// Rows whose first request may leave once this batch is committed.
    pub in_doubt: Vec<u64>,
    /// When they were marked (RFC 3339, milliseconds).
    pub in_doubt_at: String,
    /// Rows marked in doubt ahead of their start (never sent before) that the run stopped
    /// without sending: back to `pending`, as if never marked.
    pub unmarked: Vec<u64>,
    /// Contacts seen: whatever follows for these rows waits for the commit.
    pub seen: Vec<ContactSeen>,
    /// Notes and tasks done, before the results that list them.
    pub followups: Vec<(u64, FollowupRecord)>,
    /// Finished rows.
    pub results: Vec<DeliveryResult>,
    /// When they finished (RFC 3339).
    pub results_at: String,
}

impl DeliveryBatch {
    pub fn is_empty(&self) -> bool {
        self.in_doubt.is_empty()
            && self.unmarked.is_empty()
            && self.seen.is_empty()
            && self.followups.is_empty()
            && self.results.is_empty()
    }

    /// Rows this batch writes something for (marks, contacts, results).
    pub fn rows(&self) -> usize {
        self.in_doubt.len() + self.unmarked.len() + self.seen.len() + self.results.len()
    }
}

impl Ledger {
    /// Writes the batches in order in one transaction: all of them or none.
    pub fn record_batches(&mut self, batches: &[DeliveryBatch]) -> Result<(), LedgerError> {
        self.in_transaction(|tx| {
            for batch in batches {
                if !batch.in_doubt.is_empty() {
                    mark_in_doubt_in(tx, &batch.in_doubt, &batch.in_doubt_at)?;
                }
                for seen in &batch.seen {
                    contact_seen_in(
                        tx,
                        seen.row,
                        &seen.contact_id,
                        seen.created,
                        &seen.tags_before,
                    )?;
                    // What the run's own write left: an undo tells later changes by it.
                    write_date_in(tx, seen.row, seen.date_updated.as_deref())?;
                }
                if !batch.unmarked.is_empty() {
                    unmark_in_doubt_in(tx, &batch.unmarked)?;
                }
                // Follow-ups first: the resume of a row in doubt finds its notes and tasks.
                record_followups_in(tx, &batch.followups)?;
                if !batch.results.is_empty() {
                    record_delivery_in(tx, &batch.results, &batch.results_at)?;
                }
            }
            Ok(())
        })
    }

    /// Counts this connection's commits from now on (each transaction, and each statement run
    /// outside one): what the tests hold delivery's ledger writes to.
    pub fn count_commits(&self) -> Result<Arc<AtomicU64>, LedgerError> {
        let commits = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&commits);
        self.conn
            .commit_hook(Some(move || {
                counter.fetch_add(1, Ordering::Relaxed);
                // false: let the commit go ahead.
                false
            }))
            .map_err(|e| self.err(e))?;
        Ok(commits)
    }
}

/// Undoes `mark_in_doubt_in` for rows that had no attempt before it and were not sent: back
/// to `pending` with no attempt and no first send time. A row that is no longer `in_doubt`
/// (it got a result meanwhile) is left alone.
fn unmark_in_doubt_in(tx: &rusqlite::Connection, rows: &[u64]) -> rusqlite::Result<()> {
    let mut update = tx.prepare_cached(
        "UPDATE rows SET state = 'pending', attempts = 0 \
             WHERE row = ?1 AND state = 'in_doubt' AND attempts = 1",
    )?;
    let mut first = tx.prepare_cached(extras::FORGET_FIRST_SENT)?;
    for row in rows {
        if update.execute(params![*row as i64])? == 1 {
            first.execute(params![*row as i64])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::RowState;

    #[test]
    fn an_empty_batch_is_empty_and_counts_no_rows() {
        let batch = DeliveryBatch::default();
        assert!(batch.is_empty());
        assert_eq!(batch.rows(), 0);
        let batch = DeliveryBatch {
            results: vec![DeliveryResult {
                row: 1,
                state: RowState::Created,
                ..DeliveryResult::default()
            }],
            ..DeliveryBatch::default()
        };
        assert!(!batch.is_empty());
        assert_eq!(batch.rows(), 1);
    }

    #[test]
    fn batches_are_written_in_one_commit_and_a_single_statement_in_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        ledger.make_durable().unwrap();
        let commits = ledger.count_commits().unwrap();
        let batch = |row: u64| DeliveryBatch {
            in_doubt: vec![row],
            in_doubt_at: "2026-12-07T18:00:00.000Z".into(),
            seen: vec![ContactSeen {
                row,
                contact_id: format!("c{row}"),
                created: true,
                ..ContactSeen::default()
            }],
            results: vec![DeliveryResult {
                row,
                state: RowState::Created,
                ..DeliveryResult::default()
            }],
            results_at: "2026-12-07T18:00:01Z".into(),
            ..DeliveryBatch::default()
        };
        let batches: Vec<DeliveryBatch> = (1..=50).map(batch).collect();
        ledger.record_batches(&batches).unwrap();
        assert_eq!(commits.load(Ordering::Relaxed), 1, "50 rows, one commit");
        // The hook sees a statement outside a transaction too: what the engine no longer does.
        ledger.record_write_date(1, Some("t")).unwrap();
        ledger.record_contact_seen(1, "c1", true, &[]).unwrap();
        assert_eq!(commits.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn rows_marked_ahead_and_never_sent_are_marked_back_to_pending() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        let rows: Vec<crate::ledger::StagedRow> = (1..=4)
            .map(|row| {
                crate::ledger::StagedRow::pending_with_email(
                    row,
                    format!("r{row}@x.co"),
                    "[]".into(),
                )
            })
            .collect();
        ledger.stage(&rows).unwrap();
        ledger.make_durable().unwrap();
        let at = "2026-12-07T18:00:00.000Z".to_string();
        // Rows 1-4 marked; 1 gets its result; 2 was marked by an earlier run too.
        ledger.mark_in_doubt(&[2], &at).unwrap();
        let marked = DeliveryBatch {
            in_doubt: vec![1, 2, 3, 4],
            in_doubt_at: at.clone(),
            ..DeliveryBatch::default()
        };
        let done = DeliveryBatch {
            results: vec![DeliveryResult {
                row: 1,
                state: RowState::Created,
                ..DeliveryResult::default()
            }],
            results_at: at.clone(),
            unmarked: vec![1, 2, 3],
            ..DeliveryBatch::default()
        };
        ledger.record_batches(&[marked, done]).unwrap();
        let left = ledger.deliverable(0, 10).unwrap();
        let state = |row: u64| {
            left.iter()
                .find(|r| r.row == row)
                .map(|r| (r.state, r.attempts, r.first_sent_at.is_some()))
        };
        assert_eq!(state(1), None, "delivered: not marked back");
        assert_eq!(state(2), Some((RowState::InDoubt, 2, true)), "sent before");
        assert_eq!(state(3), Some((RowState::Pending, 0, false)));
        assert_eq!(state(4), Some((RowState::InDoubt, 1, true)), "not unmarked");
    }
}
