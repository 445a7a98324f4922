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

thread_local! {
    /// Statements SQLite began on this thread: (INSERT INTO rows, COMMIT, any other).
    static STATEMENTS: std::cell::Cell<(u64, u64, u64)> = const { std::cell::Cell::new((0, 0, 0)) };
}

fn count_statement(event: rusqlite::trace::TraceEvent<'_>) {
    if let rusqlite::trace::TraceEvent::Stmt(_, sql) = event {
        STATEMENTS.with(|s| {
            let (mut inserts, mut commits, mut other) = s.get();
            let sql = sql.trim_start();
            if sql.starts_with("INSERT INTO rows ") {
                inserts += 1;
            } else if sql.starts_with("COMMIT") {
                commits += 1;
            } else {
                other += 1;
            }
            s.set((inserts, commits, other));
        });
    }
}

/// Issue 20: what staging costs SQLite, counted by SQLite itself (its statement trace): one
/// INSERT per row, one transaction per chunk and nothing else per row; and no index is kept up
/// while staging (the state index is built once, by `make_durable`).
#[test]
fn staging_runs_one_insert_per_row_one_transaction_per_chunk_and_no_index() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
    let indexes = |ledger: &Ledger| -> Vec<String> {
        ledger
            .query_all(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rows'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(indexes(&ledger), Vec::<String>::new());

    ledger.conn.trace_v2(
        rusqlite::trace::TraceEventCodes::SQLITE_TRACE_STMT,
        Some(count_statement),
    );
    STATEMENTS.with(|s| s.set((0, 0, 0)));
    let chunk = 1000u64;
    for start in [0, chunk, 2 * chunk] {
        let rows: Vec<StagedRow> = (start + 2..start + 2 + chunk)
            .map(|row| {
                let state = if row % 10 == 0 {
                    RowState::Rejected
                } else {
                    RowState::Pending
                };
                staged(row, state, &format!("p{row}@x.co"))
            })
            .collect();
        ledger.stage(&rows).unwrap();
    }
    let (inserts, commits, other) = STATEMENTS.with(|s| s.get());
    // Per 1,000 rows: 1,000 inserts, one transaction (its BEGIN is the one other statement).
    assert_eq!((inserts, commits, other), (3 * chunk, 3, 3));
    ledger
        .conn
        .trace_v2(rusqlite::trace::TraceEventCodes::empty(), None);

    ledger.make_durable().unwrap();
    assert_eq!(indexes(&ledger), vec!["rows_by_state".to_string()]);
    assert_eq!(ledger.state_counts().unwrap().total(), 3 * chunk);
}

/// The index build sorts through a temporary file with a small cache (memory, issue 20), and
/// leaves the connection as staging had it for dedupe's merges.
#[test]
fn the_index_build_gives_back_the_staging_cache() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
    let rows: Vec<StagedRow> = (2..200)
        .map(|row| staged(row, RowState::Pending, &format!("p{row}@x.co")))
        .collect();
    ledger.stage(&rows).unwrap();
    let pragma = |name: &str| -> i64 {
        ledger
            .conn
            .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(pragma("cache_size"), i64::from(super::STAGING_CACHE));
    ledger.build_indexes().unwrap();
    assert_eq!(pragma("cache_size"), i64::from(super::STAGING_CACHE));
    assert_eq!(pragma("temp_store"), 0);
    assert_eq!(ledger.state_counts().unwrap().total(), 198);
}
