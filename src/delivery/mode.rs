//! How rows reach HighLevel: `upsert` (the default), `create` with a choice for duplicates, or
//! `update-only`. A run keeps its mode: the ledger records it, and a resume uses the recorded one.

use std::fmt;
use std::str::FromStr;

/// What `create` does when HighLevel answers that the contact exists (400 with
/// `meta.contactId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDuplicate {
    /// Update the existing contact (`PUT`, then tags added through the bulk endpoint), like an
    /// upsert would. The default: a file imported with `create` usually means "these people
    /// should be in HighLevel with these details", and leaving a stale contact untouched while
    /// reporting the row as fine would hide that the file's values were not applied.
    #[default]
    Update,
    /// Leave it as it is: the row ends `unchanged` with the existing contact's id.
    Skip,
}

/// The delivery mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// `POST /contacts/upsert` without tags, then tags added in bulk.
    #[default]
    Upsert,
    /// `POST /contacts/` with tags inline; duplicates handled as [`OnDuplicate`] says.
    Create(OnDuplicate),
    /// Duplicate lookup, then `PUT`; a row matching no contact is rejected (`not_found`).
    UpdateOnly,
}

impl Mode {
    /// The name recorded in the ledger and accepted back by [`FromStr`].
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Upsert => "upsert",
            Mode::Create(OnDuplicate::Update) => "create/update",
            Mode::Create(OnDuplicate::Skip) => "create/skip",
            Mode::UpdateOnly => "update-only",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A recorded mode name that this version does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown delivery mode '{0}' (expected upsert, create/update, create/skip or update-only)")]
pub struct UnknownMode(pub String);

impl FromStr for Mode {
    type Err = UnknownMode;
    fn from_str(s: &str) -> Result<Mode, UnknownMode> {
        Ok(match s {
            "upsert" => Mode::Upsert,
            "create" | "create/update" => Mode::Create(OnDuplicate::Update),
            "create/skip" => Mode::Create(OnDuplicate::Skip),
            "update-only" => Mode::UpdateOnly,
            other => return Err(UnknownMode(other.to_string())),
        })
    }
}

/// What a planned import does with a row whose email and phone point at two contacts, or at a
/// contact whose other identity is someone else's (`--on-conflict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnConflict {
    /// The row is rejected (`identity_conflict`), naming the contact(s) it would overwrite.
    #[default]
    Reject,
    /// HighLevel's own behaviour: the row is upserted, and the contact HighLevel's matching
    /// picks is overwritten with the row's values.
    Update,
    /// The row is left alone, counted and listed, not an error.
    Skip,
}

impl OnConflict {
    pub const ALL: [OnConflict; 3] = [OnConflict::Reject, OnConflict::Update, OnConflict::Skip];

    pub fn as_str(self) -> &'static str {
        match self {
            OnConflict::Reject => "reject",
            OnConflict::Update => "update",
            OnConflict::Skip => "skip",
        }
    }
}

impl FromStr for OnConflict {
    type Err = UnknownMode;
    fn from_str(s: &str) -> Result<OnConflict, UnknownMode> {
        OnConflict::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownMode(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for mode in [
            Mode::Upsert,
            Mode::Create(OnDuplicate::Update),
            Mode::Create(OnDuplicate::Skip),
            Mode::UpdateOnly,
        ] {
            assert_eq!(mode.as_str().parse::<Mode>().unwrap(), mode);
        }
        assert!("merge".parse::<Mode>().is_err());
        for choice in OnConflict::ALL {
            assert_eq!(choice.as_str().parse::<OnConflict>().unwrap(), choice);
        }
        assert!("merge".parse::<OnConflict>().is_err());
    }
}
