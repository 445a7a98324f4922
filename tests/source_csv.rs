//! The CSV reader end to end on files written to a temp dir: dialects, row numbers, defects,
//! and properties (never panics on arbitrary bytes; csv-written tables round-trip).

use std::io::Write;
use std::path::PathBuf;

use ghl_bulk::source::{self, Format, RawRow, SourceOptions};
use proptest::prelude::*;

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    let mut file = std::fs::File::create(&path).expect("create temp file");
    file.write_all(bytes).expect("write temp file");
    path
}

/// Writes `bytes` to a file `name` in a temp dir and reads it with the default options.
fn read_file(name: &str, bytes: &[u8]) -> (Vec<String>, String, Vec<RawRow>) {
    let dir = tempfile::tempdir().expect("tempdir");
    read_all(&write(&dir, name, bytes), &SourceOptions::default())
}

/// `header`, then the `n` lines `line` makes of 0, 1, 2, …
fn numbered(header: &str, n: usize, line: impl Fn(usize) -> String) -> Vec<u8> {
    let mut bytes = header.as_bytes().to_vec();
    for i in 0..n {
        bytes.extend(line(i).as_bytes());
    }
    bytes
}

fn read_all(path: &std::path::Path, options: &SourceOptions) -> (Vec<String>, String, Vec<RawRow>) {
    let source = source::open(path, options).unwrap_or_else(|e| panic!("open: {e}"));
    let headers = source.headers().to_vec();
    let dialect = source.dialect();
    assert_eq!(source.format(), Format::Csv);
    let rows = source
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("read: {e}"));
    (headers, dialect, rows)
}

#[test]
fn utf8_bom_semicolon_with_quoted_newlines_and_row_numbers() {
    let text = "\u{feff} Email ;Name;;Notes\r\n\
                a@x.com;José;x;\"two\r\nlines\"\r\n\
                \r\n\
                ;;;\r\n\
                b@x.com;Zoë ;y;plain\r\n";
    let (headers, dialect, rows) = read_file("in.csv", text.as_bytes());
    assert_eq!(headers, ["Email", "Name", "Column 3", "Notes"]);
    assert_eq!(dialect, "UTF-8 with BOM, ';'-separated");
    assert_eq!(rows.len(), 2, "blank and all-empty lines are not data rows");
    assert_eq!(rows[0].row, 2);
    assert_eq!(rows[0].cells, ["a@x.com", "José", "x", "two\r\nlines"]);
    assert_eq!(rows[1].row, 5, "the row Excel shows it on");
    assert_eq!(rows[1].cells[1], "Zoë ", "cells are not trimmed");
    assert!(rows.iter().all(|r| r.defect.is_none()));
}

#[test]
fn ragged_and_short_rows() {
    let (_, _, rows) = read_file("r.csv", b"a,b,c\n1,2\n1,2,3,4,5\n1,2,3,\n");
    assert_eq!(rows[0].cells, ["1", "2", ""]);
    assert!(rows[0].defect.is_none());
    let defect = rows[1].defect.as_ref().expect("ragged row has a defect");
    assert_eq!(defect.code, "ragged_row");
    assert!(
        defect.message.contains("\"4\", \"5\""),
        "{}",
        defect.message
    );
    assert_eq!(rows[1].cells, ["1", "2", "3"]);
    assert!(
        rows[2].defect.is_none(),
        "a trailing empty field is not ragged"
    );
}

#[test]
fn windows_1252_fallback() {
    let (headers, dialect, rows) = read_file("w.csv", b"name\tcity\nJos\xe9\tK\xf6ln\nA\tB\n");
    assert_eq!(headers, ["name", "city"]);
    assert_eq!(dialect, "windows-1252 (not valid UTF-8), tab-separated");
    assert_eq!(rows[0].cells, ["José", "Köln"]);
}

#[test]
fn utf16le_with_bom_streams_and_counts_lines() {
    let text = "email|name\nx@y.z|\"Ann\nMarie\"\nq@r.s|Łukasz\n";
    let mut bytes = vec![0xFF, 0xFE];
    text.encode_utf16()
        .for_each(|u| bytes.extend(u.to_le_bytes()));
    let (headers, dialect, rows) = read_file("u.txt", &bytes);
    assert_eq!(headers, ["email", "name"]);
    assert_eq!(dialect, "UTF-16LE with BOM, '|'-separated");
    assert_eq!(rows[1].cells, ["q@r.s", "Łukasz"]);
    assert_eq!((rows[0].row, rows[1].row), (2, 3));
}

/// Issue 19.5: a byte that is not UTF-8 is read as windows-1252 where it is, not replaced;
/// an ASCII file is both, so the row is not "mixed".
#[test]
fn invalid_utf8_after_the_sniffed_sample_falls_back_for_that_row() {
    let mut bytes = numbered("email,name\n", 5000, |i| {
        format!("user{i}@example.com,Name {i}\n")
    });
    assert!(bytes.len() > 64 * 1024);
    bytes.extend(b"late@example.com,Ren\xe9e\n");
    let (_, dialect, rows) = read_file("late.csv", &bytes);
    assert_eq!(dialect, "UTF-8, ','-separated");
    let last = rows.last().expect("rows");
    assert_eq!(last.row, 5002);
    assert_eq!(last.cells[1], "Renée");
    assert!(rows.iter().all(|r| r.defect.is_none()));
}

#[test]
fn forced_options_and_header_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(&dir, "h.csv", b"Export 2024\n\nemail;name\nA@x.com;A\n");
    let options = SourceOptions {
        header_row: 2,
        delimiter: Some(b';'),
        encoding: Some("windows-1252".into()),
        ..SourceOptions::default()
    };
    let (headers, dialect, rows) = read_all(&path, &options);
    assert_eq!(headers, ["email", "name"]);
    assert_eq!(dialect, "windows-1252 (forced), ';'-separated");
    assert_eq!((rows[0].row, rows.len()), (4, 1));
}

#[test]
fn unclosed_quote_is_flagged_not_silently_swallowed() {
    let (_, _, rows) = read_file(
        "q.csv",
        b"email,name,city\na@x.com,\"Ann,Paris\nb@x.com,Bob,Lyon\nc@x.com,Cy,Nice\n",
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].defect.as_ref().map(|d| d.code),
        Some("unbalanced_quote")
    );
}

#[test]
fn empty_file_and_bad_options_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(&dir, "e.csv", b"");
    let err = source::open(&path, &SourceOptions::default()).expect_err("empty file");
    assert!(err.to_string().contains("e.csv"), "{err}");
    let path = write(&dir, "ok.csv", b"a\n1\n");
    let options = SourceOptions {
        delimiter: Some(b'"'),
        ..SourceOptions::default()
    };
    assert!(source::open(&path, &options).is_err());
    let options = SourceOptions {
        encoding: Some("nope".into()),
        ..SourceOptions::default()
    };
    assert!(source::open(&path, &options).is_err());
}

#[test]
fn unknown_extension_text_is_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (headers, _, rows) = read_file("contacts.export", b"a,b\n1,2\n");
    assert_eq!((headers.len(), rows.len()), (2, 1));
    let path = write(&dir, "fake.xlsx", b"a,b\n1,2\n");
    let err = source::open(&path, &SourceOptions::default()).expect_err("text named .xlsx");
    assert!(err.to_string().contains("rename it to .csv"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(&dir, "fuzz.csv", &bytes);
        if let Ok(source) = source::open(&path, &SourceOptions::default()) {
            let width = source.headers().len();
            for row in source {
                let row = row.expect("no I/O error on a local file");
                prop_assert_eq!(row.cells.len(), width);
            }
        }
    }

    #[test]
    fn csv_written_tables_round_trip(
        delimiter in prop::sample::select(vec![b',', b';', b'\t', b'|']),
        table in proptest::collection::vec(
            proptest::collection::vec("[a-zA-Z0-9 ,;|\t\"\n\r'=é€]{0,12}", 3),
            1..20,
        ),
    ) {
        let headers = ["email", "first name", "notes"];
        // Rows of empty or whitespace cells are skipped by design; keep them out.
        let blank = |c: &String| c.bytes().all(|b| b.is_ascii_whitespace());
        let expected: Vec<Vec<String>> =
            table.into_iter().filter(|r| !r.iter().all(blank)).collect();
        let mut writer = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
        writer.write_record(headers).expect("write header");
        for row in &expected {
            writer.write_record(row).expect("write row");
        }
        let bytes = writer.into_inner().expect("flush");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(&dir, "rt.csv", &bytes);
        let options = SourceOptions { delimiter: Some(delimiter), ..SourceOptions::default() };
        let (read_headers, _, rows) = read_all(&path, &options);
        prop_assert_eq!(read_headers, headers);
        let cells: Vec<Vec<String>> = rows.into_iter().map(|r| r.cells).collect();
        prop_assert_eq!(cells, expected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Row numbers are the rows Excel shows the records on (issue 13.4): blank lines count,
    /// the lines inside quoted cells do not, whatever the line endings or a missing final
    /// newline.
    #[test]
    fn row_numbers_are_spreadsheet_rows(
        eol in prop::sample::select(vec!["\n", "\r\n", "\r"]),
        final_newline in any::<bool>(),
        rows in proptest::collection::vec(
            (0usize..3, proptest::collection::vec("[a-z]{1,4}(\n[a-z]{0,3}){0,2}", 2)),
            1..15,
        ),
    ) {
        let mut text = format!("a,b{eol}");
        let mut line = 2u64;
        let mut expected = Vec::new();
        for (i, (blanks, cells)) in rows.iter().enumerate() {
            for _ in 0..*blanks {
                text.push_str(eol);
                line += 1;
            }
            expected.push(line);
            let record: Vec<String> = cells
                .iter()
                .map(|c| format!("\"{}\"", c.replace('\n', eol)))
                .collect();
            text.push_str(&record.join(","));
            if final_newline || i + 1 < rows.len() {
                text.push_str(eol);
                line += 1;
            }
        }
        let (_, _, read) = read_file("lines.csv", text.as_bytes());
        let got: Vec<u64> = read.iter().map(|r| r.row).collect();
        prop_assert_eq!(got, expected, "{:?}", text);
    }
}

#[test]
fn classic_mac_line_ends_count_lines() {
    let (_, dialect, rows) = read_file(
        "mac.csv",
        b"email,notes\ra@x.com,\"two\rlines\"\r\rb@x.com,x\r",
    );
    assert_eq!(dialect, "UTF-8, ','-separated, CR line ends");
    assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 4]);
    assert_eq!(rows[0].cells[1], "two\nlines");
}

#[test]
fn unpaired_utf16_surrogate_marks_the_row() {
    let mut bytes = vec![0xFF, 0xFE];
    "email\nok@x.com\nbad@x.com"
        .encode_utf16()
        .for_each(|u| bytes.extend(u.to_le_bytes()));
    bytes.extend(0xD800u16.to_le_bytes());
    bytes.extend(u16::from(b'\n').to_le_bytes());
    let (_, _, rows) = read_file("s.txt", &bytes);
    assert!(rows[0].defect.is_none());
    assert_eq!(rows[1].cells[0], "bad@x.com\u{fffd}");
    assert_eq!(
        rows[1].defect.as_ref().map(|d| d.code),
        Some("bad_encoding")
    );
}

/// Reads every row, then the dialect as it stands after the read.
fn read_then_dialect(path: &std::path::Path) -> (Vec<RawRow>, String) {
    let mut source =
        source::open(path, &SourceOptions::default()).unwrap_or_else(|e| panic!("open: {e}"));
    let rows = source
        .by_ref()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("read: {e}"));
    (rows, source.dialect())
}

/// Issue 19.5: a few bad bytes in one row no longer turn the whole file's UTF-8 into
/// mojibake ("Café" read as "CafÃ©"); that row alone falls back, with a warning.
#[test]
fn a_mostly_utf8_file_is_decoded_per_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = b"email,city\nann@x.com,Caf\xc3\xa9\nbob@x.com,K\xf6ln\ncid@x.com,Z\xc3\xbcrich\n";
    let path = write(&dir, "mixed.csv", bytes);
    let (rows, dialect) = read_then_dialect(&path);
    let cities: Vec<&str> = rows.iter().map(|r| r.cells[1].as_str()).collect();
    assert_eq!(cities, ["Café", "Köln", "Zürich"]);
    assert!(rows[0].defect.is_none() && rows[2].defect.is_none());
    let warning = rows[1]
        .defect
        .as_ref()
        .expect("the fallback row is flagged");
    assert_eq!((warning.code, warning.blocking), ("encoding_mixed", false));
    assert_eq!(
        dialect,
        "UTF-8 for 2 rows, windows-1252 for 1 not valid UTF-8, ','-separated"
    );
}

/// A fallback that decodes to control characters is in neither encoding: the row is rejected.
#[test]
fn bytes_in_neither_encoding_reject_the_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        &dir,
        "c1.csv",
        b"email,city\nann@x.com,Caf\xc3\xa9\nbob@x.com,K\x81ln\n",
    );
    let (rows, _) = read_then_dialect(&path);
    let defect = rows[1].defect.as_ref().expect("flagged");
    assert_eq!((defect.code, defect.blocking), ("bad_encoding", true));
}

/// A file in windows-1252 throughout reads as before: no warning on any row.
#[test]
fn a_windows_1252_file_has_no_mixed_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bytes = numbered("email,city\n", 5000, |i| format!("u{i}@x.com,plain\n"));
    // The first non-ASCII row comes after the sniffed sample; later rows are windows-1252 too.
    bytes.extend(b"ann@x.com,K\xf6ln\nbob@x.com,M\xfcnchen\n");
    let path = write(&dir, "w.csv", &bytes);
    let (rows, dialect) = read_then_dialect(&path);
    assert!(rows.iter().all(|r| r.defect.is_none()));
    assert_eq!(rows[rows.len() - 1].cells[1], "München");
    assert_eq!(dialect, "windows-1252 (not valid UTF-8), ','-separated");
}

/// Issue 19.10: rows appended while the file is read end the read with one clear error (it
/// was `UNIQUE constraint failed: rows.row` in the ledger, or rows from two versions).
#[test]
fn a_file_that_grows_while_read_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = numbered("email,name\n", 40_000, |i| {
        format!("user{i}@example.com,Name {i}\n")
    });
    let path = write(&dir, "grows.csv", &bytes);
    let mut source =
        source::open(&path, &SourceOptions::default()).unwrap_or_else(|e| panic!("open: {e}"));
    assert!(matches!(source.next(), Some(Ok(_))));
    let mut appender = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("append");
    appender
        .write_all(b"late@example.com,Late\n")
        .expect("append a row");
    let end = source.find_map(Result::err);
    let message = end.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("the input changed while it was read"),
        "{message:?}"
    );
}

/// Issue 13.3: a reject file of ours is read from row 1 whatever the mapping's header_row
/// says; the command line's `--header-row` still wins.
#[test]
fn a_reject_file_reads_its_header_from_row_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "\u{feff}Email,Name,_row,_stage,_code,_field,_message\r\nx,Ann,7,validate,email_invalid,email,no @\r\n";
    let path = write(&dir, "rejects.csv", text.as_bytes());
    let mapping_says = SourceOptions {
        header_row: 4,
        ..SourceOptions::default()
    };
    let (headers, dialect, rows) = read_all(&path, &mapping_says);
    assert_eq!(headers[..2], ["Email", "Name"]);
    assert_eq!((rows.len(), rows[0].row), (1, 2));
    assert!(
        dialect.ends_with("a reject file: headers on row 1"),
        "{dialect}"
    );
    let forced = SourceOptions {
        header_row: 4,
        header_row_forced: true,
        ..SourceOptions::default()
    };
    assert!(source::open(&path, &forced).is_err());
}

/// The pipeline may read on one thread and validate on others.
#[test]
fn source_is_send() {
    fn send<T: Send>() {}
    send::<ghl_bulk::source::Source>();
    send::<ghl_bulk::source::SourceError>();
}
