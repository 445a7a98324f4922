//! Dedupe's groups: keys, digests and the union-find against a brute-force closure (shared
//! phones merging, as before issue 21). The rule that a shared phone never makes two people one
//! is in `shared_phone_tests.rs`.

use super::*;

fn both() -> Deduper {
    Deduper::new(&[DedupeKey::Email, DedupeKey::Phone], SharedPhone::Merge)
}

/// Issue 20: resolving holds two of these per row (each member's own and its set's), so their
/// size is most of the dedupe index's memory.
#[test]
fn a_person_packs_into_24_bytes() {
    assert!(std::mem::size_of::<union::Person>() <= 24);
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
    assert_eq!(d.resolve().groups, vec![vec![2, 8], vec![3, 5, 7]]);
}

#[test]
fn keys_are_chosen_and_kinds_kept_apart() {
    let mut d = Deduper::new(&[DedupeKey::Email], SharedPhone::Merge);
    d.add(1, Some("a@x.co"), Some("+1"));
    d.add(2, Some("b@x.co"), Some("+1"));
    assert!(d.resolve().groups.is_empty());
    let mut d = Deduper::new(&[], SharedPhone::Merge);
    d.add(1, Some("a@x.co"), None);
    d.add(2, Some("a@x.co"), None);
    assert!(d.resolve().groups.is_empty());
    // An email that reads like a phone does not match the phone.
    let mut d = both();
    d.add(1, Some("+1"), None);
    d.add(2, None, Some("+1"));
    assert!(d.resolve().groups.is_empty());
}

#[test]
fn short_and_long_keys_digest_like_a_streaming_hasher() {
    for value in [
        "a@x.co",
        &"x".repeat(255),
        &"y".repeat(256),
        &"z".repeat(5000),
    ] {
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"e");
        hasher.update(value.as_bytes());
        let mut first = [0u8; 16];
        first.copy_from_slice(&hasher.finalize().as_bytes()[..16]);
        assert_eq!(key_digest(b'e', value), u128::from_le_bytes(first));
    }
}

#[test]
fn digests_follow_the_keys_in_use() {
    let only_phone =
        KeyDigests::from_parts(&[DedupeKey::Phone], None, Some("a@x.co"), Some("+1"), None);
    assert_eq!(only_phone.email, None);
    assert_eq!(only_phone.phone, Some(key_digest(b'p', "+1")));
    assert_eq!(
        KeyDigests::from_parts(&[DedupeKey::Email], None, Some(""), None, None),
        KeyDigests::default()
    );
}

#[test]
fn groups_are_ordered_by_survivor_whatever_order_they_open_in() {
    let mut d = both();
    d.add(1, Some("a@x.co"), None);
    d.add(2, Some("b@x.co"), None);
    d.add(3, Some("b@x.co"), None); // the group of 2 opens first
    d.add(4, Some("a@x.co"), None);
    d.add(5, Some("c@x.co"), Some("+7"));
    d.add(6, Some("d@x.co"), Some("+7"));
    d.add(7, Some("d@x.co"), None);
    assert_eq!(
        d.resolve().groups,
        vec![vec![1, 4], vec![2, 3], vec![5, 6, 7]]
    );
}

/// Groups by brute force: flood-fill over "shares a used key", rows in file order.
fn reference(rows: &[(Option<String>, Option<String>)], keys: &[DedupeKey]) -> Vec<Vec<u64>> {
    let shares = |a: usize, b: usize| {
        let same = |x: &Option<String>, y: &Option<String>| x.is_some() && x == y;
        (keys.contains(&DedupeKey::Email) && same(&rows[a].0, &rows[b].0))
            || (keys.contains(&DedupeKey::Phone) && same(&rows[a].1, &rows[b].1))
    };
    let mut seen = vec![false; rows.len()];
    let mut groups = Vec::new();
    for start in 0..rows.len() {
        if seen[start] {
            continue;
        }
        let (mut group, mut todo) = (vec![start], vec![start]);
        seen[start] = true;
        while let Some(a) = todo.pop() {
            let joined: Vec<usize> = (0..rows.len())
                .filter(|&b| !seen[b] && shares(a, b))
                .collect();
            for b in joined {
                seen[b] = true;
                group.push(b);
                todo.push(b);
            }
        }
        if group.len() > 1 {
            group.sort_unstable();
            groups.push(group.into_iter().map(|i| i as u64 + 1).collect());
        }
    }
    groups
}

proptest::proptest! {
    #[test]
    fn groups_match_a_brute_force_closure(
        rows in proptest::collection::vec(
            (proptest::option::of(0u8..12), proptest::option::of(0u8..12)),
            0..80,
        ),
        which in 0usize..3,
    ) {
        let keys = [
            vec![DedupeKey::Email, DedupeKey::Phone],
            vec![DedupeKey::Email],
            vec![DedupeKey::Phone],
        ][which].clone();
        let rows: Vec<(Option<String>, Option<String>)> = rows
            .into_iter()
            .map(|(e, p)| (e.map(|e| format!("{e}@x.co")), p.map(|p| format!("+{p}"))))
            .collect();
        let mut d = Deduper::new(&keys, SharedPhone::Merge);
        for (i, (e, p)) in rows.iter().enumerate() {
            d.add(i as u64 + 1, e.as_deref(), p.as_deref());
        }
        proptest::prop_assert_eq!(d.resolve().groups, reference(&rows, &keys));
    }
}

#[test]
fn late_bridge_merges_two_groups_under_the_earliest() {
    let mut d = both();
    d.add(10, Some("a@x.co"), None);
    d.add(11, Some("a@x.co"), None);
    d.add(4, None, Some("+5")); // rows need not be consecutive numbers
    d.add(12, None, Some("+5"));
    d.add(13, Some("a@x.co"), Some("+5"));
    assert_eq!(d.resolve().groups, vec![vec![10, 11, 4, 12, 13]]);
}
