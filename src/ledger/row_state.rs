//! The state of a row in a run ledger, and what delivery did with a note or task: enums whose
//! `as_str` is exactly the text stored in the `state` / `action` columns (a ledger on disk
//! keeps that text; a change to it is a migration).

use std::str::FromStr;

/// Where a row of a run stands (the `rows.state` column). Declared in the order of the stored
/// text, so that states sort as SQL's `ORDER BY state` sorts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum RowState {
    /// Delivered: this run created the contact.
    Created,
    /// `delete`: the row's contact was deleted.
    Deleted,
    /// The API refused it or retries ran out (retried on resume).
    Failed,
    /// A request was sent and its outcome is unknown (resolved on resume).
    InDoubt,
    /// Folded into another row by dedupe.
    Merged,
    /// Valid, not yet delivered (the local pipeline's "valid"); for `delete`, not yet deleted.
    /// The default: a row nothing has happened to yet.
    #[default]
    Pending,
    /// Refused locally (or by delivery's rules, e.g. update-only and no such contact).
    Rejected,
    /// Nothing to send: the contact already holds the payload.
    Unchanged,
    /// Delivered: an existing contact was updated.
    Updated,
}

impl RowState {
    /// Every state, in declaration order.
    pub const ALL: [RowState; 9] = [
        RowState::Created,
        RowState::Deleted,
        RowState::Failed,
        RowState::InDoubt,
        RowState::Merged,
        RowState::Pending,
        RowState::Rejected,
        RowState::Unchanged,
        RowState::Updated,
    ];

    /// The text stored in the ledger.
    pub const fn as_str(self) -> &'static str {
        match self {
            RowState::Pending => "pending",
            RowState::InDoubt => "in_doubt",
            RowState::Created => "created",
            RowState::Updated => "updated",
            RowState::Unchanged => "unchanged",
            RowState::Merged => "merged",
            RowState::Rejected => "rejected",
            RowState::Failed => "failed",
            RowState::Deleted => "deleted",
        }
    }
}

/// A state and its stored text compare equal (`state == "created"`).
impl PartialEq<&str> for RowState {
    fn eq(&self, text: &&str) -> bool {
        self.as_str() == *text
    }
}

/// A state text this build does not know (a damaged ledger, or one from a newer build).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown row state {0:?}")]
pub struct UnknownState(pub String);

impl FromStr for RowState {
    type Err = UnknownState;

    fn from_str(text: &str) -> Result<RowState, UnknownState> {
        RowState::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| UnknownState(text.to_string()))
    }
}

impl rusqlite::ToSql for RowState {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl rusqlite::types::FromSql for RowState {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let text = value.as_str()?;
        text.parse()
            .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
    }
}

/// Rows per state, as the ledger counts them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateCounts(std::collections::BTreeMap<RowState, u64>);

impl StateCounts {
    /// The rows in `state` (0 when none).
    pub fn get(&self, state: RowState) -> u64 {
        self.0.get(&state).copied().unwrap_or(0)
    }

    /// Every row.
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }

    /// Each state with rows, with its count, in the order of the stored text.
    pub fn iter(&self) -> impl Iterator<Item = (RowState, u64)> + '_ {
        self.0.iter().map(|(s, n)| (*s, *n))
    }
}

/// As a JSON object `{ state: rows }` in the stored text's order (summary.json's `outcomes`).
impl serde::Serialize for StateCounts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(s, n)| (s.as_str(), n)))
    }
}

impl FromIterator<(RowState, u64)> for StateCounts {
    fn from_iter<I: IntoIterator<Item = (RowState, u64)>>(iter: I) -> StateCounts {
        StateCounts(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_from_its_stored_text() {
        for state in RowState::ALL {
            assert_eq!(state.as_str().parse::<RowState>(), Ok(state));
        }
        let mut texts: Vec<&str> = RowState::ALL.iter().map(|s| s.as_str()).collect();
        let sorted = {
            let mut t = texts.clone();
            t.sort_unstable();
            t
        };
        assert_eq!(texts, sorted, "declared in the stored text's order");
        assert!(RowState::ALL.windows(2).all(|w| w[0] < w[1]));
        texts.dedup();
        assert_eq!(texts.len(), RowState::ALL.len());
        assert!("valid".parse::<RowState>().is_err());
    }
}
