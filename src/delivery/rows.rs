//! A row in flight and its bookkeeping: how many requests it still waits for, its result taking
//! shape, and the ways it ends (done, failed, refused, or left in doubt for a resume). Results
//! reach the ledger in batches.

use super::engine::{Engine, StopReason};
use super::plan::RowPlan;
use super::resolve::{History, KnownContact};
use super::DeliveryError;
use crate::api::ApiError;
use crate::ledger::{DeliveryResult, RowError, RowState, Warning};
use crate::run::dispatch::{verdict, Verdict};

/// A row with requests still to come.
pub(super) struct Row {
    /// What the row sends.
    pub plan: RowPlan,
    /// What earlier attempts may have done.
    pub history: History,
    /// Notes or a task may exist from an earlier attempt: read the contact's lists first.
    pub recheck: bool,
    /// The contact an earlier attempt already made sure of (or, with `followups_only`, the
    /// one the state store says the unchanged contact is).
    pub known: Option<KnownContact>,
    /// Only the row's notes or task are sent: no contact request, no tags, no business.
    pub followups_only: bool,
    /// The row's notes and tasks that exist already (earlier attempts, the state store).
    pub followups_known: Vec<crate::ledger::FollowupRecord>,
    /// The server view's verdict for the row, when the import was planned (not `--blind`).
    pub decided: Option<super::decided::Decided>,
    /// The result as it takes shape.
    pub result: DeliveryResult,
    /// Requests (or bulk memberships) not answered yet.
    pub waiting: usize,
}

impl Row {
    pub(super) fn new(plan: RowPlan, history: History, recheck: bool) -> Row {
        Row {
            result: DeliveryResult {
                row: plan.row,
                warnings: plan.warnings.iter().cloned().map(Warning::from).collect(),
                ..DeliveryResult::default()
            },
            plan,
            history,
            recheck,
            known: None,
            followups_only: false,
            followups_known: Vec::new(),
            decided: None,
            waiting: 1,
        }
    }
}

impl Engine<'_> {
    /// A request failed for a row: fatal for auth, a clean stop when the run cannot go on, the
    /// row's failure otherwise.
    pub(super) fn row_error(
        &mut self,
        row: u64,
        code: &str,
        error: ApiError,
    ) -> Result<(), DeliveryError> {
        match verdict(&error) {
            Verdict::Auth => return Err(DeliveryError::Auth(error)),
            Verdict::Resumable => {
                // The row stays in doubt in the ledger; the resume sends it again.
                self.stop_for(&error);
                self.rows.remove(&row);
                return Ok(());
            }
            Verdict::RowFailure => {}
        }
        let code = match error.status() {
            Some(status) => format!("{code}_{status}"),
            None => code.to_string(),
        };
        if let Some(state) = self.rows.get_mut(&row) {
            state.result.last_status = error.status();
        }
        self.fail_row(row, &code, error.api_message());
        Ok(())
    }

    pub(super) fn stop_for(&mut self, error: &ApiError) {
        if self.stop.is_none() {
            tracing::warn!(%error, "Stopping: the run can be resumed later.");
            self.stop = Some(StopReason::Resumable(error.to_string()));
        }
    }

    pub(super) fn fail_row(&mut self, row: u64, code: &str, message: String) {
        if let Some(state) = self.rows.remove(&row) {
            self.fail(state.result, code, message);
        }
    }

    pub(super) fn fail(&mut self, mut result: DeliveryResult, code: &str, message: String) {
        result.state = RowState::Failed;
        result.error = Some(RowError::new(code, "", message));
        self.counts.failed += 1;
        self.finished.push(result);
    }

    /// The location refused the row for good (`update-only` found nobody, a contact id it
    /// does not know or that conflicts): a final `rejected` row, like a local rejection.
    pub(super) fn refuse_row(&mut self, row: u64, code: &str, field: &str, message: String) {
        if let Some(state) = self.rows.remove(&row) {
            let mut result = state.result;
            result.state = RowState::Rejected;
            result.error = Some(RowError::new(code, field, message));
            self.counts.rejected += 1;
            self.finished.push(result);
        }
    }

    /// One of the row's requests is done; the row is written when it was the last.
    pub(super) fn step_done(&mut self, row: u64) {
        let Some(state) = self.rows.get_mut(&row) else {
            return;
        };
        state.waiting = state.waiting.saturating_sub(1);
        if state.waiting > 0 {
            return;
        }
        if let Some(state) = self.rows.remove(&row) {
            match state.result.state {
                RowState::Created => self.counts.created += 1,
                RowState::Unchanged => self.counts.unchanged += 1,
                _ => self.counts.updated += 1,
            }
            self.finished.push(state.result);
        }
    }

    /// Moves the finished rows' results (and their notes and tasks) into the pending batch.
    pub(super) fn write(&mut self) {
        if self.finished.is_empty() {
            return;
        }
        let results = std::mem::take(&mut self.finished);
        // Follow-ups before results in the batch: a crash between the two cannot happen (one
        // transaction), and the order matches what the resume expects of older ledgers.
        self.pending.followups.extend(
            results
                .iter()
                .flat_map(|r| r.followups.iter().map(move |f| (r.row, f.clone()))),
        );
        self.pending.results_at = crate::run::clock::now_rfc3339();
        self.pending.results.extend(results);
    }
}
