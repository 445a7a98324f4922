//! Write-then-read tests of the report files: what a reviewer opens must hold the input's own
//! cells, and a reject file fed back through the reader must give them back.

use crate::util::ghl_bulk;
use std::io::Read;
use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};
use ghl_bulk::report::{
    unneutralise, DuplicateRow, DuplicatesCsv, Issue, RejectRow, RejectsCsv, RejectsXlsx,
    SuccessCsv, SuccessRow,
};
use ghl_bulk::source::{self, SourceOptions};

fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

fn headers() -> Vec<String> {
    strings(&["Email", "Phone", "Notes", "Postal Code", "Score"])
}

/// Awkward cells: injection triggers, exempt numbers and phones, text ZIP, quotes, newlines,
/// non-ASCII, a delimiter.
fn rows() -> Vec<Vec<String>> {
    vec![
        strings(&[
            "bad-email",
            "+14155550134",
            "=HYPERLINK(\"x\")",
            "02134",
            "-12.5",
        ]),
        strings(&[
            "ann@x.com",
            "+1 (415) 555",
            "line1\nline2, \"q\"",
            "",
            "@vip",
        ]),
        strings(&["zoë@x.com", "-", "\ttabbed", "10117", "+3"]),
    ]
}

fn reject<'a>(row: u64, cells: &'a [String], more: &'a [Issue<'a>]) -> RejectRow<'a> {
    RejectRow {
        row,
        cells,
        stage: "validate",
        code: "invalid_email",
        field: Some("email"),
        message: "not an email address",
        column: Some(0),
        more,
    }
}

const MORE: [Issue<'static>; 1] = [Issue {
    code: "invalid_phone",
    field: Some("phone"),
    message: "too short",
    column: Some(1),
}];

/// Hands `write` one rejected row per line of `rows`, numbered from 2; the second has a
/// second issue.
fn write_rejects(rows: &[Vec<String>], mut write: impl FnMut(&RejectRow<'_>)) {
    for (i, cells) in rows.iter().enumerate() {
        let more: &[Issue] = if i == 1 { &MORE } else { &[] };
        write(&reject(i as u64 + 2, cells, more));
    }
}

#[test]
fn rejects_csv_reads_back_with_the_input_cells() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rejects.csv");
    let mut out = RejectsCsv::create(&path, &headers()).expect("create");
    let rows = rows();
    write_rejects(&rows, |reject| out.write(reject).expect("write"));
    out.finish().expect("finish");

    let bytes = std::fs::read(&path).expect("read back");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
    let source = source::open(&path, &SourceOptions::default()).expect("open");
    let mut expected_headers = headers();
    expected_headers.extend(strings(&["_row", "_stage", "_code", "_field", "_message"]));
    assert_eq!(source.headers(), expected_headers);
    let read: Vec<_> = source.map(|r| r.expect("row")).collect();
    assert_eq!(read.len(), rows.len(), "one line per rejected row");
    for (got, want) in read.iter().zip(&rows) {
        let input: Vec<&str> = got.cells[..5].iter().map(|c| unneutralise(c)).collect();
        assert_eq!(input, *want);
    }
    assert_eq!(
        read[0].cells[2], "'=HYPERLINK(\"x\")",
        "neutralised with a quote"
    );
    assert_eq!(read[0].cells[1], "+14155550134", "E.164 is exempt");
    assert_eq!(read[0].cells[4], "-12.5", "numbers are exempt");
    assert_eq!(read[0].cells[3], "02134");
    assert_eq!(
        read[1].cells[5..],
        [
            "3",
            "validate",
            "invalid_email",
            "email",
            "not an email address | invalid_phone: too short"
        ]
    );
}

#[test]
fn a_reject_file_of_a_reject_file_gets_fresh_underscore_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("first.csv");
    let mut out = RejectsCsv::create(&first, &headers()).expect("create");
    let rows = rows();
    out.write(&reject(2, &rows[0], &[])).expect("write");
    out.finish().expect("finish");

    let source = source::open(&first, &SourceOptions::default()).expect("open");
    let round_one_headers = source.headers().to_vec();
    let row = source.into_iter().next().expect("a row").expect("readable");
    let second = dir.path().join("second.csv");
    let mut out = RejectsCsv::create(&second, &round_one_headers).expect("create");
    out.write(&reject(row.row, &row.cells, &[])).expect("write");
    out.finish().expect("finish");
    let source = source::open(&second, &SourceOptions::default()).expect("open");
    assert_eq!(source.headers().len(), 10, "{:?}", source.headers());
}

#[test]
fn duplicates_and_success_layouts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = rows();
    let dup_path = dir.path().join("duplicates.csv");
    let mut dups = DuplicatesCsv::create(&dup_path, &headers()).expect("create");
    dups.write(&DuplicateRow {
        row: 45,
        merged_into_row: 3,
        key: "email",
        value: "ann@x.com",
        cells: &rows[1],
    })
    .expect("write");
    dups.finish().expect("finish");
    let source = source::open(&dup_path, &SourceOptions::default()).expect("open");
    assert_eq!(
        source.headers()[..5],
        strings(&["_row", "_merged_into_row", "_key", "_value", "Email"])
    );
    let row = source.into_iter().next().expect("row").expect("ok");
    assert_eq!(
        row.cells[..5],
        strings(&["45", "3", "email", "ann@x.com", "ann@x.com"])
    );

    let ok_path = dir.path().join("success.csv");
    let mut ok = SuccessCsv::create(&ok_path, &headers()).expect("create");
    ok.write(&SuccessRow {
        row: 4,
        cells: &rows[2],
        outcome: "created",
        contact_id: Some("abc123"),
        warnings: "dob_ambiguous: \"07/03/1985\" could be either",
    })
    .expect("write");
    ok.finish().expect("finish");
    let source = source::open(&ok_path, &SourceOptions::default()).expect("open");
    assert_eq!(
        source.headers()[5..],
        strings(&["_row", "_outcome", "_contact_id", "_warnings"])
    );
    let row = source.into_iter().next().expect("row").expect("ok");
    assert_eq!(
        row.cells[5..],
        strings(&[
            "4",
            "created",
            "abc123",
            "dob_ambiguous: \"07/03/1985\" could be either"
        ])
    );
    assert_eq!(row.cells[0], "zoë@x.com");
}

fn zip_member(path: &Path, name: &str) -> String {
    let file = std::fs::File::open(path).expect("open xlsx");
    let mut archive = zip::ZipArchive::new(file).expect("xlsx is a zip");
    let mut member = archive
        .by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut text = String::new();
    member.read_to_string(&mut text).expect("utf-8 xml");
    text
}

#[test]
fn rejects_xlsx_has_the_cells_notes_and_formatting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rejects.xlsx");
    let mut out = RejectsXlsx::create(&path, &headers()).expect("create");
    let rows = rows();
    write_rejects(&rows, |reject| out.write(reject).expect("write"));
    let outcome = out.finish().expect("finish");
    assert_eq!((outcome.rows_written, outcome.rows_omitted), (3, 0));

    let mut workbook: Xlsx<_> = open_workbook(&path).expect("calamine opens it");
    assert_eq!(workbook.sheet_names(), ["Rejects"]);
    let range = workbook.worksheet_range("Rejects").expect("sheet");
    let header: Vec<String> = range[0].iter().map(ToString::to_string).collect();
    assert_eq!(header[..5], headers());
    assert_eq!(
        header[5..],
        strings(&["_row", "_stage", "_code", "_field", "_message"])
    );
    for (i, want) in rows.iter().enumerate() {
        let got: Vec<String> = range[i + 1][..5]
            .iter()
            .map(|c| match c {
                Data::String(s) => s.clone(),
                Data::Empty => String::new(),
                other => panic!("every cell is a string cell, got {other:?}"),
            })
            .collect();
        assert_eq!(
            got, *want,
            "exact input cells (quote-prefix style, not a visible quote)"
        );
    }

    let comments = zip_member(&path, "xl/comments1.xml");
    assert_eq!(comments.matches("<comment ").count(), 4, "{comments}");
    assert!(comments.contains("invalid_phone: too short"), "{comments}");
    assert!(
        comments.contains("ref=\"B3\""),
        "note on the phone cell of row 3: {comments}"
    );
    let sheet = zip_member(&path, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<autoFilter ref=\"A1:J4\""), "{sheet}");
    assert!(sheet.contains("state=\"frozen\""), "{sheet}");
    assert!(sheet.contains("<cols>"), "{sheet}");
    let styles = zip_member(&path, "xl/styles.xml");
    assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
    assert!(styles.contains("FFFFC7CE"), "light red fill: {styles}");
}

/// Regression: `rejects.xlsx` of a workbook input went back in only after renaming its sheet,
/// because the mapping names the input's sheet ("Contacts") and the reject file's is "Rejects".
#[test]
fn a_reject_workbook_goes_back_in_with_the_mapping_of_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let validate = |input: &Path, run: &str| {
        ghl_bulk()
            .args([
                "validate",
                "--mapping",
                "mappings/example.toml",
                "--quiet",
                "--run-dir",
            ])
            .arg(dir.path().join(run))
            .arg(input)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
    };
    let first = validate(Path::new("samples/contacts.xlsx"), "first");
    assert_eq!(first.status.code(), Some(3), "{first:?}");
    let again = validate(&dir.path().join("first/rejects.xlsx"), "again");
    assert_eq!(again.status.code(), Some(3), "{again:?}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("again/summary.json")).unwrap())
            .unwrap();
    // Six: one row shares Aisha Keating's phone under another email and name (issue 21.1,
    // `phone_shared`); alone in the reject file, it no longer clashes and is valid.
    assert_eq!(summary["rows_read"], 6, "{summary}");
    assert_eq!(summary["outcomes"]["rejected"], 5, "{summary}");
}
