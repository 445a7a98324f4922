//! The decisions table's tests: kept and read back, read by span, and what reading ahead costs.

use super::*;

#[test]
fn actions_round_trip_through_their_names() {
    for a in Action::ALL {
        assert_eq!(a.as_str().parse::<Action>(), Ok(a));
    }
    assert!("merge".parse::<Action>().is_err());
}

fn create(row: u64) -> Decision {
    Decision {
        row,
        action: Action::Create,
        contact_id: None,
        others: vec![],
        date_updated: None,
        changes: vec![Change {
            field: "email".into(),
            before: String::new(),
            after: format!("r{row}@x.co"),
        }],
        reason: None,
    }
}

#[test]
fn decisions_between_reads_the_span_and_decodes_only_the_changes_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
    let mut update = create(5);
    update.action = Action::Update;
    update.contact_id = Some("c5".into());
    let decisions = vec![create(2), create(3), update.clone(), create(9)];
    ledger.put_decisions(&decisions).unwrap();
    let all = ledger.decisions_between(3, 8, |_| true).unwrap();
    assert_eq!(all, vec![create(3), update.clone()]);
    let updates_only = ledger
        .decisions_between(0, u64::MAX >> 1, |a| a == Action::Update)
        .unwrap();
    let changes: Vec<usize> = updates_only.iter().map(|d| d.changes.len()).collect();
    assert_eq!(
        changes,
        [0, 0, 1, 0],
        "only the update's changes are decoded"
    );
    assert_eq!(updates_only[2], update);
    assert!(ledger.decisions_between(6, 8, |_| true).unwrap().is_empty());
    // By the rows asked for: row 3 lies inside the span of 9 and 2 but was not asked for.
    let of: Vec<u64> = ledger
        .decisions_of(&[9, 2, 5], |_| true)
        .unwrap()
        .iter()
        .map(|d| d.row)
        .collect();
    assert_eq!(of, [2, 5, 9]);
    assert!(ledger.decisions_of(&[], |_| true).unwrap().is_empty());
}

thread_local! {
    /// Statements SQLite began on this thread (`count_statement`).
    static STATEMENTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn count_statement(event: rusqlite::trace::TraceEvent<'_>) {
    if let rusqlite::trace::TraceEvent::Stmt(..) = event {
        STATEMENTS.with(|s| s.set(s.get() + 1));
    }
}

/// Issue 20: what delivery reads ahead of 1,000 rows (the rows, their follow-ups and
/// decisions) is a handful of statements, not some per row: the look-ups per row were 3,000
/// statements, a tenth of the import's CPU.
#[test]
fn reading_ahead_a_thousand_rows_costs_a_few_statements_not_one_per_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
    let rows: Vec<crate::ledger::StagedRow> = (1..=1000)
        .map(|row| {
            crate::ledger::StagedRow::pending_with_email(row, format!("r{row}@x.co"), "[]".into())
        })
        .collect();
    ledger.stage(&rows).unwrap();
    ledger.make_durable().unwrap();
    let decisions: Vec<Decision> = (1..=1000).filter(|r| r % 3 != 0).map(create).collect();
    ledger.put_decisions(&decisions).unwrap();
    let known = crate::ledger::FollowupRecord {
        key: "note:a".into(),
        contact_id: "c7".into(),
        item_id: "n7".into(),
        content_hash: "h".into(),
        completed: false,
        action: "known".into(),
    };
    ledger
        .record_followups_known(&[(7, known)], &[(7, "c7".to_string())])
        .unwrap();

    ledger.conn.trace_v2(
        rusqlite::trace::TraceEventCodes::SQLITE_TRACE_STMT,
        Some(count_statement),
    );
    STATEMENTS.with(|s| s.set(0));
    let page = ledger.deliverable(0, 1000).unwrap();
    let numbers: Vec<u64> = page.iter().map(|r| r.row).collect();
    let contexts = ledger.followup_context(&numbers).unwrap();
    let read = ledger.decisions_between(1, 1000, |_| false).unwrap();
    let statements = STATEMENTS.with(|s| s.get());
    ledger
        .conn
        .trace_v2(rusqlite::trace::TraceEventCodes::empty(), None);
    assert_eq!(page.len(), 1000);
    assert_eq!(read.len(), decisions.len());
    assert_eq!(contexts.len(), 1);
    assert_eq!(contexts[&7].only.as_deref(), Some("c7"));
    assert!(statements <= 4, "{statements} statements for 1,000 rows");
}

#[test]
fn decisions_are_kept_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
    let conflict = Decision {
        row: 2,
        action: Action::Conflict,
        contact_id: Some("c1".into()),
        others: vec!["c1".into(), "c2".into()],
        date_updated: None,
        changes: vec![],
        reason: Some("email matches c1, phone matches c2".into()),
    };
    let update = Decision {
        row: 1,
        action: Action::Update,
        contact_id: Some("c3".into()),
        others: vec![],
        date_updated: Some("2026-01-01T00:00:00.000Z".into()),
        changes: vec![Change {
            field: "firstName".into(),
            before: "Ana".into(),
            after: "Anna".into(),
        }],
        reason: None,
    };
    ledger
        .put_decisions(&[conflict.clone(), update.clone()])
        .unwrap();
    assert_eq!(ledger.decisions().unwrap(), vec![update.clone(), conflict]);
    assert_eq!(ledger.decision(1).unwrap(), Some(update));
    assert_eq!(ledger.decision(9).unwrap(), None);
    assert_eq!(ledger.decided_rows().unwrap(), [1, 2].into_iter().collect());
    assert_eq!(
        ledger.pin_view_setting("on_conflict", "skip").unwrap(),
        "skip"
    );
    assert_eq!(
        ledger.pin_view_setting("on_conflict", "update").unwrap(),
        "skip"
    );
    assert_eq!(
        ledger.view_setting("on_conflict").unwrap().as_deref(),
        Some("skip")
    );
    assert_eq!(ledger.view_setting("view").unwrap(), None);
    let counts = ledger.decision_counts().unwrap();
    assert_eq!(counts.get(&Action::Update), Some(&1));
    assert_eq!(counts.get(&Action::Create), None);
}
