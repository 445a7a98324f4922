//! The staging table's tests: what a staged row stores, column by column and byte by byte.

use super::*;
use crate::contact::CustomValue;

fn stored_blobs(ledger: &Ledger) -> Vec<Option<Vec<u8>>> {
    ledger
        .query_all("SELECT payload_json FROM rows ORDER BY row", [], |r| {
            r.get(0)
        })
        .unwrap()
}

/// A pending row goes through its own statement (its state a literal, no rejection
/// bound): it stores what the general statement stores for it.
#[test]
fn pending_and_rejected_rows_store_every_column_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::create(&dir.path().join("a.db")).unwrap();
    let pending = StagedRow {
        issues_json: Some("[]".into()),
        ..StagedRow::pending_with_email(2, "a@x.co".into(), "@10".into())
    };
    let rejected = StagedRow::rejected(
        3,
        Rejection::new("validate", "email_invalid", "email", "no @".to_string()),
        None,
        "@20".into(),
    );
    // A pending row carrying a rejection (none does) takes the general statement.
    let odd = StagedRow {
        rejection: rejected.rejection.clone(),
        ..StagedRow::pending_with_email(4, "b@x.co".into(), "@30".into())
    };
    ledger.stage(&[pending, rejected, odd]).unwrap();
    type Stored = (
        i64,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut stmt = ledger
        .conn
        .prepare(
            "SELECT row, state, typeof(state), code, issues_json, cells_json FROM rows \
             ORDER BY row",
        )
        .unwrap();
    let rows: Vec<Stored> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let text = |s: &str| s.to_string();
    assert_eq!(
        rows,
        vec![
            (
                2,
                text("pending"),
                text("text"),
                None,
                Some(text("[]")),
                Some(text("@10"))
            ),
            (
                3,
                text("rejected"),
                text("text"),
                Some(text("email_invalid")),
                None,
                Some(text("@20"))
            ),
            (
                4,
                text("pending"),
                text("text"),
                Some(text("email_invalid")),
                None,
                Some(text("@30"))
            ),
        ]
    );
    assert_eq!(RowState::Pending.as_str(), "pending");
}

#[test]
fn payloads_stored_from_the_contact_are_the_bytes_staged_from_its_json() {
    let contacts: Vec<Contact> = (0..40u64)
        .map(|n| {
            let mut c = Contact::default();
            c.std.first_name = Some(format!("Zoë \"{n}\"\t"));
            c.std.email = (n % 4 != 1).then(|| format!("p{n}@example.org"));
            c.std.phone = (n % 3 != 2).then(|| format!("+1615{n:07}"));
            c.std.city = Some("c".repeat(n as usize * 5));
            c.std.dnd = (n.is_multiple_of(5)).then_some(true);
            c.tags = (0..n % 3).map(|t| format!("tag {t}")).collect();
            c.custom_fields = vec![CustomValue {
                index: 1,
                value: "x".into(),
            }];
            c
        })
        .collect();
    let staged = |n: usize, c: &Contact, json: bool| StagedRow {
        row: n as u64 + 2,
        state: RowState::Pending,
        payload_json: json.then(|| serde_json::to_string(c).unwrap()),
        // A row whose phone column is not the payload's (as after a conflict).
        email: c.std.email.clone(),
        phone: c.std.phone.clone().filter(|_| n % 7 != 3),
        rejection: None,
        issues_json: None,
        cells_json: String::new(),
    };
    let dir = tempfile::tempdir().unwrap();
    let mut by_json = Ledger::create(&dir.path().join("a.db")).unwrap();
    let mut by_contact = Ledger::create(&dir.path().join("b.db")).unwrap();
    let rows: Vec<StagedRow> = contacts
        .iter()
        .enumerate()
        .map(|(n, c)| staged(n, c, true))
        .collect();
    by_json.stage(&rows).unwrap();
    let rows: Vec<(StagedRow, Option<StoredPayload>)> = contacts
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let r = staged(n, c, false);
            let stored = StoredPayload::of(c, r.email.as_deref(), r.phone.as_deref());
            (r, stored)
        })
        .collect();
    by_contact.stage_stored(&rows).unwrap();
    let expected = stored_blobs(&by_json);
    assert_eq!(expected.len(), 40);
    assert!(expected.iter().all(Option::is_some));
    assert_eq!(stored_blobs(&by_contact), expected);
    assert_eq!(
        by_contact.stored_payloads().unwrap(),
        by_json.stored_payloads().unwrap()
    );
}
