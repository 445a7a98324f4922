//! The `plan` run's questions: each decided row with its input cells (for plan.csv and
//! plan.xlsx), the contacts `import --plan` checks are unchanged, and the rows it finds
//! changed since the plan (rejected `plan_stale`).

use rusqlite::params;

use super::decisions::read_decision;
use super::{Decision, Ledger, LedgerError};

/// A row the plan decided, with its input cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRow {
    /// The input cells, one per input header.
    pub cells: Vec<String>,
    /// What the plan decided for it.
    pub decision: Decision,
}

/// The code a row gets when its contact changed between `plan` and `import --plan`.
pub const PLAN_STALE: &str = "plan_stale";

/// The `meta` key `import --plan` sets when it starts carrying the plan out (a plan is carried
/// out once; a resume continues it).
const CARRIED_OUT: &str = "plan_carried_out";

impl Ledger {
    /// When `import --plan` started carrying this run's plan out, if it did.
    pub fn plan_carried_out(&self) -> Result<Option<String>, LedgerError> {
        self.meta_value(CARRIED_OUT)
    }

    /// Records that `import --plan` starts carrying the plan out, now.
    pub fn mark_plan_carried_out(&self, now: &str) -> Result<(), LedgerError> {
        self.set_meta_value(CARRIED_OUT, now)
    }

    /// Calls `f` on each decided row, in row order, streamed (a million-row plan is never held).
    pub fn each_planned_row<E: From<LedgerError>>(
        &self,
        mut f: impl FnMut(PlannedRow) -> Result<(), E>,
    ) -> Result<(), E> {
        // The decision's columns first, in `read_decision`'s order, then the cells.
        let mut input = super::input_cells::RowCells::new(self);
        self.stream_rows(
            "SELECT d.row, d.action, d.contact_id, d.others_json, d.date_updated, \
             d.changes_json, d.reason, r.cells_json \
             FROM decisions d JOIN rows r ON r.row = d.row ORDER BY d.row",
            |r| Ok((read_decision(r)?, r.get::<_, String>(7)?)),
            |(decision, cells_json)| {
                let cells = input.cells(decision.row, &cells_json)?;
                f(PlannedRow { cells, decision })
            },
        )
    }

    /// The rows still to deliver whose decision names a contact the plan read, with that
    /// contact and its `dateUpdated` then: what `import --plan` checks before it sends.
    pub fn planned_contacts(&self) -> Result<Vec<(u64, String, Option<String>)>, LedgerError> {
        self.query_all(
            "SELECT d.row, d.contact_id, d.date_updated FROM decisions d \
             JOIN rows r ON r.row = d.row \
             WHERE d.contact_id IS NOT NULL AND r.state = 'pending' ORDER BY d.row",
            [],
            |r| Ok((r.get::<_, i64>(0)?.max(0) as u64, r.get(1)?, r.get(2)?)),
        )
    }

    /// Rejects rows whose contact changed since the plan read it (code [`PLAN_STALE`], stage
    /// `plan`), in one transaction; only rows still waiting for delivery change. Returns how
    /// many did.
    pub fn reject_stale(&mut self, rows: &[(u64, String)]) -> Result<u64, LedgerError> {
        self.in_transaction(|tx| {
            let mut reject = tx.prepare_cached(
                "UPDATE rows SET state = 'rejected', stage = 'plan', code = ?2, \
                 field = NULL, message = ?3 WHERE row = ?1 AND state = 'pending'",
            )?;
            let mut changed = 0;
            for (row, message) in rows {
                changed += reject.execute(params![*row as i64, PLAN_STALE, message])? as u64;
            }
            Ok(changed)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Action, Change, RowState, StagedRow};

    fn staged(row: u64) -> StagedRow {
        StagedRow::pending_with_email(
            row,
            format!("r{row}@x.co"),
            format!(r#"["r{row}@x.co","Acme {row}"]"#),
        )
    }

    fn decision(row: u64, action: Action, contact: Option<&str>) -> Decision {
        Decision {
            row,
            action,
            contact_id: contact.map(str::to_string),
            others: vec![],
            date_updated: contact.map(|_| "2026-01-01T00:00:00.000Z".to_string()),
            changes: vec![Change {
                field: "companyName".into(),
                before: "A".into(),
                after: "B".into(),
            }],
            reason: None,
        }
    }

    #[test]
    fn decided_rows_come_with_their_cells_and_stale_ones_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        ledger.stage(&[staged(2), staged(3), staged(4)]).unwrap();
        ledger
            .put_decisions(&[
                decision(3, Action::Update, Some("c3")),
                decision(2, Action::Create, None),
            ])
            .unwrap();
        let mut seen = Vec::new();
        ledger
            .each_planned_row(|p| {
                seen.push(p);
                Ok::<_, LedgerError>(())
            })
            .unwrap();
        assert_eq!(seen.len(), 2, "row 4 has no decision");
        assert_eq!(seen[0].decision.row, 2);
        assert_eq!(seen[1].cells, ["r3@x.co", "Acme 3"]);
        assert_eq!(seen[1].decision.action, Action::Update);

        let planned = ledger.planned_contacts().unwrap();
        assert_eq!(
            planned,
            [(
                3,
                "c3".to_string(),
                Some("2026-01-01T00:00:00.000Z".to_string())
            )]
        );
        assert_eq!(ledger.reject_stale(&[(3, "changed".into())]).unwrap(), 1);
        assert_eq!(ledger.reject_stale(&[(3, "again".into())]).unwrap(), 0);
        assert!(ledger.planned_contacts().unwrap().is_empty());
        assert_eq!(ledger.state_counts().unwrap().get(RowState::Rejected), 1);

        assert_eq!(ledger.plan_carried_out().unwrap(), None);
        ledger
            .mark_plan_carried_out("2026-12-07T12:00:00Z")
            .unwrap();
        assert_eq!(
            ledger.plan_carried_out().unwrap().as_deref(),
            Some("2026-12-07T12:00:00Z")
        );
    }
}
