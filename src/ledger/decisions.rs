//! The server-aware plan's verdict per row: what the location held for the row's identities
//! when the plan read it, and so what delivery does (`create`, `update` with only what
//! differs, `unchanged`, or `conflict`). `plan` writes them and stops; `import` writes them
//! and carries them out; `import --plan RUN_DIR` carries out the ones a `plan` run wrote.
//!
//! A table of its own (schema version 3): a ledger written before it gets it empty, and a run
//! without decisions is delivered blind, as before.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{Ledger, LedgerError};

/// What delivery does with a row, from the server's view of its identities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// No contact has the row's email or phone: `POST /contacts/` with the tags inline.
    Create,
    /// One contact matches and some field or tag differs: only what differs is sent.
    Update,
    /// The matching contact already holds the row's values: no request.
    Unchanged,
    /// The row's email and phone point at two different contacts, or one of them matches a
    /// contact whose other identity is different and not empty.
    Conflict,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Create,
        Action::Update,
        Action::Unchanged,
        Action::Conflict,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
            Action::Conflict => "conflict",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored action this build does not know (a ledger from a newer build).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown plan action `{0}`")]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAction(s.to_string()))
    }
}

/// One field the row changes on its contact, as the user reads it (`field: before → after`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The field's name as HighLevel spells it (`firstName`, `tags`, a custom field's key).
    pub field: String,
    /// The server's value ("" when it has none).
    pub before: String,
    /// What the row sends.
    pub after: String,
}

/// The plan's verdict for one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub row: u64,
    pub action: Action,
    /// The contact the row matches (`update`, `unchanged`); for a conflict, the first contact
    /// it would have overwritten; none for `create`.
    pub contact_id: Option<String>,
    /// For a conflict: every contact the row's identities point at.
    pub others: Vec<String>,
    /// The matched contact's `dateUpdated` when the view read it: `import --plan` refuses a
    /// row whose contact changed since.
    pub date_updated: Option<String>,
    /// For `update`: what differs; for `create`: every field the row sets (before empty).
    pub changes: Vec<Change>,
    /// For a conflict: the message the reject files give, naming the contact(s).
    pub reason: Option<String>,
}

impl Ledger {
    /// Records the decisions (replacing any earlier one for the same row), in one transaction.
    pub fn put_decisions(&mut self, decisions: &[Decision]) -> Result<(), LedgerError> {
        self.in_transaction(|tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO decisions
                   (row, action, contact_id, others_json, date_updated, changes_json, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for d in decisions {
                let others = serde_json::to_string(&d.others).unwrap_or_else(|_| "[]".into());
                let changes = serde_json::to_string(&d.changes).unwrap_or_else(|_| "[]".into());
                stmt.execute(params![
                    d.row as i64,
                    d.action.as_str(),
                    d.contact_id,
                    others,
                    d.date_updated,
                    changes,
                    d.reason,
                ])?;
            }
            Ok(())
        })
    }

    /// Every decision, by row.
    pub fn decisions(&self) -> Result<Vec<Decision>, LedgerError> {
        self.query_all(
            "SELECT row, action, contact_id, others_json, date_updated, changes_json, reason
             FROM decisions ORDER BY row",
            [],
            read_decision,
        )
    }

    /// One row's decision, if the plan made one.
    pub fn decision(&self, row: u64) -> Result<Option<Decision>, LedgerError> {
        self.conn
            .prepare_cached(
                "SELECT row, action, contact_id, others_json, date_updated, changes_json, reason
                 FROM decisions WHERE row = ?1",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![row as i64], read_decision)
                    .optional()
            })
            .map_err(|e| self.err(e))
    }

    /// The decisions of rows `first..=last`, in row order, in one statement: delivery and the
    /// estimate read a page of rows at a time, where a look-up per row cost a statement each
    /// (issue 20). `changes` says for which actions the changes are decoded (delivery reads
    /// none; a create's list every field the row sets, a JSON parse per row for nothing); the
    /// others come back with none.
    pub fn decisions_between(
        &self,
        first: u64,
        last: u64,
        changes: impl Fn(Action) -> bool,
    ) -> Result<Vec<Decision>, LedgerError> {
        self.query_all(
            "SELECT row, action, contact_id, others_json, date_updated, changes_json, reason
             FROM decisions WHERE row BETWEEN ?1 AND ?2 ORDER BY row",
            params![first as i64, last as i64],
            |r| read_decision_with(r, &changes),
        )
    }

    /// The rows that have a decision (their numbers only).
    pub fn decided_rows(&self) -> Result<std::collections::HashSet<u64>, LedgerError> {
        let rows = self.query_all("SELECT row FROM decisions", [], |r| r.get::<_, i64>(0))?;
        Ok(rows.into_iter().map(|r| r.max(0) as u64).collect())
    }

    /// How many rows the plan gave each action (actions without rows left out).
    pub fn decision_counts(&self) -> Result<BTreeMap<Action, u64>, LedgerError> {
        let rows = self.query_all(
            "SELECT action, COUNT(*) FROM decisions GROUP BY action",
            [],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|(action, n)| Some((action.parse::<Action>().ok()?, n.max(0) as u64)))
            .collect())
    }
}

impl Ledger {
    /// Records a choice of the view for the whole run (`on_conflict`, `view`) unless one is
    /// recorded already, and returns the recorded one: a resume keeps what the run started with.
    pub fn pin_view_setting(&self, key: &str, value: &str) -> Result<String, LedgerError> {
        let key = format!("view.{key}");
        self.conn
            .execute(
                "INSERT OR IGNORE INTO delivery_settings (key, value) VALUES (?1, ?2)",
                params![key, value],
            )
            .map_err(|e| self.err(e))?;
        Ok(self
            .view_setting_raw(&key)?
            .unwrap_or_else(|| value.to_string()))
    }

    /// A choice of the view recorded for the run, if any.
    pub fn view_setting(&self, key: &str) -> Result<Option<String>, LedgerError> {
        self.view_setting_raw(&format!("view.{key}"))
    }

    fn view_setting_raw(&self, key: &str) -> Result<Option<String>, LedgerError> {
        self.conn
            .query_row(
                "SELECT value FROM delivery_settings WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

pub(super) fn read_decision(r: &rusqlite::Row<'_>) -> rusqlite::Result<Decision> {
    read_decision_with(r, |_| true)
}

/// A decision, its changes decoded only when `changes` says so for its action.
fn read_decision_with(
    r: &rusqlite::Row<'_>,
    changes: impl Fn(Action) -> bool,
) -> rusqlite::Result<Decision> {
    let action: String = r.get(1)?;
    let action = action.parse::<Action>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
    })?;
    let others: String = r.get(3)?;
    let changes = if changes(action) {
        let json: String = r.get(5)?;
        serde_json::from_str(&json).unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok(Decision {
        row: r.get::<_, i64>(0)?.max(0) as u64,
        action,
        contact_id: r.get(2)?,
        // A conflict's only: the others are empty (`[]`) for every other action.
        others: if others == "[]" {
            Vec::new()
        } else {
            serde_json::from_str(&others).unwrap_or_default()
        },
        date_updated: r.get(4)?,
        changes,
        reason: r.get(6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_their_names() {
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>(), Ok(a));
        }
        assert!("merge".parse::<Action>().is_err());
    }

    fn create(row: u64) -> Decision {
        Decision {
            row,
            action: Action::Create,
            contact_id: None,
            others: vec![],
            date_updated: None,
            changes: vec![Change {
                field: "email".into(),
                before: String::new(),
                after: format!("r{row}@x.co"),
            }],
            reason: None,
        }
    }

    #[test]
    fn decisions_between_reads_the_span_and_decodes_only_the_changes_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        let mut update = create(5);
        update.action = Action::Update;
        update.contact_id = Some("c5".into());
        let decisions = vec![create(2), create(3), update.clone(), create(9)];
        ledger.put_decisions(&decisions).unwrap();
        let all = ledger.decisions_between(3, 8, |_| true).unwrap();
        assert_eq!(all, vec![create(3), update.clone()]);
        let updates_only = ledger
            .decisions_between(0, u64::MAX >> 1, |a| a == Action::Update)
            .unwrap();
        let changes: Vec<usize> = updates_only.iter().map(|d| d.changes.len()).collect();
        assert_eq!(
            changes,
            [0, 0, 1, 0],
            "only the update's changes are decoded"
        );
        assert_eq!(updates_only[2], update);
        assert!(ledger.decisions_between(6, 8, |_| true).unwrap().is_empty());
    }

    thread_local! {
        /// Statements SQLite began on this thread (`count_statement`).
        static STATEMENTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    fn count_statement(event: rusqlite::trace::TraceEvent<'_>) {
        if let rusqlite::trace::TraceEvent::Stmt(..) = event {
            STATEMENTS.with(|s| s.set(s.get() + 1));
        }
    }

    /// Issue 20: what delivery reads ahead of 1,000 rows (the rows, their follow-ups and
    /// decisions) is a handful of statements, not some per row: the look-ups per row were 3,000
    /// statements, a tenth of the import's CPU.
    #[test]
    fn reading_ahead_a_thousand_rows_costs_a_few_statements_not_one_per_row() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        let rows: Vec<crate::ledger::StagedRow> = (1..=1000)
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
        let decisions: Vec<Decision> = (1..=1000).filter(|r| r % 3 != 0).map(create).collect();
        ledger.put_decisions(&decisions).unwrap();
        let known = crate::ledger::FollowupRecord {
            key: "note:a".into(),
            contact_id: "c7".into(),
            item_id: "n7".into(),
            content_hash: "h".into(),
            completed: false,
            action: "known".into(),
        };
        ledger
            .record_followups_known(&[(7, known)], &[(7, "c7".to_string())])
            .unwrap();

        ledger.conn.trace_v2(
            rusqlite::trace::TraceEventCodes::SQLITE_TRACE_STMT,
            Some(count_statement),
        );
        STATEMENTS.with(|s| s.set(0));
        let page = ledger.deliverable(0, 1000).unwrap();
        let numbers: Vec<u64> = page.iter().map(|r| r.row).collect();
        let contexts = ledger.followup_context(&numbers).unwrap();
        let read = ledger.decisions_between(1, 1000, |_| false).unwrap();
        let statements = STATEMENTS.with(|s| s.get());
        ledger
            .conn
            .trace_v2(rusqlite::trace::TraceEventCodes::empty(), None);
        assert_eq!(page.len(), 1000);
        assert_eq!(read.len(), decisions.len());
        assert_eq!(contexts.len(), 1);
        assert_eq!(contexts[&7].only.as_deref(), Some("c7"));
        assert!(statements <= 4, "{statements} statements for 1,000 rows");
    }

    #[test]
    fn decisions_are_kept_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        let conflict = Decision {
            row: 2,
            action: Action::Conflict,
            contact_id: Some("c1".into()),
            others: vec!["c1".into(), "c2".into()],
            date_updated: None,
            changes: vec![],
            reason: Some("email matches c1, phone matches c2".into()),
        };
        let update = Decision {
            row: 1,
            action: Action::Update,
            contact_id: Some("c3".into()),
            others: vec![],
            date_updated: Some("2026-01-01T00:00:00.000Z".into()),
            changes: vec![Change {
                field: "firstName".into(),
                before: "Ana".into(),
                after: "Anna".into(),
            }],
            reason: None,
        };
        ledger
            .put_decisions(&[conflict.clone(), update.clone()])
            .unwrap();
        assert_eq!(ledger.decisions().unwrap(), vec![update.clone(), conflict]);
        assert_eq!(ledger.decision(1).unwrap(), Some(update));
        assert_eq!(ledger.decision(9).unwrap(), None);
        assert_eq!(ledger.decided_rows().unwrap(), [1, 2].into_iter().collect());
        assert_eq!(
            ledger.pin_view_setting("on_conflict", "skip").unwrap(),
            "skip"
        );
        assert_eq!(
            ledger.pin_view_setting("on_conflict", "update").unwrap(),
            "skip"
        );
        assert_eq!(
            ledger.view_setting("on_conflict").unwrap().as_deref(),
            Some("skip")
        );
        assert_eq!(ledger.view_setting("view").unwrap(), None);
        let counts = ledger.decision_counts().unwrap();
        assert_eq!(counts.get(&Action::Update), Some(&1));
        assert_eq!(counts.get(&Action::Create), None);
    }
}
