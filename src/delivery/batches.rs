//! Bulk calls shared by many rows: tags added, tags removed (`POST /contacts/bulk/tags/update/
//! {add|remove}`) and businesses set (`POST /contacts/bulk/business`). Rows wait in groups of
//! the same request; a group is sent when it is full, when no more contacts are coming (every
//! row's contact is resolved), or as a safety valve when too many rows or too old ones wait.
//!
//! On those partial flushes, each kind of tag change goes out either grouped by identical tag
//! set or one request per tag, whichever takes fewer requests: a file where every row has its
//! own mix of a few tags costs one call per tag instead of one per mix.

use std::collections::{BTreeMap, BTreeSet};
use tokio::time::{Duration, Instant};

/// What one bulk request does; rows waiting for the same key share a request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum BatchKey {
    /// Add these tags (sorted).
    Add(Vec<String>),
    /// Remove these tags (sorted).
    Remove(Vec<String>),
    /// Attach to this business.
    Business(String),
}

/// A row in a batch: (row, contact id).
pub(crate) type Member = (u64, String);

/// A batch ready to send.
pub(crate) type Ready = (BatchKey, Vec<Member>);

/// Rows waiting for bulk requests.
#[derive(Debug, Default)]
pub(crate) struct Batches {
    groups: BTreeMap<BatchKey, Vec<Member>>,
    waiting: usize,
    oldest: Option<Instant>,
}

impl Batches {
    /// Adds a row to the group of `key`; returns the group when it reached `size`.
    pub(crate) fn add(&mut self, key: BatchKey, member: Member, size: usize) -> Option<Ready> {
        self.oldest.get_or_insert_with(Instant::now);
        let group = self.groups.entry(key.clone()).or_default();
        group.push(member);
        self.waiting += 1;
        if group.len() < size.max(1) {
            return None;
        }
        let members = self.groups.remove(&key)?;
        self.waiting -= members.len();
        if self.groups.is_empty() {
            self.oldest = None;
        }
        Some((key, members))
    }

    /// Whether no row is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// When the safety valve opens if nothing else happens first.
    pub(crate) fn deadline(&self, after: Duration) -> Option<Instant> {
        self.oldest.map(|t| t + after)
    }

    /// The safety valve: a row has waited `after`, or `cap` rows wait (memory, and results
    /// not yet in the ledger).
    pub(crate) fn overdue(&self, after: Duration, cap: usize) -> bool {
        self.waiting >= cap || self.oldest.is_some_and(|t| t.elapsed() >= after)
    }

    /// Empties every group into requests of at most `size` contacts, with the cheaper of the
    /// two tag groupings. Each member appears once per original group it was in, or once per
    /// tag when split by tag: the caller adjusts what the rows wait for from the two counts
    /// (memberships removed, memberships sent).
    pub(crate) fn drain(&mut self, size: usize) -> (Vec<u64>, Vec<Ready>) {
        let size = size.max(1);
        let groups = std::mem::take(&mut self.groups);
        self.waiting = 0;
        self.oldest = None;
        let removed: Vec<u64> = groups
            .values()
            .flat_map(|m| m.iter().map(|(row, _)| *row))
            .collect();
        let (mut adds, mut removes, mut others) = (Vec::new(), Vec::new(), Vec::new());
        for (key, members) in groups {
            match key {
                BatchKey::Add(tags) => adds.push((tags, members)),
                BatchKey::Remove(tags) => removes.push((tags, members)),
                key => others.push((key, members)),
            }
        }
        let mut ready = Vec::new();
        for (key, members) in cheapest(adds, size, BatchKey::Add)
            .into_iter()
            .chain(cheapest(removes, size, BatchKey::Remove))
            .chain(others)
        {
            for chunk in members.chunks(size) {
                ready.push((key.clone(), chunk.to_vec()));
            }
        }
        (removed, ready)
    }
}

/// By tag set as grouped, or regrouped one tag at a time, whichever needs fewer requests.
fn cheapest(
    groups: Vec<(Vec<String>, Vec<Member>)>,
    size: usize,
    key: fn(Vec<String>) -> BatchKey,
) -> Vec<(BatchKey, Vec<Member>)> {
    let requests = |n: usize| n.div_ceil(size);
    let by_set: usize = groups.iter().map(|(_, m)| requests(m.len())).sum();
    let mut by_tag: BTreeMap<&str, BTreeSet<&Member>> = BTreeMap::new();
    for (tags, members) in &groups {
        for tag in tags {
            by_tag.entry(tag).or_default().extend(members.iter());
        }
    }
    let per_tag: usize = by_tag.values().map(|m| requests(m.len())).sum();
    if per_tag < by_set {
        return by_tag
            .into_iter()
            .map(|(tag, members)| {
                (
                    key(vec![tag.to_string()]),
                    members.into_iter().cloned().collect(),
                )
            })
            .collect();
    }
    groups
        .into_iter()
        .map(|(tags, members)| (key(tags), members))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|t| t.to_string()).collect()
    }

    #[test]
    fn a_full_group_leaves_at_once() {
        let mut batches = Batches::default();
        let key = BatchKey::Add(tags(&["vip"]));
        assert!(batches.add(key.clone(), (1, "a".into()), 2).is_none());
        let (sent, members) = batches.add(key.clone(), (2, "b".into()), 2).unwrap();
        assert_eq!(sent, key);
        assert_eq!(members.len(), 2);
        assert!(batches.is_empty());
        assert!(!batches.overdue(Duration::from_secs(1), 10));
    }

    #[test]
    fn mixed_tag_sets_are_sent_one_tag_at_a_time_when_cheaper() {
        let mut batches = Batches::default();
        let sets = [
            &["imported", "vip"][..],
            &["expo", "imported"],
            &["imported", "trial"],
            &["expo", "imported", "vip"],
            &["imported"],
        ];
        for (i, set) in sets.iter().enumerate() {
            batches.add(BatchKey::Add(tags(set)), (i as u64, format!("c{i}")), 100);
        }
        batches.add(BatchKey::Business("b1".into()), (9, "c9".into()), 100);
        let (removed, ready) = batches.drain(100);
        assert_eq!(removed.len(), 6);
        // Five sets would be five requests; four tags are four.
        let adds: Vec<_> = ready
            .iter()
            .filter(|(k, _)| matches!(k, BatchKey::Add(_)))
            .collect();
        assert_eq!(adds.len(), 4);
        let imported = adds
            .iter()
            .find(|(k, _)| *k == BatchKey::Add(tags(&["imported"])))
            .unwrap();
        assert_eq!(imported.1.len(), 5);
        assert!(ready
            .iter()
            .any(|(k, _)| *k == BatchKey::Business("b1".into())));
        assert!(batches.is_empty());
    }

    #[test]
    fn one_shared_set_stays_one_request_per_batch() {
        let mut batches = Batches::default();
        for i in 0..150u64 {
            if let Some((_, m)) = batches.add(
                BatchKey::Remove(tags(&["lead", "old"])),
                (i, format!("c{i}")),
                100,
            ) {
                assert_eq!(m.len(), 100);
            }
        }
        let (removed, ready) = batches.drain(100);
        assert_eq!(removed.len(), 50);
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].0, BatchKey::Remove(tags(&["lead", "old"])));
    }
}
