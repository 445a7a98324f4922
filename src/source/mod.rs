//! Reading input spreadsheets: CSV-family text files and Excel/ODS workbooks, as a header plus
//! a stream of [`RawRow`]s. This module owns format detection, encoding and delimiter sniffing,
//! and rendering cells the way a person sees them; it knows nothing of contacts or mappings.
//!
//! Conventions every reader follows (the mapping and the reject files rely on them):
//! - Headers are trimmed, a leading BOM is stripped, and an empty header cell is named
//!   `Column N` (N = 1-based column position), so every column has a usable name.
//! - Every [`RawRow`] has exactly `headers().len()` cells: short rows are padded with `""`;
//!   a row with more non-empty cells than headers keeps the first cells and carries a
//!   `ragged_row` defect naming the extra values. Extra cells that are all empty (a trailing
//!   delimiter, a formatted but empty Excel column) are dropped silently.
//! - Rows whose cells are all empty or whitespace are skipped: they are not data rows (Excel
//!   sheets carry blank or formatted-but-empty rows in the middle and at the end; CSV exports
//!   end with `,,,,` lines). Whitespace means ASCII whitespace in CSV, any Unicode whitespace in
//!   a workbook.
//! - Cell values are not trimmed: whitespace is data until the normaliser decides otherwise.
//! - A row that cannot be read cleanly is a value ([`RowDefect`]), never an `Err`; `Err` is
//!   kept for fatal I/O or a file that cannot be opened at all.

mod cfb_check;
mod csv;
mod decode;
mod excel;
mod inflate;
mod input_file;
mod line_ends;
mod neutralise;
mod ods_size;
mod reject_file;
mod sheet_rows;
mod sniff;
mod stream;
mod zero_pad;

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

pub use self::excel::{render_cell, sheet_names};
pub use self::neutralise::{needs_neutralising, neutralise, unneutralise};
pub use self::reject_file::{REJECTS_SHEET, REJECT_COLUMNS};

/// How to read a file. `Default` sniffs everything and takes the first row as the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceOptions {
    /// Force a text encoding (an encoding_rs / WHATWG label such as `utf-8`, `utf-16le`,
    /// `utf-16be`, `windows-1252`, `latin1`); `None` sniffs it. Ignored for workbooks.
    pub encoding: Option<String>,
    /// Force the CSV delimiter; `None` sniffs among `,` `;` tab `|`. Ignored for workbooks.
    pub delimiter: Option<u8>,
    /// Workbook sheet: a sheet name, or a 1-based index written as digits (a sheet whose name
    /// is literally those digits wins over the index). `None` = the first sheet.
    pub sheet: Option<String>,
    /// 1-based row holding the headers: the Excel row number, or the CSV record number (blank
    /// lines do not count). Rows above it are ignored. In a workbook, a header row above the
    /// first non-empty row means "the first non-empty row" (so the default 1 works for sheets
    /// that start with blank rows). A reject file of ours is read from row 1 whatever this
    /// says, unless `header_row_forced`.
    pub header_row: usize,
    /// The header row was given on the command line (`--header-row`): it holds for every
    /// file, a reject file included.
    pub header_row_forced: bool,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            encoding: None,
            delimiter: None,
            sheet: None,
            header_row: 1,
            header_row_forced: false,
        }
    }
}

/// The kind of file being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Delimited text: `.csv`, `.tsv`, `.txt`, or anything that is not a workbook.
    Csv,
    /// Office Open XML workbook.
    Xlsx,
    /// Office Open XML workbook with macros (read like xlsx; macros are never run).
    Xlsm,
    /// Excel binary workbook.
    Xlsb,
    /// Excel 97–2003 workbook (OLE compound file).
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
}

impl Format {
    /// Short lower-case name, as in a file extension.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Xlsm => "xlsm",
            Format::Xlsb => "xlsb",
            Format::Xls => "xls",
            Format::Ods => "ods",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One data row as read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// The row a person sees in a spreadsheet program (1-based): the Excel row number; for a
    /// CSV, the row Excel shows the record on (the header and blank lines count; a record
    /// whose quoted cells span several lines is one row, unlike its text lines).
    pub row: u64,
    /// Exactly `headers().len()` cells, padded with `""` when the row is short.
    pub cells: Vec<String>,
    /// Set when the row could not be read cleanly; `cells` then hold what could be read.
    pub defect: Option<RowDefect>,
}

/// Why a row could not be read cleanly. Codes are stable (they end up in `rejects.csv`):
/// - `ragged_row`: more non-empty cells than headers; the extra values are in the message.
/// - `bad_encoding`: bytes that are not valid in the file's encoding were replaced by U+FFFD,
///   or a field that is not UTF-8 is not windows-1252 text either.
/// - `unbalanced_quote`: a quoted CSV field spans lines and swallows what look like whole
///   records: most likely a missing closing quote on the row's first line.
/// - `encoding_mixed` (a warning: `blocking` is false): a field that is not valid UTF-8 in a
///   file that otherwise is was read as windows-1252.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowDefect {
    /// Stable machine-readable code.
    pub code: &'static str,
    /// What a person should know to fix the row.
    pub message: String,
    /// Whether the row is rejected; a warning keeps the row and is recorded with it.
    pub blocking: bool,
}

/// Everything that stops a file from being read at all.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The input file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The CSV parser failed (in practice only on an I/O error mid-file).
    #[error("cannot read {} as CSV: {source}", path.display())]
    Csv {
        /// The input file.
        path: PathBuf,
        /// The underlying error.
        source: ::csv::Error,
    },
    /// The workbook could not be opened or the sheet could not be loaded.
    #[error("cannot read workbook {}: {source}", path.display())]
    Workbook {
        /// The input file.
        path: PathBuf,
        /// The underlying error.
        source: calamine::Error,
    },
    /// The workbook is damaged in a way its parser cannot handle safely.
    #[error(
        "{} is damaged ({detail}); open it in a spreadsheet program and save it again",
        path.display()
    )]
    Corrupt {
        /// The input file.
        path: PathBuf,
        /// What was found.
        detail: &'static str,
    },
    /// The workbook would take far more memory to read than any real spreadsheet needs (a
    /// part that inflates past its cap, repeats that expand past the budget).
    #[error("{} cannot be read safely: {detail}", path.display())]
    TooBig {
        /// The input file.
        path: PathBuf,
        /// What is too big, and by how much.
        detail: String,
    },
    /// The extension says workbook but the content is not one.
    #[error(
        "{} has the .{extension} extension but is not a workbook ({found}); if it is delimited \
         text, rename it to .csv",
        path.display()
    )]
    NotAWorkbook {
        /// The input file.
        path: PathBuf,
        /// The file's extension.
        extension: String,
        /// What the first bytes look like.
        found: &'static str,
    },
    /// The requested sheet does not exist.
    #[error("{}: no sheet '{wanted}'; sheets are: {}", path.display(), quoted_list(available))]
    NoSheet {
        /// The input file.
        path: PathBuf,
        /// The sheet asked for.
        wanted: String,
        /// The sheets the workbook has.
        available: Vec<String>,
    },
    /// The file has no row where the header should be.
    #[error("{}: no header: {detail}", path.display())]
    NoHeader {
        /// The input file.
        path: PathBuf,
        /// Why (empty file, header row past the end, header row blank).
        detail: String,
    },
    /// The forced encoding label is not known.
    #[error("unknown encoding '{0}' (try utf-8, utf-16le, utf-16be or windows-1252)")]
    UnknownEncoding(String),
    /// An option value that cannot work (delimiter is a quote or newline, header row 0).
    #[error("invalid source option: {0}")]
    InvalidOption(String),
    /// The input is a folder, a pipe or a device: it has to be read more than once.
    #[error("{} is {what}", path.display())]
    NotAFile {
        /// The input path.
        path: PathBuf,
        /// What it is instead, and what to do.
        what: &'static str,
    },
    /// The file grew, shrank or was rewritten while it was read (another program still
    /// writing it): the rows read would belong to two versions of it.
    #[error(
        "{}: the input changed while it was read; wait until whatever writes it has finished, \
         then run again",
        path.display()
    )]
    Changed {
        /// The input file.
        path: PathBuf,
    },
}

fn quoted_list(names: &[String]) -> String {
    if names.is_empty() {
        return "(none)".to_owned();
    }
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An open input file: its headers, then its data rows as an iterator.
pub struct Source {
    headers: Vec<String>,
    format: Format,
    /// The workbook's dialect (a CSV's is asked of its rows: it changes as they are read).
    dialect: String,
    /// The file's length when it was opened.
    len: u64,
    rows: Rows,
}

enum Rows {
    /// Boxed: the CSV reader's state is several times the workbook's.
    Csv(Box<csv::CsvRows>),
    Excel(excel::ExcelRows),
}

/// Open `path`, detect its format, read its header row, and get ready to stream its rows.
pub fn open(path: &Path, options: &SourceOptions) -> Result<Source, SourceError> {
    if options.header_row == 0 {
        return Err(SourceError::InvalidOption(
            "the header row is 1-based; 0 is not a row".to_owned(),
        ));
    }
    let seen = input_file::check(path)?;
    match detect_format(path)? {
        Format::Csv => {
            let (opened, headers) = csv::open(path, options, seen)?;
            Ok(Source {
                headers,
                format: Format::Csv,
                dialect: String::new(),
                len: seen.len,
                rows: Rows::Csv(Box::new(opened)),
            })
        }
        format => {
            let (opened, headers, dialect) = excel::open(path, format, options)?;
            Ok(Source {
                headers,
                format,
                dialect,
                len: seen.len,
                rows: Rows::Excel(opened),
            })
        }
    }
}

/// Refuse an input that is not a regular file (a folder, a named pipe) before anything reads
/// it: [`open`] does too, but a fingerprint started beside it would hang on a pipe.
pub fn check_input(path: &Path) -> Result<(), SourceError> {
    input_file::check(path).map(|_| ())
}

impl Source {
    /// Header names, trimmed, BOM stripped, empty ones named `Column N`.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The detected format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// How the file is being read, for logs and the summary: `UTF-8 with BOM, ';'-separated`,
    /// `xlsx, sheet 'Contacts'`. Once the rows are read, a CSV's says how many rows were read
    /// as UTF-8 and how many as windows-1252 when not all were read alike.
    pub fn dialect(&self) -> String {
        match &self.rows {
            Rows::Csv(rows) => rows.dialect(),
            Rows::Excel(_) => self.dialect.clone(),
        }
    }

    /// The file's length in bytes when it was opened (a fingerprint of another length was
    /// taken of another version of it).
    pub fn len_at_open(&self) -> u64 {
        self.len
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Source")
            .field("format", &self.format)
            .field("dialect", &self.dialect())
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl Iterator for Source {
    type Item = Result<RawRow, SourceError>;

    /// The next data row; `Err` only for a fatal read error, after which iteration ends.
    fn next(&mut self) -> Option<Self::Item> {
        let width = self.headers.len();
        match &mut self.rows {
            Rows::Csv(rows) => rows.next_row(width),
            Rows::Excel(rows) => rows.next_row(),
        }
    }
}

/// Fit `cells` to `width`: pad short rows; drop extra cells that are empty; report the others.
fn fit_width(cells: &mut Vec<String>, width: usize) -> Option<RowDefect> {
    if cells.len() <= width {
        cells.resize(width, String::new());
        return None;
    }
    let extra: Vec<String> = cells.drain(width..).filter(|c| !c.is_empty()).collect();
    if extra.is_empty() {
        return None;
    }
    let mut shown = extra
        .iter()
        .take(3)
        .map(|c| format!("{:?}", truncate_chars(c, 40)))
        .collect::<Vec<_>>()
        .join(", ");
    if extra.len() > 3 {
        shown.push_str(", …");
    }
    Some(RowDefect {
        blocking: true,
        code: "ragged_row",
        message: format!(
            "the row has {} more value(s) than the {width} header(s): {shown}; a delimiter or \
             quote inside a value probably shifted the columns",
            extra.len()
        ),
    })
}

fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Clean a header cell: trim, strip a BOM, name an empty one after its 1-based position.
fn clean_header(raw: &str, index: usize) -> String {
    let name = raw.trim_start_matches('\u{feff}').trim();
    if name.is_empty() {
        format!("Column {}", index + 1)
    } else {
        name.to_owned()
    }
}

/// The format, from the extension when it names one, else from the first bytes. A workbook
/// extension on a file whose bytes are not a workbook is an error (exported ".xls" files that
/// are really HTML or text are common, and reading them as a sheet would produce garbage).
fn detect_format(path: &Path) -> Result<Format, SourceError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let by_extension = match extension.as_str() {
        "csv" | "tsv" | "txt" | "tab" => return Ok(Format::Csv),
        "xlsx" => Some(Format::Xlsx),
        "xlsm" => Some(Format::Xlsm),
        "xlsb" => Some(Format::Xlsb),
        "xls" => Some(Format::Xls),
        "ods" => Some(Format::Ods),
        _ => None,
    };
    let mut magic = [0u8; 8];
    let mut file = File::open(path).map_err(|source| SourceError::Io {
        path: path.to_owned(),
        source,
    })?;
    let n = read_up_to(&mut file, &mut magic).map_err(|source| SourceError::Io {
        path: path.to_owned(),
        source,
    })?;
    let magic = &magic[..n];
    let is_zip = magic.starts_with(b"PK\x03\x04");
    let is_cfb = magic.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    match by_extension {
        // xlsx and ods are both ZIP; an Excel 5 .xls is CFB. The extension picks the parser.
        Some(format @ (Format::Xlsx | Format::Xlsm | Format::Xlsb | Format::Ods)) if is_zip => {
            Ok(format)
        }
        Some(Format::Xls) if is_cfb => Ok(Format::Xls),
        // A mislabelled workbook (.xls that is really xlsx, or the reverse) still opens.
        Some(_) if is_zip => Ok(excel::sniff_zip_format(path)),
        Some(_) if is_cfb => Ok(Format::Xls),
        Some(_) => Err(SourceError::NotAWorkbook {
            path: path.to_owned(),
            extension,
            found: if magic.is_empty() {
                "it is empty"
            } else {
                "it looks like text or HTML"
            },
        }),
        None if is_zip => Ok(excel::sniff_zip_format(path)),
        None if is_cfb => Ok(Format::Xls),
        None => Ok(Format::Csv),
    }
}

/// Fill `buf` as far as the reader allows; returns how many bytes were read.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_width_pads_short_rows_without_defect() {
        let mut cells = vec!["a".to_owned()];
        assert_eq!(fit_width(&mut cells, 3), None);
        assert_eq!(cells, ["a", "", ""]);
    }

    #[test]
    fn fit_width_drops_empty_extras_silently() {
        let mut cells = vec!["a".to_owned(), "b".to_owned(), String::new()];
        assert_eq!(fit_width(&mut cells, 2), None);
        assert_eq!(cells, ["a", "b"]);
    }

    #[test]
    fn fit_width_reports_non_empty_extras() {
        let mut cells: Vec<String> = ["a", "b", "", "x"].map(String::from).to_vec();
        let defect = fit_width(&mut cells, 2).map(|d| (d.code, d.message));
        assert_eq!(cells, ["a", "b"]);
        let (code, message) = defect.unwrap_or_default();
        assert_eq!(code, "ragged_row");
        assert!(message.contains("\"x\""), "{message}");
    }

    #[test]
    fn headers_are_cleaned() {
        assert_eq!(clean_header("\u{feff} Email ", 0), "Email");
        assert_eq!(clean_header("  ", 4), "Column 5");
    }

    #[test]
    fn no_sheet_message_lists_sheets() {
        let err = SourceError::NoSheet {
            path: PathBuf::from("a.xlsx"),
            wanted: "X".into(),
            available: vec!["Contacts".into(), "Notes".into()],
        };
        assert_eq!(
            err.to_string(),
            "a.xlsx: no sheet 'X'; sheets are: 'Contacts', 'Notes'"
        );
    }
}
