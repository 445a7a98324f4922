//! The sheet `rejects.xlsx` and `plan.xlsx` share: the input's columns then the tool's `_`
//! columns, header bold, frozen and filtered, the `_` columns shaded grey, some input cells
//! highlighted, every value a clipped string cell with Excel's quote prefix where it would read
//! as a formula, widths from the first rows, rows past Excel's last one counted instead of
//! written, and the workbook saved atomically with a "Not shown" sheet when anything was left
//! out. The two files differ only in which cells they highlight, their notes and their wording.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Color, Format, Workbook, Worksheet, XlsxError};

use super::xlsx::{
    clip, col_num, XlsxOutcome, GREY, MAX_DATA_ROWS, MAX_WIDTH, MIN_WIDTH, WIDTH_SAMPLE_ROWS,
};
use super::{needs_neutralising, Kept, ReportError};

/// Cell formats, one per role and quote prefix.
struct Formats {
    header: Format,
    header_added: Format,
    plain: [Format; 2],
    highlighted: [Format; 2],
    added: [Format; 2],
}

impl Formats {
    fn new(highlight: u32) -> Formats {
        let both = |f: Format| [f.clone(), f.set_quote_prefix()];
        Formats {
            header: Format::new().set_bold(),
            header_added: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(GREY)),
            plain: both(Format::new()),
            highlighted: both(Format::new().set_background_color(Color::RGB(highlight))),
            added: both(Format::new().set_background_color(Color::RGB(GREY))),
        }
    }
}

/// One streaming sheet of input columns plus added columns.
pub(super) struct TableSheet {
    path: PathBuf,
    workbook: Workbook,
    formats: Formats,
    pub(super) kept: Kept,
    widths: Vec<usize>,
    pub(super) outcome: XlsxOutcome,
    /// [`MAX_DATA_ROWS`], lowered in tests.
    pub(super) max_rows: u64,
}

impl TableSheet {
    /// Starts the workbook and writes the header: the kept input headers, then `added`.
    /// `columns_omitted` is how many input columns `kept` had to leave out.
    pub(super) fn create(
        path: &Path,
        sheet_name: &str,
        kept: Kept,
        headers: &[String],
        added: &[&str],
        highlight: u32,
        columns_omitted: usize,
    ) -> Result<TableSheet, ReportError> {
        let mut out = TableSheet {
            path: path.to_owned(),
            workbook: Workbook::new(),
            formats: Formats::new(highlight),
            widths: Vec::new(),
            outcome: XlsxOutcome {
                rows_written: 0,
                rows_omitted: 0,
                notes_omitted: 0,
                columns_omitted: columns_omitted as u64,
            },
            kept,
            max_rows: MAX_DATA_ROWS,
        };
        let header: Vec<&str> = out
            .kept
            .cells(headers)
            .chain(added.iter().copied())
            .collect();
        let first_added = out.kept.len();
        out.widths = header.iter().map(|h| h.chars().count() + 3).collect();
        let sheet = out.workbook.add_worksheet_with_constant_memory();
        let result = (|| {
            sheet.set_name(sheet_name)?;
            sheet.set_freeze_panes(1, 0)?;
            for (col, name) in header.iter().enumerate() {
                let format = if col >= first_added {
                    &out.formats.header_added
                } else {
                    &out.formats.header
                };
                sheet.write_string_with_format(0, col_num(col)?, *name, format)?;
            }
            Ok(())
        })();
        result.map(|()| out).map_err(|source| ReportError::Xlsx {
            path: path.to_owned(),
            source,
        })
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn error(&self, source: XlsxError) -> ReportError {
        ReportError::Xlsx {
            path: self.path.clone(),
            source,
        }
    }

    /// The sheet row the next data row goes to, or `None` when the sheet is full (the row is
    /// counted as omitted).
    pub(super) fn next_row(&mut self) -> Result<Option<u32>, ReportError> {
        if self.outcome.rows_written >= self.max_rows {
            self.outcome.rows_omitted += 1;
            return Ok(None);
        }
        self.outcome.rows_written += 1;
        u32::try_from(self.outcome.rows_written)
            .map(Some)
            .map_err(|_| self.error(XlsxError::RowColumnLimitError))
    }

    /// Writes one data row: the row's input cells (through `kept`) then `added`; an input
    /// column whose output position `highlighted` names gets the highlight fill.
    pub(super) fn write_cells(
        &mut self,
        sheet_row: u32,
        cells: &[String],
        added: &[&str],
        highlighted: impl Fn(usize) -> bool,
    ) -> Result<(), XlsxError> {
        let first_added = self.kept.len();
        let sample_widths = self.outcome.rows_written <= WIDTH_SAMPLE_ROWS;
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (col, value) in self
            .kept
            .cells(cells)
            .chain(added.iter().copied())
            .enumerate()
        {
            let neutralise = needs_neutralising(value);
            let format = if col >= first_added {
                Some(&self.formats.added)
            } else if highlighted(col) {
                Some(&self.formats.highlighted)
            } else if neutralise {
                Some(&self.formats.plain)
            } else {
                None
            }
            .map(|role| &role[usize::from(neutralise)]);
            let value = clip(value);
            if sample_widths {
                let longest = value.lines().map(|l| l.chars().count()).max().unwrap_or(0);
                if let Some(width) = self.widths.get_mut(col) {
                    *width = (*width).max(longest + 1);
                }
            }
            // A plain cell is written without a format: the default format is the workbook's
            // style 0, which an unformatted cell gets too (the same `<c>`, no `s`; an empty
            // one is left out either way), and rust_xlsxwriter looks a format up by hashing
            // all of it, per cell (issue 20: about 2 % of `validate`'s instructions).
            match format {
                Some(format) => {
                    sheet.write_string_with_format(sheet_row, col_num(col)?, value, format)?
                }
                None => sheet.write_string(sheet_row, col_num(col)?, value)?,
            };
        }
        Ok(())
    }

    /// The data sheet, for what one file adds (notes).
    pub(super) fn sheet(&mut self) -> Result<&mut Worksheet, XlsxError> {
        self.workbook.worksheet_from_index(0)
    }

    /// Input columns were left out and a row shows it (an empty workbook loses nothing).
    pub(super) fn columns_cut(&self) -> bool {
        self.outcome.columns_omitted > 0 && self.outcome.rows_written > 0
    }

    /// Sets widths and the filter, adds a "Not shown" sheet saying `not_shown` when given, and
    /// saves under a temporary name renamed into place: a kill while saving leaves the previous
    /// workbook (or none), never a truncated zip under the report's name.
    pub(super) fn finish(mut self, not_shown: Option<String>) -> Result<XlsxOutcome, ReportError> {
        let path = self.path.clone();
        let io = |source| ReportError::Io {
            path: path.clone(),
            source,
        };
        let (pending, file) = crate::run::atomic::AtomicFile::create(&path).map_err(io)?;
        drop(file);
        let temp = pending.temp_path().to_path_buf();
        self.save(&temp, not_shown).map_err(|e| self.error(e))?;
        pending.commit(None).map_err(io)?;
        Ok(self.outcome)
    }

    fn save(&mut self, to: &Path, not_shown: Option<String>) -> Result<(), XlsxError> {
        let last_row =
            u32::try_from(self.outcome.rows_written).map_err(|_| XlsxError::RowColumnLimitError)?;
        let last_col = col_num(self.widths.len().saturating_sub(1))?;
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (col, width) in self.widths.iter().enumerate() {
            let width = (*width).clamp(MIN_WIDTH, MAX_WIDTH);
            sheet.set_column_width(col_num(col)?, width as f64)?;
        }
        sheet.autofilter(0, 0, last_row, last_col)?;
        if let Some(text) = not_shown {
            let sheet = self.workbook.add_worksheet();
            sheet.set_name("Not shown")?;
            sheet.write_string(0, 0, text)?;
        }
        self.workbook.save(to)
    }
}
