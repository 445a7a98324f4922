//! Writes dedupe's groups back to the ledger: each group's payloads are read, merged in file
//! order (`Contact::merge_from`) and written to the survivor; the other rows become `merged`.
//! Groups are handled in batches, one transaction each, so memory holds one batch of payloads.

use crate::contact::Contact;
use crate::ledger::{Ledger, LedgerError, MergedGroup};
use crate::mapping::DedupeKey;

use super::PipelineError;

/// Groups per transaction.
const BATCH: usize = 5000;

/// How many groups there were and how many rows they folded away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DedupeStats {
    /// Groups of two or more rows.
    pub groups: u64,
    /// Rows that became `merged`.
    pub merged_rows: u64,
}

pub(crate) fn merge_groups(
    ledger: &mut Ledger,
    groups: Vec<Vec<u64>>,
    keys: &[DedupeKey],
) -> Result<DedupeStats, PipelineError> {
    let mut stats = DedupeStats::default();
    for batch in groups.chunks(BATCH) {
        let mut merged = Vec::with_capacity(batch.len());
        for group in batch {
            let mut members = Vec::with_capacity(group.len());
            for (row, payload) in ledger.payloads(group)? {
                members.push((row, parse(ledger, row, &payload)?));
            }
            let Some(((survivor, first), rest)) = members.split_first() else {
                continue;
            };
            let mut contact = first.clone();
            let mut others = Vec::with_capacity(rest.len());
            for (i, (row, other)) in rest.iter().enumerate() {
                contact.merge_from(other);
                let (key, value) = shared_key(other, &members, i + 1, keys);
                others.push((*row, key, value));
            }
            stats.groups += 1;
            stats.merged_rows += others.len() as u64;
            merged.push(MergedGroup {
                survivor: *survivor,
                // A Contact always serialises; the fallback keeps the survivor's own payload.
                payload_json: serde_json::to_string(&contact)
                    .or_else(|_| serde_json::to_string(first))
                    .unwrap_or_default(),
                merged: others,
            });
        }
        ledger.apply_merges(&merged)?;
    }
    Ok(stats)
}

/// Which key ties member `at` to another member of its group (earlier members first), for
/// duplicates.csv. Union-find guarantees one exists.
fn shared_key(
    me: &Contact,
    members: &[(u64, Contact)],
    at: usize,
    keys: &[DedupeKey],
) -> (String, String) {
    let others = members[..at].iter().rev().chain(&members[at + 1..]);
    for (_, other) in others {
        for key in keys {
            let (mine, theirs, name) = match key {
                DedupeKey::Email => (&me.email, &other.email, "email"),
                DedupeKey::Phone => (&me.phone, &other.phone, "phone"),
            };
            if let (Some(a), Some(b)) = (mine, theirs) {
                if a == b {
                    return (name.to_string(), a.clone());
                }
            }
        }
    }
    (String::new(), String::new())
}

fn parse(ledger: &Ledger, row: u64, json: &str) -> Result<Contact, PipelineError> {
    serde_json::from_str(json).map_err(|source| {
        PipelineError::Ledger(LedgerError::Payload {
            path: ledger.path().to_path_buf(),
            row,
            source,
        })
    })
}
