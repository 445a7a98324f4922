//! The run ledger's size per row (issue 20 item 2): a validated file's ledger keeps each row's
//! position instead of a copy of its cells, a compact payload and no identity stored twice, so
//! its bytes per row stay under a bound; and the reports, read back from the input by position,
//! hold the input's own cells.

use rusqlite::{Connection, OpenFlags};

use ghl_bulk::report::unneutralise;

use crate::util::{self, contacts::FileSpec};

/// Whole file (every table, index and free page, the empty tables' ~300 KB included) per data
/// row, for 5,000 generated rows. Main before the change wrote about 600 for such a file; a
/// copy of the cells back in the ledger adds about 130.
const MAX_BYTES_PER_ROW: u64 = 280;
/// Stored payload per row with a payload (main: about 270 of JSON).
const MAX_PAYLOAD_BYTES: f64 = 130.0;

fn one(conn: &Connection, sql: &str) -> f64 {
    conn.query_row(sql, [], |r| r.get::<_, f64>(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[test]
fn a_validated_ledger_stays_under_its_bytes_per_row_and_its_reports_hold_the_cells() {
    let spec = FileSpec::with_invalid(5_000, 20);
    let (dir, file, expected) = util::workspace(&spec);
    let run = dir.path().join("run");
    let mapping = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(util::MAPPING);
    let out = util::validate(&file, &mapping, &run, &["--quiet"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");

    let conn = Connection::open_with_flags(run.join("ledger.db"), OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let rows = one(&conn, "SELECT COUNT(*) FROM rows");
    assert_eq!(rows as usize, spec.rows);
    let file_bytes = one(&conn, "PRAGMA page_count") * one(&conn, "PRAGMA page_size");
    let per_row = (file_bytes / rows) as u64;
    println!("ledger.db: {per_row} bytes per row");
    assert!(
        per_row <= MAX_BYTES_PER_ROW,
        "{per_row} bytes per row (at most {MAX_BYTES_PER_ROW})"
    );
    // Rows that are the input's own keep no cells, only where they start in the file (`@`
    // and the offset: the reports read them there).
    let pending_copies = one(
        &conn,
        "SELECT COUNT(*) FROM rows WHERE state = 'pending' AND cells_json NOT GLOB '@[0-9]*'",
    );
    assert_eq!(pending_copies, 0.0);
    // No payload repeats its keys or its row's email.
    let payload = one(
        &conn,
        "SELECT AVG(length(CAST(payload_json AS BLOB))) FROM rows WHERE payload_json IS NOT NULL",
    );
    assert!(
        payload < MAX_PAYLOAD_BYTES,
        "{payload} bytes of payload per row (at most {MAX_PAYLOAD_BYTES})"
    );

    // duplicates.csv holds each merged row's own cells, read from the input by position.
    let input: Vec<csv::StringRecord> = csv::Reader::from_path(&file)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    let duplicates: Vec<csv::StringRecord> = csv::Reader::from_reader(
        std::fs::read_to_string(run.join("duplicates.csv"))
            .unwrap()
            .trim_start_matches('\u{feff}')
            .as_bytes(),
    )
    .records()
    .map(Result::unwrap)
    .collect();
    assert_eq!(duplicates.len(), expected.merged());
    for line in &duplicates {
        let row: usize = line[0].parse().unwrap();
        // Row 2 is the first record after the header.
        let source = &input[row - 2];
        let cells: Vec<&str> = line.iter().skip(4).map(unneutralise).collect();
        assert_eq!(cells, source.iter().collect::<Vec<_>>(), "row {row}");
    }
}
