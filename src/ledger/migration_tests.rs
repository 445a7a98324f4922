//! The migrations on files written by `main` at `c591eb6`, before the schema was numbered, and
//! at `a86a24e`, the last version 3 (`tests/data/ledgers`): opening a copy brings it to this
//! build's version in one step, and everything the commands read from it reads back. A file
//! from a newer build is refused.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::read_back::gather;
use super::*;

/// A temporary copy of one fixture run folder (`import-c591eb6` or `validate-c591eb6`): the
/// fixtures themselves are never opened, since opening migrates.
pub(crate) fn fixture_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/ledgers")
        .join(name);
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join(name);
    std::fs::create_dir(&run).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), run.join(entry.file_name())).unwrap();
    }
    (dir, run)
}

/// Asserts that the (closed) file is at the current schema version, by both of its records.
#[track_caller]
fn assert_at_current_version(path: &Path) {
    assert_eq!(versions(path), (SCHEMA_VERSION, SCHEMA_VERSION.to_string()));
}

fn versions(path: &Path) -> (u32, String) {
    let conn = Connection::open(path).unwrap();
    let user: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let meta: String = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    (user, meta)
}

#[test]
fn an_old_import_ledger_is_migrated_on_open_and_reads_back() {
    let (_dir, run) = fixture_copy("import-c591eb6");
    let path = run.join("ledger.db");
    assert_eq!(
        versions(&path),
        (0, "1".to_string()),
        "the fixture as main wrote it"
    );

    let ledger = Ledger::open_exclusive(&path).unwrap().unwrap();
    let counts: Vec<(RowState, u64)> = ledger.state_counts().unwrap().iter().collect();
    assert_eq!(
        counts,
        vec![
            (RowState::Created, 79),
            (RowState::Merged, 2),
            (RowState::Rejected, 6),
            (RowState::Updated, 3)
        ]
    );
    let record = ledger.run_record().unwrap();
    assert_eq!(record.input_path, "samples/contacts.xlsx");
    assert!(!record.headers.is_empty());
    assert_eq!(ledger.undelivered().unwrap(), 0);
    assert_eq!(ledger.delivered_rows().unwrap().len(), 82);
    assert_eq!(ledger.undo_sources().unwrap().len(), 82);
    assert_eq!(ledger.request_sessions().unwrap().len(), 1);
    assert_eq!(ledger.rejected().unwrap().len(), 6);
    assert_eq!(ledger.merged().unwrap().len(), 2);
    assert!(ledger.undoable().unwrap());
    let successes = gather(|f| ledger.each_success(f)).unwrap();
    assert_eq!(successes.len(), 84, "82 delivered and 2 merged");
    assert_eq!(ledger.reject_reasons().unwrap().len(), 4);
    assert_eq!(ledger.merge_overview().unwrap().rows, 2);
    assert_eq!(ledger.rows_with_delivery_warnings().unwrap(), 1);
    drop(ledger);
    assert_at_current_version(&path);

    // Opening again finds nothing to do.
    let again = Ledger::open(&path).unwrap();
    assert_eq!(again.state_counts().unwrap().total(), 90);
}

/// The records of a CSV report file as main wrote it (its BOM dropped, the cells a report
/// neutralises against formula injection given back as the input had them).
fn report_records(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| {
            r.unwrap()
                .iter()
                .map(|cell| crate::source::unneutralise(cell).to_string())
                .collect()
        })
        .collect()
}

#[test]
fn a_version_3_ledger_keeps_its_json_rows_and_reads_back_what_main_wrote() {
    let (_dir, run) = fixture_copy("import-a86a24e");
    let path = run.join("ledger.db");
    assert_eq!(versions(&path), (3, "3".to_string()), "as main wrote it");

    let ledger = Ledger::open_exclusive(&path).unwrap().unwrap();
    // Its rows hold their cells and JSON payloads: nothing is read from the input (whose
    // recorded path is relative to another folder) and nothing is rewritten.
    let success = report_records(&run.join("success.csv"));
    let mut successes = Vec::new();
    ledger
        .each_success(|(row, cells, outcome, contact_id, _)| {
            successes.push((row, cells, outcome, contact_id));
            Ok::<_, LedgerError>(())
        })
        .unwrap();
    assert_eq!(successes.len(), success.len());
    for ((row, cells, outcome, contact_id), line) in successes.iter().zip(&success) {
        let n = cells.len();
        assert_eq!(&line[..n], &cells[..], "row {row}");
        assert_eq!(line[n], row.to_string());
        assert_eq!(&line[n + 1], outcome);
        assert_eq!(line[n + 2], contact_id.clone().unwrap_or_default());
    }
    let duplicates = report_records(&run.join("duplicates.csv"));
    let merged = ledger.merged().unwrap();
    assert_eq!(merged.len(), duplicates.len());
    for (m, line) in merged.iter().zip(&duplicates) {
        assert_eq!(line[0], m.row.to_string());
        assert_eq!(&line[4..], &m.cells[..]);
    }
    assert_eq!(
        ledger.rejected().unwrap().len(),
        report_records(&run.join("rejects.csv")).len()
    );
    // Payloads stored as JSON text read back as JSON text.
    let sources = ledger.undo_sources().unwrap();
    assert_eq!(sources.len(), 82);
    for source in &sources {
        let payload = source.payload_json.as_deref().unwrap();
        let contact: serde_json::Value = serde_json::from_str(payload).unwrap();
        assert!(contact.is_object(), "row {}", source.row);
    }
    drop(ledger);
    assert_at_current_version(&path);
}

#[test]
fn an_old_validate_ledger_gets_the_delivery_tables_and_reads_back() {
    let (_dir, run) = fixture_copy("validate-c591eb6");
    let path = run.join("ledger.db");
    // `runs` reads it read-only, without migrating it.
    let listed = listing::read(&path).unwrap_or_else(|_| panic!("readable"));
    assert_eq!(listed.states.get(RowState::Pending), 33);
    assert_eq!(versions(&path).0, 0);

    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.delivery_mode().unwrap(), None);
    assert!(ledger.delivered().unwrap().is_empty());
    assert!(ledger.request_sessions().unwrap().is_empty());
    assert!(ledger.delivery_warning_reasons().unwrap().is_empty());
    let warnings = gather(|f| ledger.each_warning(f)).unwrap();
    assert!(warnings.is_empty(), "{} warnings", warnings.len());
    assert_eq!(ledger.undelivered().unwrap(), 33);
    assert_eq!(ledger.deliverable(0, 100).unwrap().len(), 33);
    drop(ledger);
    assert_at_current_version(&path);
}

#[test]
fn an_old_undo_ledger_is_migrated_and_reads_back() {
    let (_dir, run) = fixture_copy("import-c591eb6");
    let undo = UndoLedger::open(&run.join("undo.db")).unwrap();
    assert_eq!(undo.undo_steps().unwrap().len(), 88);
    assert_eq!(undo.undo_contacts().unwrap().len(), 82);
    assert!(undo.undo_meta("planned_at").unwrap().is_some());
    assert!(undo
        .undo_counts()
        .unwrap()
        .contains(&("restore_fields:failed".to_string(), 3)));
}

#[test]
fn a_ledger_from_a_newer_build_is_refused() {
    let (_dir, run) = fixture_copy("validate-c591eb6");
    let path = run.join("ledger.db");
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let Err(error) = Ledger::open(&path) else {
        panic!("a newer ledger must be refused");
    };
    assert!(matches!(error, LedgerError::TooNew { .. }), "{error}");
    assert!(
        error.to_string().contains("written by a newer ghl-bulk"),
        "{error}"
    );
    assert!(matches!(
        listing::read(&path),
        Err(listing::ReadError::Damaged(_))
    ));
}

#[test]
fn a_new_ledger_is_at_the_latest_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    drop(Ledger::create(&path).unwrap());
    assert_at_current_version(&path);
    let undo = dir.path().join("undo.db");
    drop(UndoLedger::open(&undo).unwrap());
    let conn = Connection::open(&undo).unwrap();
    let user: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(user, 1);
}
