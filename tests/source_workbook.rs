//! The workbook reader on files made for the purpose with rust_xlsxwriter (cell types, blank
//! rows, header placement, ragged columns), and on damaged copies of the samples.

use std::path::{Path, PathBuf};

use ghl_bulk::source::{self, RawRow, SourceError, SourceOptions};
use proptest::prelude::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

fn build(dir: &Path) -> PathBuf {
    let path = dir.join("made.xlsx");
    let mut workbook = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Intro").expect("name");
    sheet.write_string(0, 0, "not the data").expect("write");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Contacts").expect("name");
    // Rows 1-2 blank, header on row 3 starting at column B, a blank header cell.
    let headers = ["Email", "Phone", "", "Born", "Seen", "Score", "Ok", "Zip"];
    for (col, h) in headers.iter().enumerate() {
        sheet.write_string(2, col as u16 + 1, *h).expect("header");
    }
    let r = 3;
    sheet.write_string(r, 1, "a@x.com").expect("w");
    sheet.write_number(r, 2, 4155550134.0).expect("w");
    sheet.write_number(r, 3, 12.5).expect("w");
    let born = ExcelDateTime::from_ymd(1976, 7, 24).expect("date");
    sheet
        .write_datetime_with_format(r, 4, &born, &date)
        .expect("w");
    let seen = ExcelDateTime::parse_from_str("2024-01-15 09:30:00").expect("datetime");
    sheet
        .write_datetime_with_format(r, 5, &seen, &datetime)
        .expect("w");
    sheet
        .write_formula(r, 6, Formula::new("=40+32").set_result("72"))
        .expect("w");
    sheet.write_boolean(r, 7, true).expect("w");
    sheet.write_string(r, 8, "02134").expect("w");
    // Row 5 blank (skipped), row 6 has a value beyond the last header (ragged).
    sheet.write_string(5, 1, "b@x.com").expect("w");
    sheet.write_number(5, 2, 1e20).expect("w");
    sheet.write_number(5, 3, -0.1).expect("w");
    sheet.write_string(5, 10, "stray").expect("w");
    // A ZIP typed as a number, shown with Excel's "Zip Code" format.
    let zip = Format::new().set_num_format("00000");
    sheet
        .write_number_with_format(5, 8, 501.0, &zip)
        .expect("w");
    // A formatted but empty row at the end (not data).
    sheet.write_blank(8, 1, &date).expect("w");
    workbook.save(&path).expect("save");
    path
}

fn read(path: &Path, options: &SourceOptions) -> (Vec<String>, Vec<RawRow>) {
    let source = source::open(path, options).unwrap_or_else(|e| panic!("{e}"));
    let headers = source.headers().to_vec();
    let rows = source.collect::<Result<Vec<_>, _>>().expect("rows");
    (headers, rows)
}

#[test]
fn made_workbook_reads_as_a_person_sees_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = build(dir.path());
    let options = SourceOptions {
        sheet: Some("Contacts".into()),
        ..SourceOptions::default()
    };
    let (headers, rows) = read(&path, &options);
    assert_eq!(
        headers,
        ["Email", "Phone", "Column 3", "Born", "Seen", "Score", "Ok", "Zip"]
    );
    assert_eq!(rows.len(), 2, "blank rows are not data rows");
    assert_eq!(rows[0].row, 4, "Excel row number");
    assert_eq!(
        rows[0].cells,
        [
            "a@x.com",
            "4155550134",
            "12.5",
            "1976-07-24",
            "2024-01-15T09:30:00",
            "72",
            "TRUE",
            "02134"
        ]
    );
    assert!(rows[0].defect.is_none());
    assert_eq!(rows[1].row, 6);
    assert_eq!(
        rows[1].cells[..3],
        ["b@x.com", "100000000000000000000", "-0.1"]
    );
    let defect = rows[1].defect.as_ref().expect("ragged");
    assert_eq!(defect.code, "ragged_row");
    assert!(defect.message.contains("stray"), "{}", defect.message);

    // The same sheet by 1-based index, and an explicit header row (3) give the same headers.
    for options in [
        SourceOptions {
            sheet: Some("2".into()),
            ..SourceOptions::default()
        },
        SourceOptions {
            sheet: Some("2".into()),
            header_row: 3,
            ..SourceOptions::default()
        },
    ] {
        assert_eq!(read(&path, &options).0, headers);
    }
    // Header on row 4: the first data row becomes the header.
    let options = SourceOptions {
        sheet: Some("Contacts".into()),
        header_row: 4,
        ..SourceOptions::default()
    };
    let (headers, rows) = read(&path, &options);
    assert_eq!(headers[0], "a@x.com");
    assert_eq!(rows.len(), 1);
    // Past the end or on a blank row: a clear error.
    for header_row in [5, 40] {
        let options = SourceOptions {
            sheet: Some("Contacts".into()),
            header_row,
            ..SourceOptions::default()
        };
        let err = source::open(&path, &options).expect_err("no header there");
        assert!(matches!(err, SourceError::NoHeader { .. }), "{err}");
    }
    // The default sheet is the first one.
    assert_eq!(read(&path, &SourceOptions::default()).0, ["not the data"]);
}

#[test]
fn unknown_extension_workbooks_are_sniffed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let made = build(dir.path());
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    for (from, format) in [
        (made, "xlsx"),
        (samples.join("leads.xls"), "xls"),
        (samples.join("leads.ods"), "ods"),
    ] {
        let renamed = dir.path().join(format!("download-{format}.bin"));
        std::fs::copy(&from, &renamed).expect("copy");
        let source = source::open(&renamed, &SourceOptions::default()).expect("open");
        assert_eq!(source.format().name(), format);
    }
}

fn damaged(name: &str, flips: &[(usize, u8)]) -> Result<usize, SourceError> {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut bytes = std::fs::read(samples.join(name)).expect("sample");
    for (at, byte) in flips {
        let len = bytes.len();
        bytes[at % len] = *byte;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    let _ = source::sheet_names(&path);
    let source = source::open(&path, &SourceOptions::default())?;
    let width = source.headers().len();
    let mut rows = 0;
    for row in source {
        assert_eq!(row?.cells.len(), width);
        rows += 1;
    }
    Ok(rows)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Damaged workbooks give an error or rows, never a panic.
    #[test]
    fn damaged_workbooks_never_panic(
        name in prop::sample::select(vec!["leads.xls", "leads.xlsm", "leads.ods", "contacts.xlsx"]),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    ) {
        let _ = damaged(name, &flips);
    }
}

/// The `excel_reader` fuzz target found that a looping sector chain in an .xls made calamine
/// allocate without bound. Make the directory chain of leads.xls point at itself.
#[test]
fn looping_xls_sector_chain_is_an_error_not_an_endless_allocation() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut bytes = std::fs::read(samples.join("leads.xls")).expect("sample");
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let sector_size = 1usize << u16::from_le_bytes([bytes[0x1E], bytes[0x1F]]);
    let dir_start = u32_at(&bytes, 0x30) as usize;
    let first_fat_sector = u32_at(&bytes, 0x4C) as usize;
    assert!(
        dir_start < sector_size / 4,
        "entry is in the first FAT sector"
    );
    let entry = (first_fat_sector + 1) * sector_size + 4 * dir_start;
    bytes[entry..entry + 4].copy_from_slice(&(dir_start as u32).to_le_bytes());
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("looping.xls");
    std::fs::write(&path, bytes).expect("write");
    let err = source::open(&path, &SourceOptions::default()).expect_err("damaged");
    assert!(err.to_string().contains("FAT has a loop"), "{err}");
    assert!(matches!(
        source::sheet_names(&path),
        Err(SourceError::Corrupt { .. })
    ));
}
