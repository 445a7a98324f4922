//! The three output formats, written row by row into the export's temporary file: CSV (UTF-8
//! with a BOM, CRLF, what Excel opens cleanly), XLSX (rust_xlsxwriter in constant-memory mode:
//! rows stream to a temporary file, so memory does not grow with the row count) and JSONL (one
//! contact per line). Cells of CSV and XLSX are neutralised against formula injection.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rust_xlsxwriter::{Format as XlsxFormat, Workbook, XlsxError};
use serde_json::Value;

use super::ExportError;
use crate::mapping::spec::SourceSpec;
use crate::report::{needs_neutralising, neutralise};

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// Comma-separated values.
    Csv,
    /// An Excel workbook.
    Xlsx,
    /// One JSON object per line.
    Jsonl,
}

impl OutputFormat {
    /// The format a file name implies, if its extension is one of ours.
    pub fn from_path(path: &Path) -> Option<OutputFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(OutputFormat::Csv),
            "xlsx" => Some(OutputFormat::Xlsx),
            "jsonl" | "ndjson" => Some(OutputFormat::Jsonl),
            _ => None,
        }
    }

    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Csv => "csv",
            OutputFormat::Xlsx => "xlsx",
            OutputFormat::Jsonl => "jsonl",
        }
    }
}

/// How the file must look for the import to read it back: a mapping's `[source]` can force the
/// CSV delimiter and the worksheet's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// The CSV delimiter.
    pub delimiter: u8,
    /// The (first) worksheet's name.
    pub sheet: String,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            delimiter: b',',
            sheet: "Contacts".into(),
        }
    }
}

impl Shape {
    /// The shape a mapping's `[source]` asks for; what the export cannot write (another text
    /// encoding, headers below row 1, a worksheet by a later index) is refused, since the
    /// import would then misread the file.
    pub fn for_source(source: &SourceSpec) -> Result<Shape, ExportError> {
        let refuse = |message: String| ExportError::Mapping { message };
        let mut shape = Shape::default();
        if let Some(encoding) = &source.encoding {
            let label = encoding.trim().to_ascii_lowercase().replace('_', "-");
            if !matches!(label.as_str(), "utf-8" | "utf8" | "utf-8-sig") {
                return Err(refuse(format!(
                    "[source] encoding = \"{encoding}\": the export writes UTF-8; remove the \
                     setting (UTF-8 with a BOM is recognised on import) to re-import the file"
                )));
            }
        }
        if source.header_row.is_some_and(|row| row > 1) {
            return Err(refuse(
                "[source] header_row: the export writes its headers on row 1; remove the \
                 setting to re-import the file"
                    .into(),
            ));
        }
        match source.delimiter.as_deref() {
            None => {}
            Some("\t") | Some("tab") | Some("\\t") => shape.delimiter = b'\t',
            Some(d) if d.len() == 1 && d.is_ascii() => shape.delimiter = d.as_bytes()[0],
            Some(d) => {
                return Err(refuse(format!(
                    "[source] delimiter \"{d}\" must be one ASCII character"
                )))
            }
        }
        match source.sheet.as_deref().map(str::trim) {
            None | Some("1") => {}
            Some(index) if index.parse::<u32>().is_ok() => {
                return Err(refuse(format!(
                    "[source] sheet = \"{index}\": the export writes one sheet; name it instead"
                )))
            }
            Some(name) => shape.sheet = name.to_string(),
        }
        Ok(shape)
    }
}

/// Excel's last row is 1,048,576: one header row and this many data rows per sheet; further
/// rows continue on "Contacts (2)", "Contacts (3)"… (the import reads the first sheet).
pub const SHEET_ROWS: u32 = 1_048_575;
/// Excel's limit on the characters in one cell.
const MAX_CELL_CHARS: usize = 32_767;

/// A file being written.
pub enum Sink {
    /// CSV into the temporary file.
    Csv(Box<csv::Writer<BufWriter<File>>>),
    /// XLSX: rows go to rust_xlsxwriter's own temporary storage, the workbook into the file at
    /// the end.
    Xlsx(Box<XlsxSink>),
    /// JSONL into the temporary file.
    Jsonl(BufWriter<File>),
    /// One location's part of a combined file: a JSON array of cells (CSV, XLSX) or a JSON
    /// record (JSONL) per line, as they will be written; neutralised when combined.
    Part(BufWriter<File>),
}

/// The XLSX state.
pub struct XlsxSink {
    workbook: Workbook,
    file: File,
    headers: Vec<String>,
    header: XlsxFormat,
    plain: XlsxFormat,
    quoted: XlsxFormat,
    sheet: usize,
    name: String,
    row: u32,
}

impl Sink {
    /// Starts the file: the header row for CSV and XLSX, nothing for JSONL.
    pub fn create(
        format: OutputFormat,
        file: File,
        path: &Path,
        headers: &[&str],
        shape: &Shape,
    ) -> Result<Sink, ExportError> {
        let io = |source| ExportError::Io {
            path: path.to_path_buf(),
            source,
        };
        match format {
            OutputFormat::Csv => {
                let mut out = BufWriter::with_capacity(256 * 1024, file);
                out.write_all(b"\xEF\xBB\xBF").map_err(io)?;
                let mut writer = csv::WriterBuilder::new()
                    .delimiter(shape.delimiter)
                    .terminator(csv::Terminator::CRLF)
                    .from_writer(out);
                write_csv_record(&mut writer, headers.iter().copied())
                    .map_err(|e| csv_err(path, e))?;
                Ok(Sink::Csv(Box::new(writer)))
            }
            OutputFormat::Jsonl => Ok(Sink::Jsonl(BufWriter::with_capacity(256 * 1024, file))),
            OutputFormat::Xlsx => {
                let mut sink = XlsxSink {
                    workbook: Workbook::new(),
                    file,
                    headers: headers.iter().map(|h| h.to_string()).collect(),
                    header: XlsxFormat::new().set_bold(),
                    // Text format (`@`, built-in 49): a postal code or phone someone retypes in Excel stays
                    // text, leading zeros and `+` included (issue 21.6).
                    plain: XlsxFormat::new().set_num_format_index(49),
                    quoted: XlsxFormat::new()
                        .set_quote_prefix()
                        .set_num_format_index(49),
                    sheet: 0,
                    name: shape.sheet.clone(),
                    row: 0,
                };
                sink.new_sheet().map_err(|e| xlsx_err(path, e))?;
                Ok(Sink::Xlsx(Box::new(sink)))
            }
        }
    }

    /// A part of a combined file (no header: the combined file's comes from every part's).
    pub fn part(file: File) -> Sink {
        Sink::Part(BufWriter::with_capacity(256 * 1024, file))
    }

    /// Writes one row of cells (CSV, XLSX).
    pub fn write_row(&mut self, cells: &[String], path: &Path) -> Result<(), ExportError> {
        match self {
            Sink::Csv(writer) => write_csv_record(writer, cells.iter().map(String::as_str))
                .map_err(|e| csv_err(path, e)),
            Sink::Xlsx(sink) => sink.write(cells).map_err(|e| xlsx_err(path, e)),
            Sink::Part(out) => json_line(out, cells, path),
            Sink::Jsonl(_) => Err(ExportError::Internal(
                "a spreadsheet row was sent to the JSONL writer".into(),
            )),
        }
    }

    /// Writes one JSON record (JSONL).
    pub fn write_json(&mut self, record: &Value, path: &Path) -> Result<(), ExportError> {
        match self {
            Sink::Jsonl(out) | Sink::Part(out) => json_line(out, record, path),
            _ => Err(ExportError::Internal(
                "a JSON record was sent to a spreadsheet writer".into(),
            )),
        }
    }

    /// Writes one record already serialised as a JSON object (JSONL).
    pub fn write_json_text(&mut self, text: &str, path: &Path) -> Result<(), ExportError> {
        match self {
            Sink::Jsonl(out) => {
                let io = |source| ExportError::Io {
                    path: path.to_path_buf(),
                    source,
                };
                out.write_all(text.as_bytes()).map_err(io)?;
                out.write_all(b"\n").map_err(io)
            }
            _ => Err(ExportError::Internal(
                "a JSON record was sent to a spreadsheet writer".into(),
            )),
        }
    }

    /// Finishes the format and hands back the file, flushed but not yet synced.
    pub fn finish(self, path: &Path) -> Result<File, ExportError> {
        let io = |source| ExportError::Io {
            path: path.to_path_buf(),
            source,
        };
        match self {
            Sink::Csv(writer) => (*writer)
                .into_inner()
                .map_err(|e| io(std::io::Error::other(e.to_string())))?
                .into_inner()
                .map_err(|e| io(std::io::Error::other(e.to_string()))),
            Sink::Jsonl(out) | Sink::Part(out) => out
                .into_inner()
                .map_err(|e| io(std::io::Error::other(e.to_string()))),
            Sink::Xlsx(sink) => {
                let XlsxSink {
                    mut workbook,
                    mut file,
                    ..
                } = *sink;
                workbook
                    .save_to_writer(&mut file)
                    .map_err(|e| xlsx_err(path, e))?;
                Ok(file)
            }
        }
    }
}

/// One JSON value and a line end.
fn json_line(
    out: &mut BufWriter<File>,
    value: &(impl serde::Serialize + ?Sized),
    path: &Path,
) -> Result<(), ExportError> {
    let io = |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    };
    serde_json::to_writer(&mut *out, value).map_err(|e| io(std::io::Error::other(e)))?;
    out.write_all(b"\n").map_err(io)
}

impl XlsxSink {
    fn new_sheet(&mut self) -> Result<(), XlsxError> {
        self.sheet += 1;
        let name = if self.sheet == 1 {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, self.sheet)
        };
        let sheet = self.workbook.add_worksheet_with_constant_memory();
        sheet.set_name(name)?;
        sheet.set_freeze_panes(1, 0)?;
        for (col, header) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, col_num(col)?, clip(header), &self.header)?;
        }
        self.row = 0;
        Ok(())
    }

    fn write(&mut self, cells: &[String]) -> Result<(), XlsxError> {
        if self.row >= SHEET_ROWS {
            self.new_sheet()?;
        }
        self.row += 1;
        let sheet = self.workbook.worksheet_from_index(self.sheet - 1)?;
        for (col, cell) in cells.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            // Every value is a string cell (a phone or ZIP stays text); a cell a spreadsheet
            // could read as a formula gets Excel's own quote prefix: the value stays as it is
            // and stays text when someone edits it.
            let format = if needs_neutralising(cell) {
                &self.quoted
            } else {
                &self.plain
            };
            sheet.write_string_with_format(self.row, col_num(col)?, clip(cell), format)?;
        }
        Ok(())
    }
}

/// One record, every cell neutralised, without collecting the cells first.
fn write_csv_record<'c>(
    writer: &mut csv::Writer<BufWriter<File>>,
    cells: impl Iterator<Item = &'c str>,
) -> Result<(), csv::Error> {
    for cell in cells {
        writer.write_field(neutralise(cell).as_bytes())?;
    }
    writer.write_record(None::<&[u8]>)
}

fn col_num(col: usize) -> Result<u16, XlsxError> {
    u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)
}

/// A cell cut to Excel's limit (on a character boundary).
fn clip(cell: &str) -> &str {
    match cell.char_indices().nth(MAX_CELL_CHARS) {
        Some((at, _)) => &cell[..at],
        None => cell,
    }
}

fn csv_err(path: &Path, e: csv::Error) -> ExportError {
    ExportError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
}

fn xlsx_err(path: &Path, e: XlsxError) -> ExportError {
    ExportError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
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
}
