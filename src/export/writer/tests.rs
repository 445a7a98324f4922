//! The export writers' tests: each format's bytes and the atomic rename.

use super::*;

/// Issue 21.6: postal codes and phones are text cells in a text-formatted column cell, so
/// that editing the workbook in Excel keeps `02108` and `+1…` as they are.
#[test]
fn xlsx_cells_are_text_formatted() {
    use std::io::Read as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.xlsx");
    let file = File::create(&path).unwrap();
    let mut sink = Sink::create(
        OutputFormat::Xlsx,
        file,
        &path,
        &["Postal Code", "Phone"],
        &Shape::default(),
    )
    .unwrap();
    sink.write_row(&["02108".into(), "+14155550100".into()], &path)
        .unwrap();
    sink.finish(&path).unwrap();
    let mut archive = zip::ZipArchive::new(File::open(&path).unwrap()).unwrap();
    let mut styles = String::new();
    archive
        .by_name("xl/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    // 49 is Excel's built-in "@" (Text) number format.
    assert!(styles.contains("numFmtId=\"49\""), "{styles}");
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    use calamine::Reader as _;
    let range = book.worksheet_range("Contacts").unwrap();
    assert_eq!(
        range.get((1, 0)),
        Some(&calamine::Data::String("02108".into()))
    );
}

fn source(text: &str) -> SourceSpec {
    crate::mapping::parse(&format!("version = 1\n[source]\n{text}"), Path::new("m"))
        .unwrap()
        .source
}

#[test]
fn a_mapping_source_shapes_the_file_or_is_refused() {
    assert_eq!(Shape::for_source(&source("")).unwrap(), Shape::default());
    let shape = Shape::for_source(&source("delimiter = \"\\t\"\nsheet = \"Leads\"")).unwrap();
    assert_eq!((shape.delimiter, shape.sheet.as_str()), (b'\t', "Leads"));
    assert_eq!(
        Shape::for_source(&source("delimiter = \";\""))
            .unwrap()
            .delimiter,
        b';'
    );
    assert!(Shape::for_source(&source("encoding = \"UTF-8\"")).is_ok());
    for refused in [
        "encoding = \"windows-1252\"",
        "header_row = 3",
        "sheet = \"2\"",
    ] {
        assert!(Shape::for_source(&source(refused)).is_err(), "{refused}");
    }
}

#[test]
fn formats_from_extensions() {
    assert_eq!(
        OutputFormat::from_path(Path::new("a.CSV")),
        Some(OutputFormat::Csv)
    );
    assert_eq!(
        OutputFormat::from_path(Path::new("a.xlsx")),
        Some(OutputFormat::Xlsx)
    );
    assert_eq!(
        OutputFormat::from_path(Path::new("a.ndjson")),
        Some(OutputFormat::Jsonl)
    );
    assert_eq!(OutputFormat::from_path(Path::new("a.xls")), None);
    assert_eq!(clip(&"é".repeat(40_000)).chars().count(), MAX_CELL_CHARS);
}
