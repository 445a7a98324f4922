//! The delta's comparison of one page of staged rows with what the state store remembers:
//! each row prepared (identity keys, payload and contact hashes, what its notes and task are
//! known by), then its verdict: unchanged, only its notes or task changed, changed, or new.

use super::hash::{identity_keys, PayloadHasher};
use crate::delivery::followup_keys::note_key;
use crate::ledger::state::Delivered;
use crate::ledger::DeltaRow;
use rayon::prelude::*;
use std::collections::HashMap;

/// Unchanged only when every identity key of the row is remembered with this very payload and
/// the same contact: keys that point at different contacts (the person's email and phone were
/// last delivered apart) mean HighLevel may now match differently, so the row is sent. With
/// the same contact and the same contact hash on every key, only the notes or task changed.
pub(super) fn verdict(found: &HashMap<String, Delivered>, p: &Prepared) -> Verdict {
    let mut contact: Option<&str> = None;
    let mut all_known = !p.keys.is_empty();
    let mut same_contact = true;
    let mut all_same = true;
    let mut contact_same = true;
    let mut known = false;
    for key in &p.keys {
        match found.get(key) {
            Some(entry) => {
                known = true;
                same_contact &= contact.is_none_or(|c| c == entry.contact_id);
                all_same &= entry.payload_hash == p.hash;
                contact_same &= entry.contact_hash.as_deref() == Some(p.contact_hash.as_str());
                contact.get_or_insert(&entry.contact_id);
            }
            None => all_known = false,
        }
    }
    match contact {
        Some(c) if all_known && same_contact && all_same => Verdict::Unchanged(c.to_string()),
        Some(c) if all_known && same_contact && contact_same => {
            Verdict::FollowupsOnly(c.to_string())
        }
        Some(c) if same_contact => Verdict::Changed(Some(c.to_string())),
        _ if known => Verdict::Changed(None),
        _ => Verdict::New,
    }
}

/// A staged row as the delta compares it.
pub(super) struct Prepared {
    pub(super) row: u64,
    /// Identity keys (none when the payload cannot be read: such a row is never skipped).
    pub(super) keys: Vec<String>,
    pub(super) hash: String,
    pub(super) contact_hash: String,
    /// What its notes are known by.
    pub(super) note_keys: Vec<String>,
    pub(super) has_task: bool,
}

impl Prepared {
    pub(super) fn has_followups(&self) -> bool {
        !self.note_keys.is_empty() || self.has_task
    }
}

/// Each row prepared, in parallel (hashing a million payloads is the pass's main cost).
pub(super) fn prepare(hasher: &PayloadHasher, page: &[DeltaRow]) -> Vec<Prepared> {
    page.par_iter()
        .map(
            |r| match serde_json::from_str::<serde_json::Value>(&r.payload_json) {
                Ok(payload) => Prepared {
                    row: r.row,
                    keys: identity_keys(&payload),
                    hash: hasher.hash(&payload),
                    contact_hash: hasher.hash_contact(&payload),
                    note_keys: payload["notes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|n| n.as_str())
                        .filter(|n| !n.trim().is_empty())
                        .map(note_key)
                        .collect(),
                    has_task: payload["task"].is_object(),
                },
                Err(_) => Prepared {
                    row: r.row,
                    keys: Vec::new(),
                    hash: String::new(),
                    contact_hash: String::new(),
                    note_keys: Vec::new(),
                    has_task: false,
                },
            },
        )
        .collect()
}

pub(super) enum Verdict {
    Unchanged(String),
    /// The contact is unchanged; its notes or task are not.
    FollowupsOnly(String),
    /// Sent again; the contact when every known key points at the same one.
    Changed(Option<String>),
    New,
}
