//! `plan.xlsx`: the plan for people. Same rows and columns as `plan.csv`; the header bold,
//! frozen and filtered, the `_` columns shaded grey, and each input cell whose field the row
//! changes filled yellow (the `_changes` column says from what to what).
//!
//! The cell-safety rules are `rejects.xlsx`'s (see `xlsx`): every value a string cell, Excel's
//! quote prefix on cells that would read as formulas, values clipped to Excel's cell limit,
//! rows past Excel's last row and columns past its last column left out with a sheet saying
//! so (plan.csv has them all). Written in constant-memory mode; no notes, so no per-cell cost.

use std::path::Path;

use super::plan::{added_cells, PLAN_COLUMNS};
use super::xlsx::{MAX_COLUMNS, MAX_DATA_ROWS};
use super::xlsx_table::TableSheet;
use super::{Kept, ReportError, XlsxOutcome};
use crate::ledger::PlannedRow;

/// The plan's sheet.
pub const PLAN_SHEET: &str = "Plan";
/// The fill of a cell whose field the row changes (Excel's "neutral" yellow).
const CHANGED: u32 = 0xFFEB9C;

/// `plan.xlsx`, written row by row.
pub struct PlanXlsx {
    table: TableSheet,
}

impl PlanXlsx {
    /// Start the workbook and write its header row from the input headers.
    pub fn create(path: &Path, headers: &[String]) -> Result<PlanXlsx, ReportError> {
        let mut kept = Kept::new(headers);
        let columns_omitted = kept.truncate(MAX_COLUMNS - PLAN_COLUMNS.len());
        let table = TableSheet::create(
            path,
            PLAN_SHEET,
            kept,
            headers,
            &PLAN_COLUMNS,
            CHANGED,
            columns_omitted,
        )?;
        Ok(PlanXlsx { table })
    }

    /// Write one decided row; `changed` are the input columns whose field the row changes.
    pub fn write(&mut self, planned: &PlannedRow, changed: &[usize]) -> Result<(), ReportError> {
        let Some(sheet_row) = self.table.next_row()? else {
            return Ok(());
        };
        let changed: Vec<usize> = changed
            .iter()
            .filter_map(|c| self.table.kept.position(*c))
            .collect();
        let added = added_cells(&planned.decision);
        let added = added.each_ref().map(String::as_str);
        self.table
            .write_cells(sheet_row, &planned.cells, &added, |col| {
                changed.contains(&col)
            })
            .map_err(|e| self.table.error(e))
    }

    /// Set widths, the filter and (if anything was left out) the explanation; save atomically.
    pub fn finish(self) -> Result<XlsxOutcome, ReportError> {
        let outcome = self.table.outcome;
        let not_shown = (outcome.rows_omitted > 0 || self.table.columns_cut()).then(|| {
            tracing::warn!(
                path = %self.table.path().display(),
                rows_omitted = outcome.rows_omitted,
                columns_omitted = outcome.columns_omitted,
                "The plan workbook hit an Excel limit; plan.csv has every row and column."
            );
            format!(
                "{} planned rows and {} input columns did not fit in this sheet (Excel's limits \
                 are {} rows and {MAX_COLUMNS} columns). plan.csv holds them all.",
                outcome.rows_omitted,
                outcome.columns_omitted,
                MAX_DATA_ROWS + 1,
            )
        });
        self.table.finish(not_shown)
    }
}
