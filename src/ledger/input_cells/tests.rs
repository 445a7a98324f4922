//! Tests of `input_cells`.

use super::*;
use crate::ledger::{RunMeta, StagedRow};

const INPUT: &str = "Email,Loc\na@x.co,L1\n\nb@x.co,L2\n\"c@x.co\",\"L\n3\"\nd@x.co,L4\n";

/// A ledger staged from `INPUT` (rows 2, 4, 5 and 6, as a spreadsheet shows them: the
/// blank line is no row, the record whose quoted cell spans two lines is one), every row
/// kept by position but row 4, which holds its cells.
fn staged(dir: &std::path::Path) -> (PathBuf, Ledger) {
    let input = dir.join("in.csv");
    std::fs::write(&input, INPUT).unwrap();
    let mut ledger = Ledger::create(&dir.join("ledger.db")).unwrap();
    let meta = RunMeta {
        tool_version: "t".into(),
        started_at: "2026-01-01T00:00:00Z".into(),
        input_path: input.display().to_string(),
        input_size: INPUT.len() as u64,
        input_blake3: fingerprint(&input).unwrap(),
        mapping_path: "m.toml".into(),
        mapping_blake3: "m".into(),
        options_json: "{}".into(),
        headers_json: "[\"Email\",\"Loc\"]".into(),
    };
    ledger.write_run(&meta, None).unwrap();
    ledger
        .record_source_options(&input, &SourceOptions::default())
        .unwrap();
    let rows: Vec<StagedRow> = [2, 4, 5, 6]
        .into_iter()
        .map(|row| {
            let cells = if row == 4 {
                r#"["stored","copy"]"#.to_string()
            } else {
                CELLS_FROM_INPUT.to_string()
            };
            StagedRow::pending_with_email(row, "e@x.co".into(), cells)
        })
        .collect();
    ledger.stage(&rows).unwrap();
    (input, ledger)
}

fn all_cells(ledger: &Ledger) -> Result<Vec<(u64, Vec<String>)>, LedgerError> {
    let mut seen = Vec::new();
    ledger.each_row_cells(|row, cells| seen.push((row, cells.to_vec())))?;
    Ok(seen)
}

#[test]
fn cells_kept_by_position_are_read_from_the_input_in_row_order() {
    let dir = tempfile::tempdir().unwrap();
    let (_input, ledger) = staged(dir.path());
    let cells = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
    assert_eq!(all_cells(&ledger).unwrap(), every_row_s_cells());
    // Out of order: the input is read again from its start.
    let mut reader = RowCells::new(&ledger);
    assert_eq!(
        reader.cells(6, CELLS_FROM_INPUT).unwrap(),
        cells("d@x.co", "L4")
    );
    assert_eq!(
        reader.cells(2, CELLS_FROM_INPUT).unwrap(),
        cells("a@x.co", "L1")
    );
    // A row the input does not have (the blank line) is an error, not the next row's cells.
    let error = reader.cells(3, CELLS_FROM_INPUT).unwrap_err();
    assert!(error.to_string().contains("has no row 3"), "{error}");
}

#[test]
fn cells_kept_by_offset_are_read_there_without_streaming_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let (input, mut ledger) = staged(dir.path());
    // The same rows staged again with their offsets, as the pipeline stages a CSV's.
    let offsets: Vec<(u64, Option<u64>)> = source::open(&input, &SourceOptions::default())
        .unwrap()
        .map(|r| r.map(|r| (r.row, r.offset)).unwrap())
        .collect();
    ledger
        .conn
        .execute("DELETE FROM rows WHERE row <> 4", [])
        .unwrap();
    let rows: Vec<StagedRow> = offsets
        .iter()
        .filter(|(row, _)| *row != 4)
        .map(|&(row, offset)| {
            StagedRow::pending_with_email(row, "e@x.co".into(), cells_from_input(offset))
        })
        .collect();
    assert!(rows.iter().all(|r| r.cells_json.starts_with('@')));
    ledger.stage(&rows).unwrap();
    assert_eq!(all_cells(&ledger).unwrap(), every_row_s_cells());
    // Out of order, and the count of rows each way: none streamed.
    let mut reader = RowCells::new(&ledger);
    for (row, offset) in offsets.iter().rev().filter(|(row, _)| *row != 4) {
        let stored = cells_from_input(*offset);
        assert!(cells_in_input(&stored));
        assert_eq!(reader.cells(*row, &stored).unwrap().len(), 2);
    }
    assert_eq!((reader.offsets_read, reader.rows_streamed), (3, 0));
    // Past the end of the file: an error, never another row's cells.
    let error = reader
        .cells(9, &cells_from_input(Some(INPUT.len() as u64)))
        .unwrap_err();
    assert!(error.to_string().contains("has no row 9"), "{error}");
}

#[test]
fn a_digest_remembered_from_staging_never_hides_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let (input, ledger) = staged(dir.path());
    let record = ledger.run_record().unwrap();
    // Remembered while the file looks as it did: the reports take it.
    let stamp = input_stamp(&input);
    remember_read_whole(&input, &stamp, &record.input_blake3);
    let canonical = std::fs::canonicalize(&input).unwrap();
    assert_eq!(
        digest_read_whole(&canonical),
        Some(record.input_blake3.clone())
    );
    assert_eq!(all_cells(&ledger).unwrap().len(), 4);
    // Then changed: the stamp differs, the file is hashed again and refused.
    std::fs::write(&input, INPUT.replace("a@x.co", "zz@x.co")).unwrap();
    assert_eq!(digest_read_whole(&canonical), None);
    let error = all_cells(&ledger).unwrap_err().to_string();
    assert!(error.contains("changed since the run read it"), "{error}");
    // A file that changed between its stamp and the end of the read is not remembered.
    let other = dir.path().join("other.csv");
    std::fs::write(&other, "a").unwrap();
    let before = input_stamp(&other);
    std::fs::write(&other, "ab").unwrap();
    remember_read_whole(&other, &before, "digest");
    assert_eq!(
        digest_read_whole(&std::fs::canonicalize(&other).unwrap()),
        None
    );
}

#[test]
fn a_changed_or_missing_input_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let (input, ledger) = staged(dir.path());
    std::fs::write(&input, INPUT.replace("a@x.co", "z@x.co")).unwrap();
    let error = all_cells(&ledger).unwrap_err().to_string();
    assert!(error.contains(&input.display().to_string()), "{error}");
    assert!(error.contains("changed since the run read it"), "{error}");

    std::fs::remove_file(&input).unwrap();
    let error = all_cells(&ledger).unwrap_err().to_string();
    assert!(error.contains(&input.display().to_string()), "{error}");
    assert!(error.contains("put the file back"), "{error}");
}

/// What `staged` holds, row by row: read from the input, and row 4's stored copy.
fn every_row_s_cells() -> Vec<(u64, Vec<String>)> {
    let cells = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
    vec![
        (2, cells("a@x.co", "L1")),
        (4, cells("stored", "copy")),
        (5, cells("c@x.co", "L\n3")),
        (6, cells("d@x.co", "L4")),
    ]
}
