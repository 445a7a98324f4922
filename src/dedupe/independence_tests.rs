//! What a deduper's answer may depend on. The file order decides one thing by design: who
//! holds a contested key first (the earlier row keeps it, and survives its group). Nothing
//! else may move the answer: rows of unrelated identities added anywhere in the file, the
//! labels (so the digests, so the sort order) of the keys, or, in a file with no conflict,
//! the order of the rows at all. And the answer is a fixed point: the rows it sends (the
//! rejected ones left out, the kept ones without their phone) resolve to the same groups
//! with nothing more to reject.

use proptest::strategy::{Just, Strategy};

use super::*;

/// A generated row: (email, phone, name, contact id) as small labels.
type Labels = (Option<u8>, Option<u8>, Option<u8>, Option<u8>);

/// One row's text; `space` keeps two sets of identities apart (no shared email, phone or id).
/// Names are not identity keys, so both spaces use the same three.
fn text_of(space: &str, (e, p, n, i): Labels) -> [Option<String>; 4] {
    [
        e.map(|e| format!("{e}@{space}.co")),
        p.map(|p| format!("+1{space}{p}")),
        n.map(|n| ["Ann", "Bob", "Cy"][n as usize].to_string()),
        i.map(|i| format!("{space}-id{i}")),
    ]
}

/// Resolves rows numbered from 1 in the order given.
fn resolve_text(policy: SharedPhone, rows: &[[Option<String>; 4]]) -> Resolution {
    let keys = [DedupeKey::Email, DedupeKey::Phone];
    let mut d = Deduper::new(&keys, policy);
    for (i, [e, p, n, id]) in rows.iter().enumerate() {
        let folded = n.as_deref().and_then(|n| folded_name(None, None, Some(n)));
        let digests = KeyDigests::from_parts(
            &keys,
            id.as_deref(),
            e.as_deref(),
            p.as_deref(),
            folded.as_deref(),
        );
        d.add_digests(i as u64 + 1, digests);
    }
    d.resolve()
}

/// `r` with each row number `n` replaced by `number(n)`, groups and conflicts re-sorted.
fn renumbered(r: &Resolution, number: impl Fn(u64) -> u64) -> Resolution {
    let mut groups: Vec<Vec<u64>> = r
        .groups
        .iter()
        .map(|g| g.iter().map(|&n| number(n)).collect())
        .collect();
    let mut conflicts: Vec<Conflict> = r
        .conflicts
        .iter()
        .map(|c| Conflict {
            row: number(c.row),
            holder: number(c.holder),
            ..*c
        })
        .collect();
    groups.sort_unstable_by_key(|g| g[0]);
    conflicts.sort_unstable_by_key(|c| c.row);
    Resolution { groups, conflicts }
}

/// `r` restricted to the rows `keep` says are in.
fn restricted(r: &Resolution, keep: impl Fn(u64) -> bool) -> Resolution {
    Resolution {
        groups: r.groups.iter().filter(|g| keep(g[0])).cloned().collect(),
        conflicts: r
            .conflicts
            .iter()
            .filter(|c| keep(c.row))
            .copied()
            .collect(),
    }
}

fn policy_of(which: u8) -> SharedPhone {
    [
        SharedPhone::Reject,
        SharedPhone::DropPhone,
        SharedPhone::Merge,
    ][which as usize % 3]
}

/// Interleaves `a` and `b` (each kept in its order): `picks[k]` says whether place `k` takes
/// from `a`; past the picks, what is left of `a` then of `b`. Returns, per place, (from a,
/// index in its list).
fn interleaving(a: usize, b: usize, picks: &[bool]) -> Vec<(bool, usize)> {
    let (mut i, mut j) = (0, 0);
    let mut order = Vec::with_capacity(a + b);
    for &pick in picks {
        if pick && i < a {
            order.push((true, i));
            i += 1;
        } else if j < b {
            order.push((false, j));
            j += 1;
        } else if i < a {
            order.push((true, i));
            i += 1;
        }
    }
    order.extend((i..a).map(|i| (true, i)));
    order.extend((j..b).map(|j| (false, j)));
    order
}

/// Checks that each of two disjoint sets of identities resolves in the interleaved file
/// exactly as it does alone (numbered as in the whole file), and that nothing spans the two.
fn check_disjoint(
    policy: SharedPhone,
    a: &[Labels],
    b: &[Labels],
    picks: &[bool],
) -> Result<(), String> {
    let order = interleaving(a.len(), b.len(), picks);
    let whole: Vec<[Option<String>; 4]> = order
        .iter()
        .map(|&(in_a, k)| {
            if in_a {
                text_of("a", a[k])
            } else {
                text_of("b", b[k])
            }
        })
        .collect();
    let all = resolve_text(policy, &whole);
    let in_a = |row: u64| order[row as usize - 1].0;
    for g in &all.groups {
        if !g.iter().all(|&r| in_a(r) == in_a(g[0])) {
            return Err(format!("group {g:?} spans both sets"));
        }
    }
    for c in &all.conflicts {
        if in_a(c.row) != in_a(c.holder) {
            return Err(format!("conflict {c:?} spans both sets"));
        }
    }
    for (side, rows, space) in [(true, a, "a"), (false, b, "b")] {
        let alone: Vec<[Option<String>; 4]> = rows.iter().map(|&r| text_of(space, r)).collect();
        // Row k + 1 of the set alone is its k-th row in the whole file.
        let numbers: Vec<u64> = (1..=order.len() as u64)
            .filter(|&n| in_a(n) == side)
            .collect();
        let expected = renumbered(&resolve_text(policy, &alone), |n| numbers[n as usize - 1]);
        let got = restricted(&all, |row| in_a(row) == side);
        if got != expected {
            return Err(format!(
                "set {space} alone: {expected:?}\nin the whole file: {got:?}"
            ));
        }
    }
    Ok(())
}

fn labels() -> impl Strategy<Value = Labels> {
    use proptest::option::of;
    (of(0u8..4), of(0u8..3), of(0u8..3), of(0u8..2))
}

proptest::proptest! {
    /// Rows of other identities (no email, phone or contact id in common), interleaved in any
    /// way, change nothing about a set of rows: its groups and conflicts are its own.
    #[test]
    fn unrelated_rows_change_nothing(
        a in proptest::collection::vec(labels(), 0..30),
        b in proptest::collection::vec(labels(), 0..30),
        picks in proptest::collection::vec(proptest::bool::ANY, 0..60),
        which in 0u8..3,
    ) {
        let checked = check_disjoint(policy_of(which), &a, &b, &picks);
        proptest::prop_assert!(checked.is_ok(), "{}", checked.unwrap_err());
    }

    /// The keys' labels (so their digests, so the order their runs are sorted in) do not
    /// matter: emails, phones and ids renamed one-to-one give the same answer.
    #[test]
    fn key_labels_change_nothing(
        rows in proptest::collection::vec(labels(), 0..50),
        emails in Just(vec![0u8, 1, 2, 3]).prop_shuffle(),
        phones in Just(vec![0u8, 1, 2]).prop_shuffle(),
        ids in Just(vec![0u8, 1]).prop_shuffle(),
        which in 0u8..3,
    ) {
        let policy = policy_of(which);
        let plain: Vec<_> = rows.iter().map(|&r| text_of("a", r)).collect();
        let renamed: Vec<_> = rows
            .iter()
            .map(|&(e, p, n, i)| {
                let map = |v: Option<u8>, to: &[u8]| v.map(|v| to[v as usize]);
                text_of("a", (map(e, &emails), map(p, &phones), n, map(i, &ids)))
            })
            .collect();
        proptest::prop_assert_eq!(resolve_text(policy, &plain), resolve_text(policy, &renamed));
    }
}

/// Rows (few with a contact id, so that many files have no conflict) and an order of them.
fn rows_and_order() -> impl Strategy<Value = (Vec<Labels>, Vec<usize>)> {
    use proptest::option::{of, weighted};
    let row = (of(0u8..4), of(0u8..3), of(0u8..3), weighted(0.1, 0u8..2));
    proptest::collection::vec(row, 0..40).prop_flat_map(|rows| {
        let order: Vec<usize> = (0..rows.len()).collect();
        (Just(rows), Just(order).prop_shuffle())
    })
}

/// The rows a resolution sends, as text: the rejected rows left out, the rows kept without
/// their phone stripped of it; with, per row sent, its number in the file.
fn sent(
    policy: SharedPhone,
    rows: &[[Option<String>; 4]],
    r: &Resolution,
) -> (Vec<[Option<String>; 4]>, Vec<u64>) {
    let mut out = Vec::new();
    let mut numbers = Vec::new();
    for (k, row) in rows.iter().enumerate() {
        let number = k as u64 + 1;
        let mut row = row.clone();
        if let Some(c) = r.conflicts.iter().find(|c| c.row == number) {
            let kept = policy == SharedPhone::DropPhone
                && c.kind == ConflictKind::PhoneShared
                && (row[0].is_some() || row[3].is_some());
            if !kept {
                continue;
            }
            row[1] = None;
        }
        out.push(row);
        numbers.push(number);
    }
    (out, numbers)
}

proptest::proptest! {
    /// A file without a conflict groups the same rows whatever their order (each group listed
    /// in file order, so its first row, the survivor, follows the order).
    #[test]
    fn without_conflicts_the_order_moves_only_the_survivor(
        (rows, order) in rows_and_order(),
        which in 0u8..3,
    ) {
        let policy = policy_of(which);
        let text: Vec<_> = rows.iter().map(|&r| text_of("a", r)).collect();
        let first = resolve_text(policy, &text);
        if first.conflicts.is_empty() {
            let shuffled: Vec<_> = order.iter().map(|&k| text[k].clone()).collect();
            let second = resolve_text(policy, &shuffled);
            proptest::prop_assert!(second.conflicts.is_empty(), "{:?}", second.conflicts);
            let as_sets = |r: &Resolution, number: &dyn Fn(u64) -> u64| {
                let mut groups: Vec<Vec<u64>> = r
                    .groups
                    .iter()
                    .map(|g| {
                        let mut g: Vec<u64> = g.iter().map(|&n| number(n)).collect();
                        g.sort_unstable();
                        g
                    })
                    .collect();
                groups.sort_unstable();
                groups
            };
            proptest::prop_assert_eq!(
                as_sets(&first, &|n| n),
                as_sets(&second, &|n| order[n as usize - 1] as u64 + 1)
            );
        }
    }

    /// The answer is a fixed point: the rows it sends, resolved again, give the same groups
    /// and nothing more to reject or strip.
    #[test]
    fn what_is_sent_resolves_to_itself(
        rows in proptest::collection::vec(labels(), 0..50),
        which in 0u8..3,
    ) {
        let policy = policy_of(which);
        let text: Vec<_> = rows.iter().map(|&r| text_of("a", r)).collect();
        let first = resolve_text(policy, &text);
        let (again, numbers) = sent(policy, &text, &first);
        let second = resolve_text(policy, &again);
        proptest::prop_assert!(second.conflicts.is_empty(), "{:?}", second.conflicts);
        let second = renumbered(&second, |n| numbers[n as usize - 1]);
        proptest::prop_assert_eq!(&first.groups, &second.groups);
    }
}

/// The partition proptest's shrunk case (`proptest-regressions/dedupe/tests.txt`, the 5-tuple
/// line), as one deduper holding both locations' rows under disjoint keys. Location 2 alone:
/// row 4 (e2, id0) is rejected (e2 is row 1's, id1), and row 3 (phone, id0) shares its phone
/// with row 2 (e0): kept apart, since its set held e2 too. Location 0's rows add nothing to
/// that but their own rejection.
#[test]
fn regression_case_of_the_partition_proptest() {
    // (location, email, phone, name, id) as in the regression file.
    let case: [(u8, Labels); 8] = [
        (0, (None, None, None, Some(0))),
        (0, (Some(2), None, None, Some(1))),
        (2, (Some(2), None, None, Some(1))),
        (2, (Some(0), Some(1), None, None)),
        (2, (None, Some(1), None, Some(0))),
        (2, (Some(2), None, None, Some(0))),
        (0, (Some(2), None, None, Some(0))),
        (0, (None, None, None, Some(0))),
    ];
    let picks: Vec<bool> = case.iter().map(|(l, _)| *l == 0).collect();
    let l0: Vec<Labels> = case.iter().filter(|(l, _)| *l == 0).map(|c| c.1).collect();
    let l2: Vec<Labels> = case.iter().filter(|(l, _)| *l == 2).map(|c| c.1).collect();
    for policy in [SharedPhone::DropPhone, SharedPhone::Reject] {
        let checked = check_disjoint(policy, &l0, &l2, &picks);
        assert!(checked.is_ok(), "{policy:?}: {}", checked.unwrap_err());
    }
    // Location 2 alone, and what it must stay.
    let alone: Vec<_> = l2.iter().map(|&r| text_of("b", r)).collect();
    let r = resolve_text(SharedPhone::DropPhone, &alone);
    assert!(r.groups.is_empty(), "{:?}", r.groups);
    assert_eq!(
        r.conflicts,
        vec![
            Conflict {
                row: 3,
                kind: ConflictKind::PhoneShared,
                holder: 2,
                on_phone: true
            },
            Conflict {
                row: 4,
                kind: ConflictKind::IdentityConflict,
                holder: 1,
                on_phone: false
            },
        ]
    );
}
