//! `plan.xlsx`: the plan for people. Same rows and columns as `plan.csv`; the header bold,
//! frozen and filtered, the `_` columns shaded grey, and each input cell whose field the row
//! changes filled yellow (the `_changes` column says from what to what).
//!
//! The cell-safety rules are `rejects.xlsx`'s (see `xlsx`): every value a string cell, Excel's
//! quote prefix on cells that would read as formulas, values clipped to Excel's cell limit,
//! rows past Excel's last row and columns past its last column left out with a sheet saying
//! so (plan.csv has them all). Written in constant-memory mode; no notes, so no per-cell cost.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Color, Format, Workbook, XlsxError};

use super::plan::{changes_text, contact_text, PLAN_COLUMNS};
use super::xlsx::{
    clip, col_num, GREY, MAX_COLUMNS, MAX_DATA_ROWS, MAX_WIDTH, MIN_WIDTH, WIDTH_SAMPLE_ROWS,
};
use super::{needs_neutralising, Kept, ReportError, XlsxOutcome};
use crate::ledger::PlannedRow;

/// The plan's sheet.
pub const PLAN_SHEET: &str = "Plan";
/// The fill of a cell whose field the row changes (Excel's "neutral" yellow).
const CHANGED: u32 = 0xFFEB9C;

/// Cell formats, one per role and quote prefix.
struct Formats {
    header: Format,
    header_added: Format,
    plain: [Format; 2],
    changed: [Format; 2],
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
            changed: both(Format::new().set_background_color(Color::RGB(CHANGED))),
            added: both(Format::new().set_background_color(Color::RGB(GREY))),
        }
    }
}

/// `plan.xlsx`, written row by row.
pub struct PlanXlsx {
    path: PathBuf,
    workbook: Workbook,
    formats: Formats,
    kept: Kept,
    widths: Vec<usize>,
    outcome: XlsxOutcome,
}

impl PlanXlsx {
    /// Start the workbook and write its header row from the input headers.
    pub fn create(path: &Path, headers: &[String]) -> Result<PlanXlsx, ReportError> {
        let mut kept = Kept::new(headers);
        let columns_omitted = kept.truncate(MAX_COLUMNS - PLAN_COLUMNS.len());
        let mut out = PlanXlsx {
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
            kept,
        };
        let header: Vec<&str> = out.kept.cells(headers).chain(PLAN_COLUMNS).collect();
        let first_added = out.kept.len();
        out.widths = header.iter().map(|h| h.chars().count() + 3).collect();
        let sheet = out.workbook.add_worksheet_with_constant_memory();
        let result = (|| {
            sheet.set_name(PLAN_SHEET)?;
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

    fn error(&self, source: XlsxError) -> ReportError {
        ReportError::Xlsx {
            path: self.path.clone(),
            source,
        }
    }

    /// Write one decided row; `changed` are the input columns whose field the row changes.
    pub fn write(&mut self, planned: &PlannedRow, changed: &[usize]) -> Result<(), ReportError> {
        if self.outcome.rows_written >= MAX_DATA_ROWS {
            self.outcome.rows_omitted += 1;
            return Ok(());
        }
        self.outcome.rows_written += 1;
        self.write_row(planned, changed).map_err(|e| self.error(e))
    }

    fn write_row(&mut self, planned: &PlannedRow, changed: &[usize]) -> Result<(), XlsxError> {
        let sheet_row =
            u32::try_from(self.outcome.rows_written).map_err(|_| XlsxError::RowColumnLimitError)?;
        let changed: Vec<usize> = changed
            .iter()
            .filter_map(|c| self.kept.position(*c))
            .collect();
        let d = &planned.decision;
        let row = d.row.to_string();
        let contact = contact_text(d);
        let changes = changes_text(d);
        let added = [
            row.as_str(),
            d.action.as_str(),
            contact.as_str(),
            changes.as_str(),
        ];
        let first_added = self.kept.len();
        let sample_widths = self.outcome.rows_written <= WIDTH_SAMPLE_ROWS;
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (col, value) in self.kept.cells(&planned.cells).chain(added).enumerate() {
            let role = if col >= first_added {
                &self.formats.added
            } else if changed.contains(&col) {
                &self.formats.changed
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
        Ok(())
    }

    /// Set widths, the filter and (if anything was left out) the explanation; save atomically.
    pub fn finish(mut self) -> Result<XlsxOutcome, ReportError> {
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
        Ok(self.outcome)
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
        let columns_cut = outcome.columns_omitted > 0 && outcome.rows_written > 0;
        if outcome.rows_omitted > 0 || columns_cut {
            tracing::warn!(
                path = %self.path.display(),
                rows_omitted = outcome.rows_omitted,
                columns_omitted = outcome.columns_omitted,
                "The plan workbook hit an Excel limit; plan.csv has every row and column."
            );
            let text = format!(
                "{} planned rows and {} input columns did not fit in this sheet (Excel's limits \
                 are {} rows and {MAX_COLUMNS} columns). plan.csv holds them all.",
                outcome.rows_omitted,
                outcome.columns_omitted,
                MAX_DATA_ROWS + 1,
            );
            let sheet = self.workbook.add_worksheet();
            sheet.set_name("Not shown")?;
            sheet.write_string(0, 0, text)?;
        }
        self.workbook.save(to)
    }
}
