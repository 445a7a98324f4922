//! How many requests delivering the ledger's remaining rows will send: the counting half of
//! the import's estimate, pure over what the ledger holds. It is an honest floor, counted per row
//! still to deliver:
//!
//! - the contact: one upsert or create, two for `update-only` (lookup, then `PUT`) and for a
//!   row naming its contact id with an email or phone (search, then `PUT`); none for a
//!   row whose contact is unchanged (only its notes or task go out) or already resolved by an
//!   earlier attempt of a resumed run;
//! - bulk tag additions: one call per `tag_batch` rows sharing a tag set (none in `create`
//!   mode, where tags go inline). A contact that already has some of the tags forms a group of
//!   its own, which only the answers tell; removals (`[tags_remove]`) are sent only where the
//!   contact has the tag and are not counted;
//! - business joins: one call per `tag_batch` rows sharing a business;
//! - notes and the task: nothing for what the state store remembers unchanged, one `PUT` for a
//!   remembered task whose content changed and one more when its completion changed, one create
//!   for anything new; plus one read of the contact's notes or tasks when the contact is known
//!   to exist and something is not remembered. A contact the upsert finds existing (not known
//!   from the store) also has its lists read; that is not counted;
//! - the custom field definitions: one read when the mapping has custom fields;
//! - a row the server view decided (`view`): one create with its tags inline, an update's one
//!   write when a field differs (its missing tags join the bulk groups), nothing for an
//!   unchanged row or a conflict rejected or skipped (`--on-conflict update`: a blind row).
//!
//! Retries, and 429s from a server that counts differently, come on top. The requests sent
//! before the estimate (the probe that learns the limits, the custom field read) are not in it.

use super::row_share::{decided_count, row_count, RowCount, Shape};
use crate::delivery::{Mode, OnConflict};
use crate::ledger::{Action, Decision, Ledger, LedgerError};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

/// Rows read from the ledger at a time.
const PAGE: usize = 20_000;

/// The requests an import is about to send, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    /// Rows still to deliver.
    pub rows: u64,
    /// Upserts, creates, lookups and updates of contacts.
    pub contacts: u64,
    /// Bulk tag additions.
    pub tags: u64,
    /// Bulk business joins.
    pub business: u64,
    /// Notes to create.
    pub notes: u64,
    /// Tasks to create.
    pub task_creates: u64,
    /// Task updates and completions.
    pub task_updates: u64,
    /// Reads of a contact's notes or tasks.
    pub list_reads: u64,
    /// Reads of the custom field definitions.
    pub custom_fields: u64,
    /// Rows still to deliver by the server view's verdict (none for a blind run).
    pub actions: std::collections::BTreeMap<String, u64>,
}

impl Breakdown {
    /// Every request counted.
    pub fn total(&self) -> u64 {
        self.contacts
            + self.tags
            + self.business
            + self.notes
            + self.task_creates
            + self.task_updates
            + self.list_reads
            + self.custom_fields
    }
}

/// What delivery settings the count depends on.
#[derive(Debug, Clone)]
pub struct Settings<'a> {
    pub mode: Mode,
    pub tag_batch: usize,
    /// The mapping's task rule (`delta::task_key`).
    pub task_key: &'a str,
    /// The mapping names custom fields.
    pub custom_fields: bool,
    /// What a row the view found in conflict becomes.
    pub on_conflict: OnConflict,
}

/// Bulk tag calls as the engine sends them (`delivery::batches`): by identical tag set, or one
/// tag at a time, whichever takes fewer requests. Regression: counting by tag set alone gave
/// 38 for the quick start, which sent 11.
fn tag_requests(sets: &HashMap<String, u64>, batch: u64) -> u64 {
    let by_set: u64 = sets.values().map(|n| n.div_ceil(batch)).sum();
    let mut per_tag: HashMap<&str, u64> = HashMap::new();
    for (set, rows) in sets {
        for tag in set.split('\u{1f}') {
            *per_tag.entry(tag).or_default() += rows;
        }
    }
    let by_tag: u64 = per_tag.values().map(|n| n.div_ceil(batch)).sum();
    by_set.min(by_tag)
}

/// Counts the requests delivering the ledger's remaining rows will send.
pub fn count(ledger: &Ledger, settings: &Settings<'_>) -> Result<Breakdown, LedgerError> {
    let mut total = Breakdown::default();
    let mut tag_groups: HashMap<String, u64> = HashMap::new();
    let mut business_groups: HashMap<String, u64> = HashMap::new();
    let mut after = 0;
    loop {
        let page = ledger.deliverable(after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.row;
        let numbers: Vec<u64> = page.iter().map(|r| r.row).collect();
        let contexts = ledger.followup_context(&numbers)?;
        // A page's decisions at a time (a million of them would not fit in memory), in one
        // statement; only an update's or an unchanged row's changes are read (`decided_count`).
        let first = page.first().map_or(0, |r| r.row);
        let wanted = |a: Action| matches!(a, Action::Update | Action::Unchanged);
        let decisions: HashMap<u64, Decision> = ledger
            .decisions_between(first, after, wanted)?
            .into_iter()
            .map(|d| (d.row, d))
            .collect();
        let counts: Vec<RowCount> = page
            .par_iter()
            .map(|r| {
                let shape: Shape = serde_json::from_str(&r.payload_json).unwrap_or_default();
                let resolved =
                    r.attempts > 0 && r.contact_id.is_some() && r.tags_before_json.is_some();
                let decision = decisions.get(&r.row).filter(|_| !resolved);
                match decision {
                    Some(d) => decided_count(&shape, d, contexts.get(&r.row), settings),
                    None => row_count(&shape, contexts.get(&r.row), resolved, settings),
                }
            })
            .collect();
        for r in &page {
            if let Some(d) = decisions.get(&r.row) {
                *total.actions.entry(d.action.to_string()).or_default() += 1;
            }
        }
        for c in counts {
            total.rows += 1;
            total.contacts += c.contacts;
            total.notes += c.notes;
            total.task_creates += c.task_creates;
            total.task_updates += c.task_updates;
            total.list_reads += c.list_reads;
            if let Some(set) = c.tag_set {
                *tag_groups.entry(set).or_default() += 1;
            }
            if let Some(business) = c.business {
                *business_groups.entry(business).or_default() += 1;
            }
        }
    }
    let batch = settings.tag_batch.max(1) as u64;
    total.tags = tag_requests(&tag_groups, batch);
    total.business = business_groups.values().map(|n| n.div_ceil(batch)).sum();
    total.custom_fields = u64::from(settings.custom_fields && total.rows > 0);
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_calls_are_counted_the_cheaper_way_as_the_engine_sends_them() {
        let sets = |pairs: &[(&str, u64)]| -> HashMap<String, u64> {
            pairs
                .iter()
                .map(|(s, n)| (s.replace('+', "\u{1f}"), *n))
                .collect()
        };
        // Small sets of the same few tags: one call per tag (2) beats one per set (3).
        let mixed = sets(&[("a", 3), ("b", 4), ("a+b", 5)]);
        assert_eq!(tag_requests(&mixed, 100), 2);
        // One big set: by set.
        assert_eq!(tag_requests(&sets(&[("a+b+c", 250)]), 100), 3);
    }
}
