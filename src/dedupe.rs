//! Dedupe: rows that share a normalised email or a normalised phone (the mapping's `[dedupe]
//! keys` choose which), transitively, are one person. Union-find over compact keys: each key is
//! held as a 128-bit blake3 digest, not the text, so a million rows cost tens of megabytes; at
//! 2^-128 per pair a collision is not a practical concern. Payloads stay in the ledger; the
//! caller merges them group by group (`Contact::merge_from`: first non-empty value per field in
//! file order, union of tags and custom fields, each row's distinct notes kept as separate
//! notes).

use std::collections::HashMap;

use crate::mapping::DedupeKey;

/// Collects identity keys row by row (in file order) and returns the groups.
#[derive(Debug, Default)]
pub struct Deduper {
    use_email: bool,
    use_phone: bool,
    index: HashMap<u128, u32>,
    parent: Vec<u32>,
    rows: Vec<u64>,
}

impl Deduper {
    /// A deduper over these keys; no keys means every row stands alone.
    pub fn new(keys: &[DedupeKey]) -> Deduper {
        Deduper {
            use_email: keys.contains(&DedupeKey::Email),
            use_phone: keys.contains(&DedupeKey::Phone),
            ..Deduper::default()
        }
    }

    /// Adds one valid row. Rows must come in file order: the earliest row of a group survives.
    pub fn add(&mut self, row: u64, email: Option<&str>, phone: Option<&str>) {
        let me = self.parent.len() as u32;
        self.parent.push(me);
        self.rows.push(row);
        let keys = [(self.use_email, b'e', email), (self.use_phone, b'p', phone)];
        for (used, kind, value) in keys {
            let Some(value) = value.filter(|v| used && !v.is_empty()) else {
                continue;
            };
            let digest = key_digest(kind, value);
            match self.index.get(&digest) {
                Some(&other) => self.union(me, other),
                None => {
                    self.index.insert(digest, me);
                }
            }
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            // Path halving keeps trees flat without recursion.
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller index (earlier row) is the root: it survives.
            let (root, child) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[child as usize] = root;
        }
    }

    /// The groups of two or more rows, each in file order (the first is the survivor), ordered
    /// by their survivor.
    pub fn groups(mut self) -> Vec<Vec<u64>> {
        self.index = HashMap::new();
        let mut by_root: HashMap<u32, Vec<u64>> = HashMap::new();
        for i in 0..self.parent.len() as u32 {
            let root = self.find(i);
            if root != i {
                by_root
                    .entry(root)
                    .or_insert_with(|| vec![self.rows[root as usize]])
                    .push(self.rows[i as usize]);
            }
        }
        let mut groups: Vec<Vec<u64>> = by_root.into_values().collect();
        groups.sort_unstable_by_key(|g| g[0]);
        groups
    }
}

fn key_digest(kind: u8, value: &str) -> u128 {
    let mut hasher = blake3::Hasher::new();
    hasher.update(&[kind]);
    hasher.update(value.as_bytes());
    let bytes = hasher.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&bytes.as_bytes()[..16]);
    u128::from_le_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both() -> Deduper {
        Deduper::new(&[DedupeKey::Email, DedupeKey::Phone])
    }

    #[test]
    fn transitive_groups_survivor_first() {
        let mut d = both();
        d.add(2, Some("a@x.co"), None);
        d.add(3, Some("b@x.co"), Some("+1"));
        d.add(5, Some("c@x.co"), Some("+2"));
        d.add(7, Some("b@x.co"), Some("+2")); // joins 3 and 5
        d.add(8, Some("a@x.co"), Some("+3")); // joins 2
        d.add(9, None, Some("+9"));
        assert_eq!(d.groups(), vec![vec![2, 8], vec![3, 5, 7]]);
    }

    #[test]
    fn keys_are_chosen_and_kinds_kept_apart() {
        let mut d = Deduper::new(&[DedupeKey::Email]);
        d.add(1, Some("a@x.co"), Some("+1"));
        d.add(2, Some("b@x.co"), Some("+1"));
        assert!(d.groups().is_empty());
        let mut d = Deduper::new(&[]);
        d.add(1, Some("a@x.co"), None);
        d.add(2, Some("a@x.co"), None);
        assert!(d.groups().is_empty());
        // An email that reads like a phone does not match the phone.
        let mut d = both();
        d.add(1, Some("+1"), None);
        d.add(2, None, Some("+1"));
        assert!(d.groups().is_empty());
    }

    #[test]
    fn late_bridge_merges_two_groups_under_the_earliest() {
        let mut d = both();
        d.add(10, Some("a@x.co"), None);
        d.add(11, Some("a@x.co"), None);
        d.add(4, None, Some("+5")); // rows need not be consecutive numbers
        d.add(12, None, Some("+5"));
        d.add(13, Some("a@x.co"), Some("+5"));
        assert_eq!(d.groups(), vec![vec![10, 11, 4, 12, 13]]);
    }
}
