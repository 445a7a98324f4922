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

    /// The decisions of `rows` (any order), in row order: one statement over their span, the
    /// rows inside it that were not asked for left out. `changes` as for
    /// [`decisions_between`](Self::decisions_between).
    pub fn decisions_of(
        &self,
        rows: &[u64],
        changes: impl Fn(Action) -> bool,
    ) -> Result<Vec<Decision>, LedgerError> {
        let Some(span) = RowSpan::of(rows) else {
            return Ok(Vec::new());
        };
        let mut decisions = self.decisions_between(span.first, span.last, changes)?;
        decisions.retain(|d| span.holds(d.row));
        Ok(decisions)
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

/// A set of row numbers read by the span from the least to the greatest in one statement:
/// what lies inside it and was not asked for is left out (a page of rows to deliver is most
/// of its span).
pub(super) struct RowSpan {
    pub first: u64,
    pub last: u64,
    rows: std::collections::HashSet<u64>,
}

impl RowSpan {
    /// `None` for no rows.
    pub fn of(rows: &[u64]) -> Option<RowSpan> {
        Some(RowSpan {
            first: *rows.iter().min()?,
            last: *rows.iter().max()?,
            rows: rows.iter().copied().collect(),
        })
    }

    pub fn holds(&self, row: u64) -> bool {
        self.rows.contains(&row)
    }
}

#[cfg(test)]
mod tests;
