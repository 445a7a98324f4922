//! The merge rules of one round of [`Deduper::resolve`](super::Deduper::resolve): rows sharing
//! an id or an email are one person unless they name two contact ids; rows sharing a phone
//! only when they agree. Each refusal is a conflict, with the fate it gives the row.

use super::union::UnionFind;
use super::{ConflictKind, Occurrence};
use crate::mapping::SharedPhone;

/// What the rounds of [`resolve`](super::Deduper::resolve) have made of a row so far: nothing,
/// kept without its phone (`drop_phone`: it joins by its email or id alone), or left out of
/// every group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Fate {
    Open,
    PhoneDropped,
    Left,
}

/// The rows of one id or email (in file order) are one person, unless they name two contact
/// ids: then the later row is a conflict.
pub(super) fn merge_strong(
    sets: &mut UnionFind,
    run: &[Occurrence],
    conflicts: &mut Vec<(u32, ConflictKind, u32, bool)>,
) {
    let mut anchor = None;
    for o in run {
        if sets.is_excluded(o.member) {
            continue;
        }
        let Some(first) = anchor else {
            anchor = Some(o.member);
            continue;
        };
        if !sets.union_if(first, o.member, |a, b| a.same_contact(b)) {
            conflicts.push((o.member, ConflictKind::IdentityConflict, first, false));
            sets.exclude(o.member);
        }
    }
}

/// The rows of one phone (in file order; rows whose phone was dropped no longer hold it): the
/// sets that agree with the first person holding it merge; the others are conflicts. A set
/// without email or id between two people is ambiguous (it could be either) and shares their
/// fate.
pub(super) fn share_phone(
    sets: &mut UnionFind,
    run: &[Occurrence],
    fates: &[Fate],
    policy: SharedPhone,
    conflicts: &mut Vec<(u32, ConflictKind, u32, bool)>,
) {
    let members: Vec<u32> = run
        .iter()
        .map(|o| o.member)
        .filter(|&m| !sets.is_excluded(m) && fates[m as usize] == Fate::Open)
        .collect();
    let mut roots: Vec<u32> = Vec::new();
    for &m in &members {
        let root = sets.find(m);
        if !roots.contains(&root) {
            roots.push(root);
        }
    }
    if roots.len() < 2 {
        return;
    }
    let mut holder = sets.person(roots[0]);
    let mut joined = vec![roots[0]];
    let mut apart: Vec<(u32, ConflictKind)> = Vec::new();
    for &root in &roots[1..] {
        let other = sets.person(root);
        if !holder.same_contact(&other) {
            apart.push((root, ConflictKind::IdentityConflict));
        } else if policy == SharedPhone::Merge || holder.same_person(&other) {
            holder = holder.with(&other);
            joined.push(root);
        } else {
            apart.push((root, ConflictKind::PhoneShared));
        }
    }
    if !apart.is_empty() && holder.is_someone() {
        // Two people hold the phone: a set that names nobody could be either of them.
        joined.retain(|&root| {
            let anonymous = sets.person(root).is_anonymous();
            if anonymous {
                apart.push((root, ConflictKind::PhoneShared));
            }
            !anonymous
        });
    }
    let Some(&first) = joined.first() else {
        return;
    };
    for &root in &joined[1..] {
        sets.union_if(first, root, |_, _| true);
    }
    let holder_row = members
        .iter()
        .copied()
        .find(|&m| joined.contains(&sets.find(m)))
        .unwrap_or(first);
    for &m in &members {
        let root = sets.find(m);
        let Some(&(_, kind)) = apart.iter().find(|(r, _)| *r == root) else {
            continue;
        };
        conflicts.push((m, kind, holder_row, true));
        // Dropping the phone keeps a row with an email or an id; any other row has nothing
        // left to be known by, and an identity conflict is never sent.
        let keeps = kind == ConflictKind::PhoneShared
            && policy == SharedPhone::DropPhone
            && sets.own(m).is_someone();
        if !keeps {
            sets.exclude(m);
        }
    }
}
