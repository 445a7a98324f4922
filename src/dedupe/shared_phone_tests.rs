//! The rule that a shared phone never makes two people one (issue 21): colleagues behind one
//! switchboard, rows that are ambiguous, contact ids, and locations resolved as if alone.

use super::*;

/// A row for the shared-phone tests: (email, phone, name, contact id).
type Row<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

fn resolve(policy: SharedPhone, rows: &[Row<'_>]) -> Resolution {
    let keys = [DedupeKey::Email, DedupeKey::Phone];
    let mut d = Deduper::new(&keys, policy);
    for (i, (email, phone, name, id)) in rows.iter().enumerate() {
        let folded = name.and_then(|n| folded_name(None, None, Some(n)));
        let digests = KeyDigests::from_parts(&keys, *id, *email, *phone, folded.as_deref());
        d.add_digests(i as u64 + 1, digests);
    }
    d.resolve()
}

fn conflict(row: u64, kind: ConflictKind, holder: u64, on_phone: bool) -> Conflict {
    Conflict {
        row,
        kind,
        holder,
        on_phone,
    }
}

const P: Option<&str> = Some("+13035550100");

/// Found by `no_group_ever_holds_two_people`: two emails joined only through two rows naming
/// one contact id, rows that are then rejected (their phone belongs to another contact id),
/// must not stay one group: nothing left says they are one person.
#[test]
fn rows_joined_only_through_rejected_rows_are_apart_again() {
    let r = resolve(
        SharedPhone::Reject,
        &[
            (None, Some("+11"), None, Some("id2")),
            (Some("b@x.co"), Some("+11"), None, Some("id1")),
            (Some("b@x.co"), None, None, None),
            (Some("a@x.co"), None, None, None),
            (Some("a@x.co"), Some("+11"), None, Some("id1")),
        ],
    );
    assert!(r.groups.is_empty(), "{:?}", r.groups);
    let rejected: Vec<u64> = r.conflicts.iter().map(|c| c.row).collect();
    assert_eq!(rejected, vec![2, 5]);
}

#[test]
fn colleagues_behind_one_switchboard_stay_three_people() {
    let rows = [
        (Some("alice@acme-corp.com"), P, Some("Alice"), None),
        (Some("bob@acme-corp.com"), P, Some("Bob"), None),
        (Some("carol@acme-corp.com"), P, Some("Carol"), None),
    ];
    let r = resolve(SharedPhone::Reject, &rows);
    assert!(r.groups.is_empty());
    let shared = ConflictKind::PhoneShared;
    assert_eq!(
        r.conflicts,
        vec![conflict(2, shared, 1, true), conflict(3, shared, 1, true)]
    );
    // drop_phone names the same rows (the caller keeps them, without the phone).
    assert_eq!(
        resolve(SharedPhone::DropPhone, &rows).conflicts,
        r.conflicts
    );
    // merge is the old behaviour.
    let merged = resolve(SharedPhone::Merge, &rows);
    assert_eq!(merged.groups, vec![vec![1, 2, 3]]);
    assert!(merged.conflicts.is_empty());
}

#[test]
fn genuine_duplicates_still_merge_by_phone() {
    // One row without an email; two emails of one person (same name, folded).
    let rows = [
        (Some("ann@home.example"), P, Some("Ann Lée"), None),
        (None, P, Some("Someone"), None),
        (Some("ann.lee@work.example"), P, Some("ann  lee"), None),
    ];
    let r = resolve(SharedPhone::Reject, &rows);
    assert_eq!(r.groups, vec![vec![1, 2, 3]]);
    assert!(r.conflicts.is_empty());
}

#[test]
fn a_row_without_email_between_two_people_is_ambiguous() {
    // The anonymous row comes first, then two people: it could be either.
    let rows = [
        (None, P, None, None),
        (Some("alice@acme-corp.com"), P, Some("Alice"), None),
        (Some("bob@acme-corp.com"), P, Some("Bob"), None),
        (Some("alice@acme-corp.com"), None, None, None),
    ];
    let r = resolve(SharedPhone::Reject, &rows);
    assert_eq!(r.groups, vec![vec![2, 4]]);
    let shared = ConflictKind::PhoneShared;
    assert_eq!(
        r.conflicts,
        vec![conflict(1, shared, 2, true), conflict(3, shared, 2, true)]
    );
    // Without the phone the anonymous row has nothing left: drop_phone cannot keep it either.
    let dropped = resolve(SharedPhone::DropPhone, &rows);
    assert_eq!(dropped.groups, r.groups);
    assert_eq!(dropped.conflicts, r.conflicts);
}

#[test]
fn a_group_joined_by_email_keeps_its_names_against_a_phone() {
    // Rows 1 and 2 share an email under two names: no other email may join them by phone.
    let rows = [
        (Some("a@x.co"), None, Some("Ann"), None),
        (Some("a@x.co"), P, Some("Annie"), None),
        (Some("b@x.co"), P, Some("Ann"), None),
    ];
    let r = resolve(SharedPhone::Reject, &rows);
    assert_eq!(r.groups, vec![vec![1, 2]]);
    assert_eq!(
        r.conflicts,
        vec![conflict(3, ConflictKind::PhoneShared, 2, true)]
    );
}

#[test]
fn equal_ids_merge_first_and_different_ids_never() {
    let rows = [
        (Some("a@x.co"), None, Some("Ann"), Some("id1")),
        (Some("new@x.co"), None, Some("Ann"), Some("id1")),
        (Some("a@x.co"), None, None, Some("id2")),
        (Some("c@x.co"), P, Some("Cy"), Some("id3")),
        (Some("d@x.co"), P, Some("Cy"), Some("id4")),
        (Some("a@x.co"), None, None, None),
    ];
    for policy in [
        SharedPhone::Reject,
        SharedPhone::DropPhone,
        SharedPhone::Merge,
    ] {
        let r = resolve(policy, &rows);
        assert_eq!(r.groups, vec![vec![1, 2, 6]], "{policy:?}");
        let identity = ConflictKind::IdentityConflict;
        assert_eq!(
            r.conflicts,
            vec![
                conflict(3, identity, 1, false),
                conflict(5, identity, 4, true)
            ],
            "{policy:?}"
        );
    }
}

#[test]
fn keys_not_in_use_do_not_merge_but_ids_always_do() {
    let keys = [DedupeKey::Email];
    let mut d = Deduper::new(&keys, SharedPhone::Reject);
    d.add_digests(1, KeyDigests::from_parts(&keys, Some("x"), None, P, None));
    d.add_digests(
        2,
        KeyDigests::from_parts(&keys, Some("x"), None, None, None),
    );
    d.add_digests(
        3,
        KeyDigests::from_parts(&keys, None, Some("b@x.co"), P, None),
    );
    let r = d.resolve();
    assert_eq!(r.groups, vec![vec![1, 2]]);
    assert!(r.conflicts.is_empty());
}

proptest::proptest! {
    /// Issue 21.1: whatever the rows, no group holds two different emails under different
    /// names (or without one) unless a contact id joins them, no group holds two contact ids,
    /// and no row is both in a group and kept out of it.
    #[test]
    fn no_group_ever_holds_two_people(
        rows in proptest::collection::vec(
            (
                proptest::option::of(0u8..6),
                proptest::option::of(0u8..4),
                proptest::option::of(0u8..3),
                proptest::option::of(0u8..3),
            ),
            0..60,
        ),
        drop_phone in proptest::bool::ANY,
    ) {
        let policy = if drop_phone { SharedPhone::DropPhone } else { SharedPhone::Reject };
        let text: Vec<[Option<String>; 4]> = rows
            .iter()
            .map(|(e, p, n, i)| [
                e.map(|e| format!("{e}@x.co")),
                p.map(|p| format!("+1{p}")),
                n.map(|n| ["Ann", "Bob", "Cy"][n as usize].to_string()),
                i.map(|i| format!("id{i}")),
            ])
            .collect();
        let borrowed: Vec<Row<'_>> = text
            .iter()
            .map(|[e, p, n, i]| (e.as_deref(), p.as_deref(), n.as_deref(), i.as_deref()))
            .collect();
        let r = resolve(policy, &borrowed);
        let at = |row: u64| {
            let [e, p, n, i] = &text[row as usize - 1];
            (e, p, n, i)
        };
        for group in &r.groups {
            // Rows naming one contact id are that contact whatever their emails say: the
            // names rule is for rows that do not.
            let by_id = group.iter().any(|&row| at(row).3.is_some());
            for (i, &a) in group.iter().enumerate() {
                for &b in &group[i + 1..] {
                    let (ea, _, na, ia) = at(a);
                    let (eb, _, nb, ib) = at(b);
                    if let (Some(ea), Some(eb), false) = (ea, eb, by_id) {
                        proptest::prop_assert!(
                            ea == eb || (na.is_some() && na == nb),
                            "rows {} and {} in {:?}", a, b, group
                        );
                    }
                    if let (Some(ia), Some(ib)) = (ia, ib) {
                        proptest::prop_assert_eq!(ia, ib);
                    }
                }
            }
        }
        for c in &r.conflicts {
            let kept = policy == SharedPhone::DropPhone
                && c.kind == ConflictKind::PhoneShared
                && (at(c.row).0.is_some() || at(c.row).3.is_some());
            if !kept {
                proptest::prop_assert!(r.groups.iter().all(|g| !g.contains(&c.row)));
            }
        }
    }
}

/// Rows of (partition, email, phone, name, id), resolved one deduper per partition.
fn resolve_partitioned(policy: SharedPhone, rows: &[(&str, Row<'_>)]) -> Resolution {
    let keys = [DedupeKey::Email, DedupeKey::Phone];
    let mut d = Partitioned::new(&keys, policy);
    for (i, (partition, (email, phone, name, id))) in rows.iter().enumerate() {
        let folded = name.and_then(|n| folded_name(None, None, Some(n)));
        let digests = KeyDigests::from_parts(&keys, *id, *email, *phone, folded.as_deref());
        let partition = (!partition.is_empty()).then_some(*partition);
        d.add_digests(partition, i as u64 + 1, digests);
    }
    d.resolve()
}

#[test]
fn equal_keys_in_two_partitions_are_two_people() {
    let a = Some("ann@x.co");
    let p = Some("+15550001");
    let r = resolve_partitioned(
        SharedPhone::Reject,
        &[
            ("L1", (a, None, None, None)),
            ("L2", (a, None, None, None)),
            ("L1", (a, None, None, None)),
            ("L2", (None, p, None, None)),
            ("L3", (None, p, None, Some("id1"))),
            ("L2", (None, p, None, None)),
        ],
    );
    assert_eq!(r.groups, vec![vec![1, 3], vec![4, 6]]);
    assert!(r.conflicts.is_empty(), "{:?}", r.conflicts);
    // Without partitions, the same rows are one deduper's, as before.
    let none: Vec<(&str, Row<'_>)> = vec![("", (a, None, None, None)), ("", (a, None, None, None))];
    assert_eq!(
        resolve_partitioned(SharedPhone::Reject, &none).groups,
        vec![vec![1, 2]]
    );
}

proptest::proptest! {
    /// Each partition resolves exactly as a file of its rows alone would (the same groups and
    /// conflicts, numbered as in the whole file), and nothing spans two partitions.
    #[test]
    fn partitions_resolve_as_if_each_were_alone(
        rows in proptest::collection::vec(
            (
                0u8..3,
                proptest::option::of(0u8..4),
                proptest::option::of(0u8..3),
                proptest::option::of(0u8..3),
                proptest::option::of(0u8..2),
            ),
            0..50,
        ),
        drop_phone in proptest::bool::ANY,
    ) {
        let policy = if drop_phone { SharedPhone::DropPhone } else { SharedPhone::Reject };
        let text: Vec<(String, [Option<String>; 4])> = rows
            .iter()
            .map(|(l, e, p, n, i)| (format!("L{l}"), [
                e.map(|e| format!("{e}@x.co")),
                p.map(|p| format!("+1{p}")),
                n.map(|n| ["Ann", "Bob", "Cy"][n as usize].to_string()),
                i.map(|i| format!("id{i}")),
            ]))
            .collect();
        let borrowed: Vec<(&str, Row<'_>)> = text
            .iter()
            .map(|(l, [e, p, n, i])| {
                (l.as_str(), (e.as_deref(), p.as_deref(), n.as_deref(), i.as_deref()))
            })
            .collect();
        let all = resolve_partitioned(policy, &borrowed);
        let partition_of = |row: u64| borrowed[row as usize - 1].0;
        for group in &all.groups {
            proptest::prop_assert!(group.iter().all(|&r| partition_of(r) == partition_of(group[0])));
        }
        for c in &all.conflicts {
            proptest::prop_assert_eq!(partition_of(c.row), partition_of(c.holder));
        }
        let mut groups: Vec<Vec<u64>> = Vec::new();
        let mut conflicts: Vec<Conflict> = Vec::new();
        for partition in ["L0", "L1", "L2"] {
            // The partition's rows alone, numbered as in the whole file.
            let numbers: Vec<u64> = (1..=borrowed.len() as u64)
                .filter(|&n| partition_of(n) == partition)
                .collect();
            let alone: Vec<Row<'_>> = numbers.iter().map(|&n| borrowed[n as usize - 1].1).collect();
            let r = resolve(policy, &alone);
            let at = |n: u64| numbers[n as usize - 1];
            groups.extend(r.groups.iter().map(|g| g.iter().map(|&n| at(n)).collect::<Vec<_>>()));
            conflicts.extend(r.conflicts.iter().map(|c| Conflict {
                row: at(c.row),
                holder: at(c.holder),
                ..*c
            }));
        }
        groups.sort_unstable_by_key(|g| g[0]);
        conflicts.sort_unstable_by_key(|c| c.row);
        proptest::prop_assert_eq!(&all.groups, &groups);
        proptest::prop_assert_eq!(&all.conflicts, &conflicts);
    }
}
