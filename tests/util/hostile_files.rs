//! Generators of hostile workbooks: small files that ask a reader for gigabytes (issue 19.4).
//! Used by `tests/source_hostile.rs` and by `examples/hostile_workbooks.rs`, which writes them
//! into the fuzz corpus. Every file is built by hand from its XML so that it says exactly what
//! a hostile file says (a declared dimension, a declared string count, repeat counts).

use std::io::Write;
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Writes one part of a zip (big ones stream).
type PartWriter = Box<dyn Fn(&mut dyn Write) -> std::io::Result<()>>;

/// One generated file: its name, and what reading it must end in.
pub struct Hostile {
    pub name: &'static str,
    pub write: fn(&Path) -> std::io::Result<()>,
    /// `None`: reads normally; `Some(text)`: a one-line error containing `text`.
    pub error: Option<&'static str>,
}

/// Every generator; `big` adds the ones that take seconds and hundreds of MB to write.
pub fn all() -> Vec<Hostile> {
    vec![
        Hostile {
            name: "stray_cell_xfd1048576.xlsx",
            write: stray_cell,
            error: None,
        },
        Hostile {
            name: "shared_strings_inflate.xlsx",
            write: bulky_shared_strings,
            error: Some("inflates to more than 256 MiB"),
        },
        Hostile {
            name: "shared_strings_many.xlsx",
            write: many_shared_strings,
            error: Some("holds more than"),
        },
        Hostile {
            name: "shared_strings_declared.xlsx",
            write: declared_shared_strings,
            error: Some("declares 4000000000 strings"),
        },
        Hostile {
            name: "rows_past_excel.xlsx",
            write: rows_past_excel,
            error: Some("a row past Excel's last row"),
        },
        Hostile {
            name: "huge_dimensions.xls",
            write: huge_dimensions_xls,
            error: Some("declares more rows or columns than an xls can hold"),
        },
        Hostile {
            name: "far_cell.xls",
            write: far_cell_xls,
            error: Some("a cell lies past the 256 columns an xls sheet can hold"),
        },
        Hostile {
            name: "repeated_rows_columns.ods",
            write: repeated_ods,
            error: Some("repeated rows and columns expand"),
        },
        Hostile {
            name: "repeated_spaces.ods",
            write: repeated_spaces_ods,
            error: Some("repeated rows and columns expand"),
        },
    ]
}

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
}

/// A zip of named parts; a part is written by a closure so big ones stream.
fn zip_parts(path: &Path, parts: Vec<(&str, PartWriter)>) -> std::io::Result<()> {
    let mut zip = ZipWriter::new(std::fs::File::create(path)?);
    for (name, write) in parts {
        zip.start_file(name, deflated())?;
        write(&mut zip)?;
    }
    zip.finish()?;
    Ok(())
}

fn text(s: &'static str) -> PartWriter {
    Box::new(move |w| w.write_all(s.as_bytes()))
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;
/// A header and one valid contact, as inline strings.
const ROWS_1_2: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c><c r="B1" t="inlineStr"><is><t>First Name</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>ada@example.com</t></is></c><c r="B2" t="inlineStr"><is><t>Ada</t></is></c></row>"#;

/// An xlsx of one sheet; `sheet` writes the worksheet part, `strings` the shared strings.
fn xlsx(path: &Path, sheet: PartWriter, strings: Option<PartWriter>) -> std::io::Result<()> {
    let mut parts = vec![
        ("[Content_Types].xml", text(CONTENT_TYPES)),
        ("_rels/.rels", text(ROOT_RELS)),
        ("xl/workbook.xml", text(WORKBOOK)),
        ("xl/_rels/workbook.xml.rels", text(WORKBOOK_RELS)),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    if let Some(strings) = strings {
        parts.push(("xl/sharedStrings.xml", strings));
    }
    zip_parts(path, parts)
}

/// 2 KB: a declared dimension of the whole grid and one stray cell at `XFD1048576`. calamine's
/// `Range` for it is 16,384 × 1,048,576 cells (24 GB).
pub fn stray_cell(path: &Path) -> std::io::Result<()> {
    let sheet = format!(
        r#"{SHEET_START}<dimension ref="A1:XFD1048576"/><sheetData>{ROWS_1_2}<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>stray</t></is></c></row></sheetData></worksheet>"#
    );
    xlsx(path, Box::new(move |w| w.write_all(sheet.as_bytes())), None)
}

/// The header and one contact (as inline strings), with `strings` as the shared-string table.
fn two_rows_with_strings(path: &Path, strings: PartWriter) -> std::io::Result<()> {
    let sheet = format!(r#"{SHEET_START}<sheetData>{ROWS_1_2}</sheetData></worksheet>"#);
    xlsx(
        path,
        Box::new(move |w| w.write_all(sheet.as_bytes())),
        Some(strings),
    )
}

/// About 300 KB: a shared-string table of 300 strings of 1 MiB each (300 MiB inflated).
pub fn bulky_shared_strings(path: &Path) -> std::io::Result<()> {
    let strings = Box::new(|w: &mut dyn Write| {
        w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="300" uniqueCount="300">"#)?;
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..300 {
            w.write_all(b"<si><t>")?;
            w.write_all(&chunk)?;
            w.write_all(b"</t></si>")?;
        }
        w.write_all(b"</sst>")
    });
    two_rows_with_strings(path, strings)
}

/// About 100 KB: 13 million empty shared strings (each costs calamine a `String`).
pub fn many_shared_strings(path: &Path) -> std::io::Result<()> {
    let strings = Box::new(|w: &mut dyn Write| {
        w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#)?;
        let chunk = b"<si/>".repeat(1 << 16);
        for _ in 0..(13_000_000 >> 16) + 1 {
            w.write_all(&chunk)?;
        }
        w.write_all(b"</sst>")
    });
    two_rows_with_strings(path, strings)
}

/// 1 KB: a table of one string that declares four billion (calamine reserves the declared
/// count up front: 96 GB).
pub fn declared_shared_strings(path: &Path) -> std::io::Result<()> {
    let strings = text(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="4000000000"><si><t>x</t></si></sst>"#,
    );
    two_rows_with_strings(path, strings)
}

/// About 30 KB: after the data, 1.1 million rows without `r` (each counts one row) and then a
/// value, which lands past Excel's last row.
pub fn rows_past_excel(path: &Path) -> std::io::Result<()> {
    let sheet = Box::new(|w: &mut dyn Write| {
        w.write_all(SHEET_START.as_bytes())?;
        w.write_all(b"<sheetData>")?;
        w.write_all(ROWS_1_2.as_bytes())?;
        let chunk = b"<row></row>".repeat(1 << 14);
        for _ in 0..(1_100_000 >> 14) {
            w.write_all(&chunk)?;
        }
        w.write_all(br#"<row><c t="inlineStr"><is><t>late@example.com</t></is></c></row>"#)?;
        w.write_all(b"</sheetData></worksheet>")
    });
    xlsx(path, sheet, None)
}

const ODS_MIMETYPE: &str = "application/vnd.oasis.opendocument.spreadsheet";
const ODS_MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
const ODS_START: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Contacts"><table:table-row><table:table-cell office:value-type="string"><text:p>Email</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>First Name</text:p></table:table-cell></table:table-row>"#;
const ODS_END: &str = "</table:table></office:spreadsheet></office:body></office:document-content>";

fn ods(path: &Path, rows: &'static str) -> std::io::Result<()> {
    let mut zip = ZipWriter::new(std::fs::File::create(path)?);
    // The mimetype comes first and stored, as ODF requires.
    zip.start_file(
        "mimetype",
        SimpleFileOptions::default().compression_method(CompressionMethod::Stored),
    )?;
    zip.write_all(ODS_MIMETYPE.as_bytes())?;
    zip.start_file("META-INF/manifest.xml", deflated())?;
    zip.write_all(ODS_MANIFEST.as_bytes())?;
    zip.start_file("content.xml", deflated())?;
    zip.write_all(ODS_START.as_bytes())?;
    zip.write_all(rows.as_bytes())?;
    zip.write_all(ODS_END.as_bytes())?;
    zip.finish()?;
    Ok(())
}

/// Under 1 KB: one row of a value repeated over 10,000 columns, repeated over 10,000 rows
/// (~100 M cells once expanded).
pub fn repeated_ods(path: &Path) -> std::io::Result<()> {
    ods(
        path,
        r#"<table:table-row table:number-rows-repeated="10000"><table:table-cell table:number-columns-repeated="10000" office:value-type="string"><text:p>ada@example.com</text:p></table:table-cell></table:table-row>"#,
    )
}

/// Under 1 KB: a cell of a billion spaces (`text:s`), repeated over 16 columns.
pub fn repeated_spaces_ods(path: &Path) -> std::io::Result<()> {
    ods(
        path,
        r#"<table:table-row><table:table-cell table:number-columns-repeated="16" office:value-type="string"><text:p><text:s text:c="1000000000"/></text:p></table:table-cell></table:table-row>"#,
    )
}

/// samples/leads.xls with its sheets' DIMENSIONS records declaring 4 billion rows and 65,535
/// columns (calamine reserved room for that many cells before reading one).
pub fn huge_dimensions_xls(path: &Path) -> std::io::Result<()> {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/leads.xls");
    let mut bytes = std::fs::read(sample)?;
    let mut at = 0;
    while let Some(found) = bytes[at..]
        .windows(4)
        .position(|w| w == [0x00, 0x02, 0x0E, 0x00])
    {
        let record = at + found + 4;
        bytes[record..record + 4].copy_from_slice(&0u32.to_le_bytes());
        bytes[record + 4..record + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        bytes[record + 10..record + 12].copy_from_slice(&u16::MAX.to_le_bytes());
        at = record + 14;
    }
    std::fs::write(path, bytes)
}

/// samples/leads.xls with its first LABELSST cell moved to row 65,535, column 65,535: calamine
/// sized the sheet by its cells' extremes, about 4 billion cells reserved at once (an abort
/// found by `damaged_workbooks_never_panic` flipping bytes of that sample).
pub fn far_cell_xls(path: &Path) -> std::io::Result<()> {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/leads.xls");
    let mut bytes = std::fs::read(sample)?;
    if let Some(found) = bytes.windows(4).position(|w| w == [0xFD, 0x00, 0x0A, 0x00]) {
        let record = found + 4;
        bytes[record..record + 2].copy_from_slice(&u16::MAX.to_le_bytes());
        bytes[record + 2..record + 4].copy_from_slice(&u16::MAX.to_le_bytes());
    }
    std::fs::write(path, bytes)
}
