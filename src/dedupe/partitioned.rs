//! Dedupe in partitions (`import --location-column`: the location each row goes to): rows of
//! two partitions are never one person, whatever keys they share, and each partition's rows
//! are resolved by a [`Deduper`] of their own, so they group exactly as they would in a file
//! holding them alone (one deduper's answer may depend on every row it holds: a conflict
//! anywhere can make it group again without the rows it left out).

use std::collections::HashMap;

use super::{Deduper, KeyDigests, Resolution};
use crate::mapping::{DedupeKey, SharedPhone};

/// One [`Deduper`] per partition; rows without a partition share one.
#[derive(Debug, Default)]
pub struct Partitioned {
    keys: Vec<DedupeKey>,
    shared_phone: SharedPhone,
    /// The rows without a partition (a file going to one location).
    unpartitioned: Option<Deduper>,
    partitions: HashMap<String, Deduper>,
}

impl Partitioned {
    /// A deduper over these keys (see [`Deduper::new`]).
    pub fn new(keys: &[DedupeKey], shared_phone: SharedPhone) -> Partitioned {
        Partitioned {
            keys: keys.to_vec(),
            shared_phone,
            ..Partitioned::default()
        }
    }

    /// Adds one valid row of `partition` (`None`: the file has none). Rows must come in file
    /// order.
    pub fn add_digests(&mut self, partition: Option<&str>, row: u64, digests: KeyDigests) {
        let (keys, policy) = (&self.keys, self.shared_phone);
        let deduper = match partition {
            None => self
                .unpartitioned
                .get_or_insert_with(|| Deduper::new(keys, policy)),
            Some(name) => {
                if !self.partitions.contains_key(name) {
                    self.partitions
                        .insert(name.to_string(), Deduper::new(keys, policy));
                }
                self.partitions.get_mut(name).expect("inserted above")
            }
        };
        deduper.add_digests(row, digests);
    }

    /// Every partition's groups and conflicts, as one answer: groups ordered by their
    /// survivor, conflicts in file order.
    pub fn resolve(self) -> Resolution {
        let mut all = Resolution::default();
        for deduper in self
            .unpartitioned
            .into_iter()
            .chain(self.partitions.into_values())
        {
            let one = deduper.resolve();
            all.groups.extend(one.groups);
            all.conflicts.extend(one.conflicts);
        }
        all.groups.sort_unstable_by_key(|group| group[0]);
        all.conflicts.sort_unstable_by_key(|conflict| conflict.row);
        all
    }
}
