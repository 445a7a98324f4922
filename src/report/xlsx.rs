//! `rejects.xlsx`: the reject file for people. Same rows and columns as `rejects.csv`, with the
//! header bold, frozen and filtered, each offending cell filled light red with a note saying
//! why, and the `_` columns shaded grey.
//!
//! Choices worth knowing:
//! - Every value is written as a string cell, so a phone or ZIP that came in as text stays text
//!   (no 4.16E+09, no lost leading zero).
//! - Neutralising: a string cell is never evaluated as it stands, but Excel re-parses it as a
//!   formula when someone edits it (F2, Enter). Instead of the CSV's visible `'` prefix, cells
//!   that need it get Excel's own *quote prefix* style (the hidden `'` Excel sets when you type
//!   `'=1+2`): the value stays byte-for-byte the input's, reads back unchanged, and stays text
//!   when edited.
//! - The sheet is written in rust_xlsxwriter's constant-memory mode (rows stream to a temp
//!   file). Notes are compatible with it but kept in memory until the file is saved, and saving
//!   builds their drawing XML in memory too: measured at about 8 KB per note (30,000 notes
//!   raised the peak RSS of a 1,000,000-row `validate` from 340 MB to 500 MB). So at most
//!   [`MAX_NOTES`] notes are written, more than a person reviews by hand; later offending cells
//!   are still filled red and the `_message` column still says everything.
//! - Excel stops at 1,048,576 rows: after [`MAX_DATA_ROWS`] rejected rows the rest are left
//!   out of the workbook (they are all in `rejects.csv`); a second sheet and a log warning say
//!   how many, and [`XlsxOutcome`] reports it.
//! - Excel also stops at 16,384 columns: an input wider than that keeps its first columns and
//!   the `_` columns, which say why the row was rejected (issue 19.10); the columns past the
//!   limit are in `rejects.csv` only, and the same sheet and warning say so.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Color, Format, Note, Workbook, XlsxError};

use super::{needs_neutralising, Kept, RejectRow, ReportError, REJECT_COLUMNS};

/// Data rows that fit under Excel's header row.
pub const MAX_DATA_ROWS: u64 = 1_048_575;
/// Notes written at most (see the module docs for why).
pub const MAX_NOTES: usize = 10_000;
/// Excel's limit on the columns of a sheet.
pub(super) const MAX_COLUMNS: usize = 16_384;
/// Excel's limit on the characters in one cell.
pub(super) const MAX_CELL_CHARS: usize = 32_767;
/// Widths are sized from the header and the first rows only: constant-memory mode cannot
/// revisit earlier rows, and a few hundred rows show the typical width.
pub(super) const WIDTH_SAMPLE_ROWS: u64 = 500;
pub(super) const MIN_WIDTH: usize = 8;
pub(super) const MAX_WIDTH: usize = 50;

const RED: u32 = 0xFFC7CE;
pub(super) const GREY: u32 = 0xE7E6E6;

/// What was written to the workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XlsxOutcome {
    /// Rejected rows written as sheet rows.
    pub rows_written: u64,
    /// Rejected rows left out because the sheet was full.
    pub rows_omitted: u64,
    /// Offending cells that got no note because [`MAX_NOTES`] was reached.
    pub notes_omitted: u64,
    /// Input columns left out because the sheet has no room for them (in rejects.csv only).
    pub columns_omitted: u64,
}

/// Cell formats, one per combination of role and quote prefix.
struct Formats {
    header: Format,
    header_added: Format,
    plain: [Format; 2],
    offending: [Format; 2],
    added: [Format; 2],
}

impl Formats {
    fn new() -> Formats {
        let both = |f: Format| [f.clone(), f.set_quote_prefix()];
        Formats {
            header: Format::new().set_bold(),
            header_added: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(GREY)),
            plain: both(Format::new()),
            offending: both(Format::new().set_background_color(Color::RGB(RED))),
            added: both(Format::new().set_background_color(Color::RGB(GREY))),
        }
    }
}

/// `rejects.xlsx`, written row by row.
pub struct RejectsXlsx {
    path: PathBuf,
    workbook: Workbook,
    formats: Formats,
    kept: Kept,
    widths: Vec<usize>,
    outcome: XlsxOutcome,
    notes: usize,
    /// [`MAX_DATA_ROWS`] and [`MAX_NOTES`], lowered in tests.
    max_rows: u64,
    max_notes: usize,
}

impl RejectsXlsx {
    /// Start the workbook and write its header row from the input headers.
    pub fn create(path: &Path, headers: &[String]) -> Result<RejectsXlsx, ReportError> {
        let mut kept = Kept::for_rejects(headers);
        let columns_omitted = kept.truncate(MAX_COLUMNS - REJECT_COLUMNS.len());
        let mut report = RejectsXlsx {
            path: path.to_owned(),
            workbook: Workbook::new(),
            formats: Formats::new(),
            widths: Vec::new(),
            outcome: XlsxOutcome {
                rows_written: 0,
                rows_omitted: 0,
                notes_omitted: 0,
                columns_omitted: columns_omitted as u64,
            },
            notes: 0,
            max_rows: MAX_DATA_ROWS,
            max_notes: MAX_NOTES,
            kept,
        };
        let header: Vec<&str> = report.kept.cells(headers).chain(REJECT_COLUMNS).collect();
        let first_added = report.kept.len();
        report.widths = header.iter().map(|h| h.chars().count() + 3).collect();
        let sheet = report.workbook.add_worksheet_with_constant_memory();
        let result = (|| {
            sheet.set_name(super::REJECTS_SHEET)?;
            sheet.set_freeze_panes(1, 0)?;
            for (col, name) in header.iter().enumerate() {
                let format = if col >= first_added {
                    &report.formats.header_added
                } else {
                    &report.formats.header
                };
                sheet.write_string_with_format(0, col_num(col)?, *name, format)?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => Ok(report),
            Err(source) => Err(ReportError::Xlsx {
                path: path.to_owned(),
                source,
            }),
        }
    }

    fn error(&self, source: XlsxError) -> ReportError {
        ReportError::Xlsx {
            path: self.path.clone(),
            source,
        }
    }

    /// Write one rejected row; every issue that names a column fills that cell and notes why.
    pub fn write(&mut self, reject: &RejectRow<'_>) -> Result<(), ReportError> {
        if self.outcome.rows_written >= self.max_rows {
            self.outcome.rows_omitted += 1;
            return Ok(());
        }
        self.outcome.rows_written += 1;
        self.write_row(reject).map_err(|e| self.error(e))
    }

    fn write_row(&mut self, reject: &RejectRow<'_>) -> Result<(), XlsxError> {
        let sheet_row =
            u32::try_from(self.outcome.rows_written).map_err(|_| XlsxError::RowColumnLimitError)?;
        // Notes per output column; several issues on one cell share its note.
        let mut notes: HashMap<usize, String> = HashMap::new();
        for issue in std::iter::once(reject.first()).chain(reject.more.iter().copied()) {
            if let Some(col) = issue.column.and_then(|c| self.kept.position(c)) {
                let note = notes.entry(col).or_default();
                if !note.is_empty() {
                    note.push('\n');
                }
                note.push_str(&format!("{}: {}", issue.code, issue.message));
            }
        }

        let row_text = reject.row.to_string();
        let message = reject.joined_message();
        let added = [
            row_text.as_str(),
            reject.stage,
            reject.code,
            reject.field.unwrap_or(""),
            message.as_str(),
        ];
        let first_added = self.kept.len();
        let sample_widths = self.outcome.rows_written <= WIDTH_SAMPLE_ROWS;
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (col, value) in self.kept.cells(reject.cells).chain(added).enumerate() {
            let role = if col >= first_added {
                &self.formats.added
            } else if notes.contains_key(&col) {
                &self.formats.offending
            } else {
                &self.formats.plain
            };
            let format = &role[usize::from(needs_neutralising(value))];
            let value = clip(value);
            if sample_widths {
                let longest = value.lines().map(|l| l.chars().count()).max().unwrap_or(0);
                if let Some(width) = self.widths.get_mut(col) {
                    *width = (*width).max(longest + 1);
                }
            }
            sheet.write_string_with_format(sheet_row, col_num(col)?, value, format)?;
        }
        for (col, text) in notes {
            if self.notes >= self.max_notes {
                self.outcome.notes_omitted += 1;
                continue;
            }
            self.notes += 1;
            let note = Note::new(clip(&text))
                .add_author_prefix(false)
                .set_author("ghl-bulk");
            sheet.insert_note(sheet_row, col_num(col)?, &note)?;
        }
        Ok(())
    }

    /// Set widths, the filter and (if rows were left out) the explanation; save and fsync.
    pub fn finish(mut self) -> Result<XlsxOutcome, ReportError> {
        let outcome = self.outcome;
        if outcome.rows_omitted > 0 || outcome.notes_omitted > 0 {
            tracing::warn!(
                path = %self.path.display(),
                rows_omitted = outcome.rows_omitted,
                notes_omitted = outcome.notes_omitted,
                "Reject workbook hit an Excel limit; rejects.csv has every row."
            );
        }
        if self.columns_cut() {
            tracing::warn!(
                path = %self.path.display(),
                columns_omitted = outcome.columns_omitted,
                "The input has more columns than Excel's {MAX_COLUMNS}: the reject workbook \
                 leaves out its last {}; rejects.csv has every column.",
                outcome.columns_omitted
            );
        }
        // Saved under a temporary name and renamed: a kill while saving leaves the previous
        // workbook (or none), never a truncated zip under the report's name.
        let path = self.path.clone();
        let io = |source| ReportError::Io {
            path: path.clone(),
            source,
        };
        let (pending, file) = crate::run::atomic::AtomicFile::create(&path).map_err(io)?;
        drop(file);
        let temp = pending.temp_path().to_path_buf();
        self.save(&temp).map_err(|e| self.error(e))?;
        pending.commit(None).map_err(io)?;
        Ok(outcome)
    }

    fn save(&mut self, to: &Path) -> Result<(), XlsxError> {
        let outcome = self.outcome;
        let last_row =
            u32::try_from(outcome.rows_written).map_err(|_| XlsxError::RowColumnLimitError)?;
        let last_col = col_num(self.widths.len().saturating_sub(1))?;
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (col, width) in self.widths.iter().enumerate() {
            let width = (*width).clamp(MIN_WIDTH, MAX_WIDTH);
            sheet.set_column_width(col_num(col)?, width as f64)?;
        }
        sheet.autofilter(0, 0, last_row, last_col)?;
        if outcome.rows_omitted > 0 || outcome.notes_omitted > 0 || self.columns_cut() {
            let mut text = format!(
                "{} rejected rows did not fit in this sheet (Excel's limit is {} rows) and {} \
                 offending cells got no note (limit {}). rejects.csv holds every rejected row.",
                outcome.rows_omitted,
                self.max_rows + 1,
                outcome.notes_omitted,
                self.max_notes
            );
            if self.columns_cut() {
                text.push_str(&format!(
                    " The input's last {} columns did not fit either (Excel's limit is \
                     {MAX_COLUMNS} columns): they are in rejects.csv only.",
                    outcome.columns_omitted
                ));
            }
            let sheet = self.workbook.add_worksheet();
            sheet.set_name("Not shown")?;
            sheet.write_string(0, 0, text)?;
        }
        self.workbook.save(to)
    }
}

impl RejectsXlsx {
    /// Columns were left out and a row shows it (an empty workbook loses nothing).
    fn columns_cut(&self) -> bool {
        self.outcome.columns_omitted > 0 && self.outcome.rows_written > 0
    }
}

pub(super) fn col_num(col: usize) -> Result<u16, XlsxError> {
    u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)
}

/// Cut a value to Excel's cell limit (a runaway field from a broken quote can exceed it).
pub(super) fn clip(value: &str) -> &str {
    match value.char_indices().nth(MAX_CELL_CHARS) {
        Some((i, _)) => &value[..i],
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Issue;
    use calamine::{open_workbook, Reader, Xlsx};

    #[test]
    fn rows_and_notes_beyond_the_limits_are_counted_and_explained() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("rejects.xlsx");
        let headers = vec!["Email".to_owned(), "Phone".to_owned()];
        let mut out = RejectsXlsx::create(&path, &headers).unwrap_or_else(|e| panic!("{e}"));
        out.max_rows = 2;
        out.max_notes = 1;
        let cells = vec!["x".to_owned(), "1".to_owned()];
        let more = [Issue {
            code: "invalid_phone",
            field: Some("phone"),
            message: "short",
            column: Some(1),
        }];
        for row in 2..6 {
            let reject = RejectRow {
                row,
                cells: &cells,
                stage: "validate",
                code: "invalid_email",
                field: Some("email"),
                message: "no @",
                column: Some(0),
                more: &more,
            };
            out.write(&reject).unwrap_or_else(|e| panic!("{e}"));
        }
        let outcome = out.finish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            outcome,
            XlsxOutcome {
                rows_written: 2,
                rows_omitted: 2,
                notes_omitted: 3,
                columns_omitted: 0,
            }
        );
        let mut workbook: Xlsx<_> = open_workbook(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(workbook.sheet_names(), ["Rejects", "Not shown"]);
        let range = workbook
            .worksheet_range("Rejects")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(range.height(), 3, "header + 2 rows");
        let note = workbook
            .worksheet_range("Not shown")
            .unwrap_or_else(|e| panic!("{e}"));
        let text = note
            .get((0, 0))
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(text.starts_with("2 rejected rows did not fit"), "{text}");
    }

    #[test]
    fn overlong_cells_are_clipped_to_excels_limit() {
        let long = "é".repeat(MAX_CELL_CHARS + 10);
        assert_eq!(clip(&long).chars().count(), MAX_CELL_CHARS);
        assert_eq!(clip("short"), "short");
    }
}
