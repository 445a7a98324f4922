//! Ledger tests on a temporary file.

use super::*;

fn staged(row: u64, state: RowState, email: &str) -> StagedRow {
    StagedRow {
        row,
        state,
        payload_json: (state == RowState::Pending).then(|| format!(r#"{{"email":"{email}"}}"#)),
        email: Some(email.to_string()),
        phone: None,
        rejection: (state == RowState::Rejected)
            .then(|| Rejection::new("validate", "email_invalid", "email", "bad")),
        issues_json: None,
        cells_json: format!(r#"["{row}","=1"]"#),
    }
}

#[test]
fn stage_merge_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let mut ledger = Ledger::create(&path).unwrap();
    assert!(matches!(Ledger::create(&path), Err(LedgerError::Exists(_))));
    ledger
        .stage(&[
            staged(2, RowState::Pending, "a@x.co"),
            staged(3, RowState::Rejected, "bad"),
            staged(4, RowState::Pending, "a@x.co"),
        ])
        .unwrap();
    assert_eq!(ledger.payloads(&[4, 3, 2]).unwrap().len(), 2);
    ledger
        .apply_merges(&[MergedGroup {
            survivor: 2,
            payload_json: r#"{"email":"a@x.co","city":"Paris"}"#.into(),
            merged: vec![(4, "email".into(), "a@x.co".into())],
        }])
        .unwrap();
    assert_eq!(
        ledger.state_counts().unwrap().iter().collect::<Vec<_>>(),
        vec![
            (RowState::Merged, 1),
            (RowState::Pending, 1),
            (RowState::Rejected, 1)
        ]
    );
    let merged = ledger.merged().unwrap();
    assert_eq!(merged.len(), 1);
    assert_eq!((merged[0].row, merged[0].merged_into), (4, 2));
    assert_eq!(
        (merged[0].key.as_str(), merged[0].value.as_str()),
        ("email", "a@x.co")
    );
    assert_eq!(merged[0].cells, vec!["4", "=1"]);
    let rejected = ledger.rejected().unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].cells, vec!["3", "=1"]);
    assert_eq!(rejected[0].code, "email_invalid");
    assert_eq!(
        ledger.payloads(&[2]).unwrap()[0].1,
        serde_json::from_str::<Contact>(r#"{"email":"a@x.co","city":"Paris"}"#).unwrap()
    );

    ledger.make_durable().unwrap();
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION.to_string());
}
