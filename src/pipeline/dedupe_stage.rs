//! Writes dedupe's groups back to the ledger: each group's payloads are read, merged in file
//! order (`Contact::merge_from`) and written to the survivor; the other rows become `merged`.
//! Groups are handled in batches of about `BATCH_ROWS` member rows, one transaction each, so
//! memory holds one batch of payloads. Within a batch the ledger is read, and then written, in
//! ascending row order: neighbouring members share B-tree pages instead of each costing a
//! random page read.

use crate::contact::Contact;
use crate::ledger::{Ledger, MergedGroup};
use crate::mapping::DedupeKey;

use super::PipelineError;

/// Member rows per batch (whole groups: a larger group makes a larger batch).
const BATCH_ROWS: usize = 4096;

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
    merge_in_batches(ledger, &groups, keys, BATCH_ROWS)
}

fn merge_in_batches(
    ledger: &mut Ledger,
    groups: &[Vec<u64>],
    keys: &[DedupeKey],
    batch_rows: usize,
) -> Result<DedupeStats, PipelineError> {
    let mut stats = DedupeStats::default();
    let mut rest = groups;
    while !rest.is_empty() {
        let (batch, after) = rest.split_at(batch_len(rest, batch_rows));
        rest = after;
        let mut wanted: Vec<u64> = batch.iter().flatten().copied().collect();
        wanted.sort_unstable();
        // Sorted by row, so a member's payload is found by binary search.
        let mut payloads = ledger.payloads(&wanted)?;
        // Each row is in one group only: its contact is taken, not copied.
        let mut take = |row: u64| {
            payloads
                .binary_search_by_key(&row, |(r, _)| *r)
                .ok()
                .map(|i| std::mem::take(&mut payloads[i].1))
        };
        let mut merged = Vec::with_capacity(batch.len());
        for group in batch {
            // Rows without a pending payload (none in practice) take no part, as before.
            let members: Vec<(u64, Contact)> = group
                .iter()
                .filter_map(|&row| take(row).map(|c| (row, c)))
                .collect();
            if let Some(g) = merge_group(members.into_iter(), keys) {
                stats.groups += 1;
                stats.merged_rows += g.merged.len() as u64;
                merged.push(g);
            }
        }
        ledger.apply_merges(&merged)?;
    }
    Ok(stats)
}

/// How many groups from the front of `groups` make the next batch of at most `batch_rows`
/// rows (at least one group, however large).
fn batch_len(groups: &[Vec<u64>], batch_rows: usize) -> usize {
    let mut rows = 0;
    groups
        .iter()
        .position(|g| {
            rows += g.len();
            rows > batch_rows
        })
        .unwrap_or(groups.len())
        .max(1)
}

/// Merges one group's members (in file order, with their payloads): the first survives and
/// gets the merged payload. `None` when no member has a payload.
fn merge_group(
    mut members: impl Iterator<Item = (u64, Contact)>,
    keys: &[DedupeKey],
) -> Option<MergedGroup> {
    let (survivor, first) = members.next()?;
    let mut identities = vec![(
        survivor,
        first.id.clone(),
        first.std.email.clone(),
        first.std.phone.clone(),
    )];
    let mut contact = first;
    for (row, other) in members {
        identities.push((
            row,
            other.id.clone(),
            other.std.email.clone(),
            other.std.phone.clone(),
        ));
        contact.merge_owned(other);
    }
    let merged = (1..identities.len())
        .map(|at| {
            let (key, value) = shared_key(&identities, at, keys);
            (identities[at].0, key, value)
        })
        .collect();
    Some(MergedGroup {
        survivor,
        // A Contact always serialises.
        payload_json: serde_json::to_string(&contact).unwrap_or_default(),
        merged,
    })
}

/// A member's row, contact id, email and phone.
type Identity = (u64, Option<String>, Option<String>, Option<String>);

/// Which key ties member `at` to another member of its group (earlier members first, nearest
/// first), for duplicates.csv: the contact id first, then the keys in use. Dedupe's union
/// guarantees one exists.
fn shared_key(members: &[Identity], at: usize, keys: &[DedupeKey]) -> (String, String) {
    let (_, my_id, my_email, my_phone) = &members[at];
    let others = members[..at].iter().rev().chain(&members[at + 1..]);
    for (_, id, email, phone) in others {
        let mut candidates = vec![(my_id, id, "id")];
        for key in keys {
            candidates.push(match key {
                DedupeKey::Email => (my_email, email, "email"),
                DedupeKey::Phone => (my_phone, phone, "phone"),
            });
        }
        for (mine, theirs, name) in candidates {
            if let (Some(a), Some(b)) = (mine, theirs) {
                if a == b {
                    return (name.to_string(), a.clone());
                }
            }
        }
    }
    (String::new(), String::new())
}

#[cfg(test)]
mod tests;
