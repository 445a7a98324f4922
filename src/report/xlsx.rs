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
use std::path::Path;

use rust_xlsxwriter::{Note, XlsxError};

use super::xlsx_table::TableSheet;
use super::{Kept, RejectRow, ReportError, REJECT_COLUMNS};

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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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

impl XlsxOutcome {
    /// Says on stderr what the workbook at `path` left out. Told by whoever keeps the file,
    /// once it is final: a stop after the file was read removes the reject files, and dedupe's
    /// rejections write them a second time.
    pub fn warn_left_out(&self, path: &Path) {
        if self.rows_omitted > 0 || self.notes_omitted > 0 {
            tracing::warn!(
                path = %path.display(),
                rows_omitted = self.rows_omitted,
                notes_omitted = self.notes_omitted,
                "Reject workbook hit an Excel limit; rejects.csv has every row."
            );
        }
        if self.columns_omitted > 0 && self.rows_written > 0 {
            tracing::warn!(
                path = %path.display(),
                columns_omitted = self.columns_omitted,
                "The input has more columns than Excel's {MAX_COLUMNS}: the reject workbook \
                 leaves out its last {}; rejects.csv has every column.",
                self.columns_omitted
            );
        }
    }
}

/// `rejects.xlsx`, written row by row.
pub struct RejectsXlsx {
    table: TableSheet,
    notes: usize,
    /// [`MAX_NOTES`], lowered in tests.
    max_notes: usize,
}

impl RejectsXlsx {
    /// Start the workbook and write its header row from the input headers.
    pub fn create(path: &Path, headers: &[String]) -> Result<RejectsXlsx, ReportError> {
        let mut kept = Kept::for_rejects(headers);
        let columns_omitted = kept.truncate(MAX_COLUMNS - REJECT_COLUMNS.len());
        let table = TableSheet::create(
            path,
            super::REJECTS_SHEET,
            kept,
            headers,
            &REJECT_COLUMNS,
            RED,
            columns_omitted,
        )?;
        Ok(RejectsXlsx {
            table,
            notes: 0,
            max_notes: MAX_NOTES,
        })
    }

    /// Write one rejected row; every issue that names a column fills that cell and notes why.
    pub fn write(&mut self, reject: &RejectRow<'_>) -> Result<(), ReportError> {
        let Some(sheet_row) = self.table.next_row()? else {
            return Ok(());
        };
        self.write_row(sheet_row, reject)
            .map_err(|e| self.table.error(e))
    }

    fn write_row(&mut self, sheet_row: u32, reject: &RejectRow<'_>) -> Result<(), XlsxError> {
        // Notes per output column; several issues on one cell share its note.
        let mut notes: HashMap<usize, String> = HashMap::new();
        for issue in std::iter::once(reject.first()).chain(reject.more.iter().copied()) {
            if let Some(col) = issue.column.and_then(|c| self.table.kept.position(c)) {
                let note = notes.entry(col).or_default();
                if !note.is_empty() {
                    note.push('\n');
                }
                note.push_str(&format!("{}: {}", issue.code, issue.message));
            }
        }

        reject.with_own_cells(|own| {
            let noted = |col: usize| notes.contains_key(&col);
            self.table.write_cells(sheet_row, reject.cells, own, noted)
        })?;
        let room = self.max_notes.saturating_sub(self.notes);
        self.table.outcome.notes_omitted += notes.len().saturating_sub(room) as u64;
        self.notes += notes.len().min(room);
        let sheet = self.table.sheet()?;
        for (col, text) in notes.into_iter().take(room) {
            let note = Note::new(clip(&text))
                .add_author_prefix(false)
                .set_author("ghl-bulk");
            sheet.insert_note(sheet_row, col_num(col)?, &note)?;
        }
        Ok(())
    }

    /// Set widths, the filter and (if rows were left out) the explanation; save and fsync.
    pub fn finish(self) -> Result<XlsxOutcome, ReportError> {
        let outcome = self.table.outcome;
        let columns_cut = self.table.columns_cut();
        let not_shown = (outcome.rows_omitted > 0 || outcome.notes_omitted > 0 || columns_cut)
            .then(|| {
                let mut text = format!(
                    "{} rejected rows did not fit in this sheet (Excel's limit is {} rows) and \
                     {} offending cells got no note (limit {}). rejects.csv holds every \
                     rejected row.",
                    outcome.rows_omitted,
                    self.table.max_rows + 1,
                    outcome.notes_omitted,
                    self.max_notes
                );
                if columns_cut {
                    text.push_str(&format!(
                        " The input's last {} columns did not fit either (Excel's limit is \
                         {MAX_COLUMNS} columns): they are in rejects.csv only.",
                        outcome.columns_omitted
                    ));
                }
                text
            });
        self.table.finish(not_shown)
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
        out.table.max_rows = 2;
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
        // Saving says nothing: whoever keeps the file tells what it left out, once (a stop
        // after the file was read removes it; a rewrite must not say it twice).
        let (outcome, said) = logged(|| out.finish().unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(said, "", "finish logs nothing");
        let ((), said) = logged(|| outcome.warn_left_out(&path));
        assert_eq!(said.matches("hit an Excel limit").count(), 1, "{said}");
        let ((), said) = logged(|| XlsxOutcome::default().warn_left_out(&path));
        assert_eq!(said, "", "nothing left out, nothing said");
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

    /// What `f` logs through `tracing` on this thread, as text.
    fn logged<T>(f: impl FnOnce() -> T) -> (T, String) {
        use std::sync::{Arc, Mutex, PoisonError};
        #[derive(Clone, Default)]
        struct Lines(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Lines {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                let mut lines = self.0.lock().unwrap_or_else(PoisonError::into_inner);
                lines.extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines = Lines::default();
        let sink = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish();
        let value = tracing::subscriber::with_default(subscriber, f);
        let bytes = lines
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        (value, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[test]
    fn overlong_cells_are_clipped_to_excels_limit() {
        let long = "é".repeat(MAX_CELL_CHARS + 10);
        assert_eq!(clip(&long).chars().count(), MAX_CELL_CHARS);
        assert_eq!(clip("short"), "short");
    }
}
