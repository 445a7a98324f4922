//! The readers on every file in `samples/`: dialect, headers, row counts, known cells, and the
//! row number of every planted defect listed in `samples/defects.csv`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ghl_bulk::source::{self, Format, RawRow, SourceOptions};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

struct Read {
    format: Format,
    dialect: String,
    headers: Vec<String>,
    rows: Vec<RawRow>,
}

fn read(name: &str) -> Read {
    let source = source::open(&sample(name), &SourceOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let (format, dialect, headers) = (source.format(), source.dialect(), source.headers().to_vec());
    let rows = source
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    Read {
        format,
        dialect,
        headers,
        rows,
    }
}

impl Read {
    /// The cell in the row a person sees as `row`, under `header`.
    fn cell(&self, row: u64, header: &str) -> &str {
        let col = self
            .headers
            .iter()
            .position(|h| h == header)
            .unwrap_or_else(|| panic!("no header {header:?} in {:?}", self.headers));
        let found = self.rows.iter().find(|r| r.row == row);
        &found.unwrap_or_else(|| panic!("no row {row}")).cells[col]
    }
}

/// (file, format, dialect, header count, data rows) as documented in samples/README.md
/// (expo_badges.xlsx, whose header is row 4, is read with its mapping in pipeline_samples.rs).
const FILES: [(&str, Format, &str, usize, usize); 15] = [
    (
        "contacts.xlsx",
        Format::Xlsx,
        "xlsx, sheet 'Contacts'",
        18,
        90,
    ),
    (
        "tradeshow_leads.csv",
        Format::Csv,
        "UTF-8, ','-separated",
        11,
        40,
    ),
    (
        "crm_export_semicolon.csv",
        Format::Csv,
        "UTF-8 with BOM, ';'-separated",
        15,
        30,
    ),
    (
        "outlook_export_cp1252.csv",
        Format::Csv,
        "windows-1252 (not valid UTF-8), ','-separated",
        92,
        25,
    ),
    (
        "excel_unicode_text.txt",
        Format::Csv,
        "UTF-16LE with BOM, tab-separated",
        12,
        25,
    ),
    (
        "mailchimp_audience.csv",
        Format::Csv,
        "UTF-8, ','-separated",
        24,
        35,
    ),
    (
        "hubspot_export.csv",
        Format::Csv,
        "UTF-8, ','-separated",
        20,
        35,
    ),
    (
        "google_contacts.csv",
        Format::Csv,
        "UTF-8, ','-separated",
        56,
        30,
    ),
    // 30 contacts + 5 one-field footer lines (the `""` line before them is not a data row).
    (
        "salesforce_report.csv",
        Format::Csv,
        "UTF-8, ','-separated",
        17,
        35,
    ),
    (
        "highlevel_export.csv",
        Format::Csv,
        "UTF-8, ','-separated",
        11,
        30,
    ),
    ("leads.xls", Format::Xls, "xls, sheet 'Leads'", 12, 30),
    ("leads.ods", Format::Ods, "ods, sheet 'Leads'", 12, 30),
    ("leads.xlsm", Format::Xlsm, "xlsm, sheet 'Leads'", 12, 30),
    (
        "pipedrive_people.csv",
        Format::Csv,
        "UTF-8, ','-separated",
        19,
        18,
    ),
    (
        "zoho_contacts.csv",
        Format::Csv,
        "UTF-8, ','-separated",
        26,
        17,
    ),
];

#[test]
fn every_sample_reads_with_the_documented_shape() {
    for (name, format, dialect, headers, rows) in FILES {
        let read = read(name);
        assert_eq!(read.format, format, "{name}");
        assert_eq!(read.dialect, dialect, "{name}");
        assert_eq!(read.headers.len(), headers, "{name}: {:?}", read.headers);
        assert_eq!(read.rows.len(), rows, "{name}");
        assert!(read.rows.iter().all(|r| r.cells.len() == headers), "{name}");
        assert!(
            read.rows.iter().all(|r| r.defect.is_none()),
            "{name}: no sample row is ragged"
        );
        assert!(
            read.rows.windows(2).all(|w| w[0].row < w[1].row),
            "{name}: rows ascend"
        );
        assert!(
            read.headers
                .iter()
                .all(|h| !h.is_empty() && h.trim() == h && !h.starts_with('\u{feff}')),
            "{name}: {:?}",
            read.headers
        );
    }
}

/// `samples/defects.csv` gives, per planted defect, the row a person sees and the 1-based
/// data record: the reader must put record N at that row (and skip the `skip` rows).
#[test]
fn planted_defects_are_at_the_documented_rows() {
    let defects = read("defects.csv");
    let col = |name: &str| {
        defects
            .headers
            .iter()
            .position(|h| h == name)
            .unwrap_or(usize::MAX)
    };
    let (file, row, record, expect) = (col("file"), col("row"), col("record"), col("expect"));
    let mut by_file: BTreeMap<String, Read> = BTreeMap::new();
    let mut checked = 0;
    for defect in &defects.rows {
        let name = &defect.cells[file];
        let read = by_file.entry(name.clone()).or_insert_with(|| read(name));
        let row: u64 = defect.cells[row].parse().expect("row is a number");
        let record: usize = defect.cells[record].parse().expect("record is a number");
        if record == 0 {
            if defect.cells[expect] == "skip" {
                assert!(
                    read.rows.iter().all(|r| r.row != row),
                    "{name} row {row} is not data"
                );
            }
            continue;
        }
        let got = read.rows.get(record - 1).map(|r| r.row);
        assert_eq!(
            got,
            Some(row),
            "{name}: record {record}: {:?}",
            defect.cells
        );
        checked += 1;
    }
    assert!(checked > 100, "only {checked} defects checked");
}

#[test]
fn workbook_cells_read_as_a_person_sees_them() {
    let xlsx = read("contacts.xlsx");
    assert_eq!(xlsx.cell(2, "Phone"), "4155550134", "number cell, no .0");
    let eleven = xlsx.cell(66, "Phone");
    assert!(
        eleven.len() == 11 && eleven.starts_with('1') && eleven.bytes().all(|b| b.is_ascii_digit()),
        "11-digit number, no exponent or fraction: {eleven}"
    );
    assert_eq!(
        xlsx.cell(90, "Postal Code"),
        "02134",
        "text ZIP keeps its zero"
    );
    assert_eq!(
        xlsx.cell(2, "Date of Birth"),
        "1976-07-24",
        "date cell to ISO"
    );
    assert_eq!(
        xlsx.cell(36, "Date of Birth").len(),
        10,
        "text date kept as typed"
    );
    assert_eq!(xlsx.cell(62, "Lead Score"), "72", "formula's cached value");
    assert!(
        xlsx.cell(58, "Notes").starts_with("=HYPERLINK("),
        "string, not a formula"
    );
    assert_eq!(
        xlsx.cell(83, "First Name"),
        "Ana\u{a0}María",
        "NBSP kept for the normaliser"
    );
    assert!(
        xlsx.rows.iter().all(|r| r.row <= 91),
        "formatted empty rows 92-94 skipped"
    );

    for name in ["leads.xls", "leads.ods", "leads.xlsm"] {
        let read = read(name);
        assert_eq!(read.cell(2, "Phone"), "3035550153", "{name}");
        assert_eq!(read.cell(14, "Phone"), "14155550161", "{name}");
        assert_eq!(read.cell(6, "Phone"), "+1 (503) 555-0117", "{name}");
        assert_eq!(read.cell(2, "Date of Birth"), "1999-08-12", "{name}");
        assert_eq!(read.cell(8, "Date of Birth"), "07/04/1976", "{name}");
        assert_eq!(read.cell(2, "Opted In"), "FALSE", "{name}");
        assert_eq!(read.cell(6, "Opted In"), "TRUE", "{name}");
    }
    assert_eq!(
        read("leads.xls").cell(23, "Phone"),
        "#N/A",
        "error cell as its text"
    );
    assert_eq!(
        read("leads.ods").cell(23, "State"),
        "",
        "covered cell of a merge"
    );
}

#[test]
fn text_cells_survive_their_encodings() {
    let outlook = read("outlook_export_cp1252.csv");
    assert_eq!(outlook.cell(2, "First Name"), "José");
    assert_eq!(outlook.cell(2, "Last Name"), "Muñoz");
    assert_eq!(outlook.cell(5, "Last Name"), "O\u{2019}Brien");
    assert!(
        outlook.cell(5, "Notes").contains('\u{2013}'),
        "en dash from 0x96"
    );

    let unicode = read("excel_unicode_text.txt");
    assert_eq!(
        (unicode.cell(4, "First Name"), unicode.cell(4, "Last Name")),
        ("娜", "李")
    );
    assert!(unicode.cell(8, "Notes").contains('\n'));
    assert!(
        unicode.cell(8, "Notes").chars().any(|c| c as u32 > 0xFFFF),
        "emoji"
    );
    assert!(unicode.cell(11, "Notes").contains('\t'), "quoted tab");

    let crm = read("crm_export_semicolon.csv");
    assert_eq!(crm.headers[0], "Customer No", "BOM stripped");
    assert!(
        crm.cell(5, "Phone").starts_with("04 "),
        "French national number as typed"
    );
    assert_eq!(crm.cell(5, "Country"), "France");

    let tradeshow = read("tradeshow_leads.csv");
    assert_eq!(tradeshow.cell(9, "Notes").matches('\n').count(), 2);
    assert!(tradeshow.cell(14, "Notes").contains('"'), "escaped quotes");
    assert_eq!(
        tradeshow.cell(32, "Scanned At"),
        "",
        "short ragged row padded"
    );
}

#[test]
fn sheets_by_name_and_index() {
    let path = sample("leads.xls");
    assert_eq!(
        source::sheet_names(&path).expect("names"),
        ["Leads", "Read me"]
    );
    for (sheet, first_header) in [
        ("2", None),
        ("read me", None),
        ("Leads", Some("First Name")),
    ] {
        let options = SourceOptions {
            sheet: Some(sheet.to_owned()),
            ..SourceOptions::default()
        };
        let source = source::open(&path, &options).unwrap_or_else(|e| panic!("{sheet}: {e}"));
        assert!(source.dialect().ends_with(if sheet == "Leads" {
            "'Leads'"
        } else {
            "'Read me'"
        }));
        if let Some(first) = first_header {
            assert_eq!(source.headers()[0], first);
        }
    }
    let options = SourceOptions {
        sheet: Some("Contacts".to_owned()),
        ..SourceOptions::default()
    };
    let err = source::open(&path, &options).expect_err("no such sheet");
    assert!(
        err.to_string()
            .ends_with("no sheet 'Contacts'; sheets are: 'Leads', 'Read me'"),
        "{err}"
    );
    assert!(source::sheet_names(&sample("tradeshow_leads.csv")).is_err());
}

#[test]
fn header_row_option_in_a_workbook() {
    let options = SourceOptions {
        header_row: 3,
        ..SourceOptions::default()
    };
    let source = source::open(&sample("leads.xlsm"), &options).expect("open");
    assert_eq!(source.headers()[0], "Rowan", "row 3 as the header");
    let first = source.into_iter().next().expect("a row").expect("ok");
    assert_eq!(first.row, 4);
}
