//! The batched merge against a plain fold of `Contact::merge_from` over each group, on a ledger
//! in a temporary folder.

use super::*;
use crate::contact::{CustomValue, StdFields};
use crate::ledger::{Rejection, RowState, StagedRow};

fn contact(row: u64, email: Option<&str>, phone: Option<&str>) -> Contact {
    Contact {
        // Every member fills a few fields the others leave empty, so the merge shows.
        std: StdFields {
            first_name: row.is_multiple_of(3).then(|| format!("First{row}")),
            city: row.is_multiple_of(2).then(|| format!("City{row}")),
            company_name: (row % 5 == 1).then(|| format!("Co{row}")),
            email: email.map(str::to_string),
            phone: phone.map(str::to_string),
            dnd: (row % 4 == 3).then_some(row % 8 == 3),
            ..StdFields::default()
        },
        tags: vec![format!("t{}", row % 3), "all".to_string()],
        notes: vec![format!("note {}", row % 2)],
        custom_fields: vec![CustomValue {
            index: (row % 2) as usize,
            value: format!("v{row}"),
        }],
        ..Contact::default()
    }
}

fn stage(ledger: &mut Ledger, rows: &[(u64, Contact)], rejected: &[u64]) {
    let mut staged: Vec<StagedRow> = rows
        .iter()
        .map(|(row, c)| StagedRow {
            row: *row,
            state: RowState::Pending,
            payload_json: Some(serde_json::to_string(c).unwrap()),
            email: c.std.email.clone(),
            phone: c.std.phone.clone(),
            rejection: None,
            issues_json: None,
            cells_json: format!(r#"["{row}"]"#),
        })
        .collect();
    staged.extend(rejected.iter().map(|&row| StagedRow {
        row,
        state: RowState::Rejected,
        payload_json: None,
        email: None,
        phone: None,
        rejection: Some(Rejection::new("validate", "x", "email", "bad")),
        issues_json: None,
        cells_json: format!(r#"["{row}"]"#),
    }));
    staged.sort_by_key(|s| s.row);
    ledger.stage(&staged).unwrap();
}

/// Rows 1..=14: groups interleave through the file, one is bridged by a late row, one member
/// (row 9) is rejected and takes no part.
fn sample() -> (Vec<(u64, Contact)>, Vec<Vec<u64>>) {
    let e = |s: &str| Some(s.to_string());
    let keys: [(u64, Option<String>, Option<String>); 13] = [
        (1, e("a@x.co"), None),
        (2, e("b@x.co"), e("+12")),
        (3, e("a@x.co"), e("+13")),
        (4, None, e("+14")),
        (5, e("c@x.co"), e("+12")),
        (6, e("d@x.co"), None),
        (7, e("e@x.co"), e("+14")),
        (8, e("f@x.co"), None),
        (10, e("d@x.co"), e("+13")), // bridges 6 into the group of 1
        (11, e("c@x.co"), None),
        (12, e("g@x.co"), None),
        (13, e("e@x.co"), e("+99")),
        (14, e("z@x.co"), None),
    ];
    let rows = keys
        .iter()
        .map(|(r, em, ph)| (*r, contact(*r, em.as_deref(), ph.as_deref())))
        .collect::<Vec<_>>();
    let mut d = crate::dedupe::Deduper::new(
        &[DedupeKey::Email, DedupeKey::Phone],
        crate::mapping::SharedPhone::Merge,
    );
    for (row, c) in &rows {
        d.add(*row, c.std.email.as_deref(), c.std.phone.as_deref());
    }
    let mut groups = d.resolve().groups;
    // Row 9 is rejected: a group naming it (as a stale caller might) must skip it.
    groups[0].push(9);
    (rows, groups)
}

#[test]
fn batched_merge_equals_a_fold_of_merge_from_in_file_order() {
    let keys = [DedupeKey::Email, DedupeKey::Phone];
    let (rows, groups) = sample();
    assert_eq!(
        groups,
        vec![vec![1, 3, 6, 10, 9], vec![2, 5, 11], vec![4, 7, 13]]
    );
    // One batch, batches of a single group, and batches smaller than a group.
    for batch_rows in [BATCH_ROWS, 3, 1] {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        stage(&mut ledger, &rows, &[9]);
        let stats = merge_in_batches(&mut ledger, &groups, &keys, batch_rows).unwrap();
        assert_eq!(
            stats,
            DedupeStats {
                groups: 3,
                merged_rows: 7
            }
        );
        for group in &groups {
            let members: Vec<&Contact> = group
                .iter()
                .filter_map(|r| rows.iter().find(|(row, _)| row == r).map(|(_, c)| c))
                .collect();
            let mut expected = members[0].clone();
            for other in &members[1..] {
                expected.merge_from(other);
            }
            let got = ledger.payloads(&[group[0]]).unwrap()[0].1.clone();
            assert_eq!(got, expected, "batch of {batch_rows} rows, group {group:?}");
        }
        let merged: Vec<(u64, u64, String, String)> = ledger
            .merged()
            .unwrap()
            .into_iter()
            .map(|m| (m.row, m.merged_into, m.key, m.value))
            .collect();
        let m = |row, into, key: &str, value: &str| (row, into, key.to_string(), value.to_string());
        assert_eq!(
            merged,
            vec![
                m(3, 1, "email", "a@x.co"),
                m(5, 2, "phone", "+12"),
                // 6 shares nothing with 1 or 3; its tie is the later row 10.
                m(6, 1, "email", "d@x.co"),
                m(7, 4, "phone", "+14"),
                m(10, 1, "email", "d@x.co"),
                m(11, 2, "email", "c@x.co"),
                m(13, 4, "email", "e@x.co"),
            ]
        );
        let counts = ledger.state_counts().unwrap();
        assert_eq!(
            counts.iter().collect::<Vec<_>>(),
            vec![
                (RowState::Merged, 7),
                (RowState::Pending, 6),
                (RowState::Rejected, 1)
            ]
        );
    }
}

#[test]
fn batches_hold_whole_groups() {
    let groups = vec![vec![1, 2], vec![3, 4, 5], vec![6, 7]];
    assert_eq!(batch_len(&groups, 100), 3);
    assert_eq!(batch_len(&groups, 5), 2);
    assert_eq!(batch_len(&groups, 4), 1);
    assert_eq!(batch_len(&groups, 1), 1);
    assert_eq!(batch_len(&groups[2..], 1), 1);
}
