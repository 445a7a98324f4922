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
mod error;
mod excel;
mod format;
mod inflate;
mod input_file;
mod line_ends;
mod neutralise;
mod ods_size;
mod reject_file;
mod row_fit;
mod sheet_rows;
mod sniff;
mod stream;
mod zero_pad;

use std::fmt;
use std::path::Path;

pub use self::error::SourceError;
pub use self::excel::{render_cell, sheet_names};
use self::format::detect_format;
pub use self::format::Format;
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
    /// Where the row starts in the file, when the reader can read it again from there
    /// ([`Source::cells_at`]): a CSV that is not transcoded. `None` for workbooks.
    pub offset: Option<u64>,
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

    /// The cells of the row that starts at file offset `offset` (its [`RawRow::offset`]), read
    /// again exactly as the rows are read: the report files need a few rows' cells, which
    /// costs those rows instead of a pass over the file. `None` when this file cannot be read
    /// by offset (a workbook, a transcoded CSV) or holds no row there.
    pub fn cells_at(&mut self, offset: u64) -> Result<Option<Vec<String>>, SourceError> {
        let width = self.headers.len();
        match &mut self.rows {
            Rows::Csv(rows) => rows.cells_at(offset, width),
            Rows::Excel(_) => Ok(None),
        }
    }

    /// Hands back a row's cells once they are no longer needed: a CSV decodes later rows into
    /// their strings instead of allocating new ones (issue 20). Optional; workbooks drop them.
    pub fn reuse(&mut self, cells: Vec<String>) {
        if let Rows::Csv(rows) = &mut self.rows {
            rows.reuse(cells);
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
