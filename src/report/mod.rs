//! Report files written into the run folder: `rejects.csv`, `rejects.xlsx`, `duplicates.csv`,
//! `success.csv`, `warnings.csv`, `plan.csv`/`plan.xlsx` (in [`plan`]), and `report.html` (in [`html`]). This module owns their layout and the cell-level safety rules
//! (formula-injection neutralising, which `source` defines for both sides, and Excel's limits); it does not decide which rows go where.
//!
//! Layout rules shared by every file:
//! - The input's own columns come through unchanged, in input order, so that a file can be
//!   fixed in Excel and fed back with the same mapping. The columns this module adds all start
//!   with `_` (the mapping ignores such columns). An input column whose name is one of those
//!   added names (`_row`, `_code`, … from a previous round) is left out, so a reject file of a
//!   reject file gets fresh values instead of two `_row` columns.
//! - CSV files are UTF-8 **with a BOM**: Excel, which is where reviewers open them, reads UTF-8
//!   CSV correctly only with one (without it, "José" shows as "JosÃ©"); our own reader strips
//!   it, and so do pandas, csvkit and LibreOffice.
//! - Every cell goes through [`neutralise`] (see there for the rule and its exemptions).
//! - A rejected row is one line even when it has several issues: the first (blocking) issue
//!   fills `_code`/`_field`, and `_message` holds its message followed by the others as
//!   `" | <code>: <message>"`. One line per row means feeding the file back re-reads exactly
//!   the rejected rows, once each. In `rejects.xlsx` each offending cell also gets its own note.

mod csv;
pub mod html;
pub mod plan;
mod plan_xlsx;
mod xlsx;
mod xlsx_table;

use std::path::PathBuf;

pub use self::csv::{
    DuplicateRow, DuplicatesCsv, RejectsCsv, SuccessCsv, SuccessRow, WarningRow, WarningsCsv,
};
pub use self::xlsx::{RejectsXlsx, XlsxOutcome};
pub use crate::source::{
    needs_neutralising, neutralise, unneutralise, REJECTS_SHEET, REJECT_COLUMNS,
};

/// Columns added by the duplicates file, before the input columns.
pub const DUPLICATE_COLUMNS: [&str; 4] = ["_row", "_merged_into_row", "_key", "_value"];
/// Columns added by the success file, after the input columns.
pub const SUCCESS_COLUMNS: [&str; 4] = ["_row", "_outcome", "_contact_id", "_warnings"];
/// The columns of the warnings file (it repeats no input column).
pub const WARNING_COLUMNS: [&str; 4] = ["row", "field", "code", "message"];
/// The warnings file's name in the run folder.
pub const WARNINGS_FILE: &str = "warnings.csv";

/// One problem with a rejected row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Issue<'a> {
    /// Stable machine-readable code (`invalid_email`, `ragged_row`, …).
    pub code: &'a str,
    /// The contact field concerned (`email`, `phone`), if any.
    pub field: Option<&'a str>,
    /// What a person should know to fix it.
    pub message: &'a str,
    /// Index of the offending input column (into the input headers), for highlighting.
    pub column: Option<usize>,
}

/// A rejected (or failed) row, as written to `rejects.csv` / `rejects.xlsx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RejectRow<'a> {
    /// The row number a person sees in the input (Excel row or CSV start line).
    pub row: u64,
    /// The input cells, one per input header.
    pub cells: &'a [String],
    /// Pipeline stage that rejected the row: `read`, `validate`, `deliver`, …
    pub stage: &'a str,
    /// Code of the first (blocking) issue.
    pub code: &'a str,
    /// Field of the first issue.
    pub field: Option<&'a str>,
    /// Message of the first issue.
    pub message: &'a str,
    /// Input column index of the first issue's offending cell.
    pub column: Option<usize>,
    /// Further issues of the same row (often empty: `&[]`).
    pub more: &'a [Issue<'a>],
}

impl<'a> RejectRow<'a> {
    /// The first issue as an [`Issue`].
    pub fn first(&self) -> Issue<'a> {
        Issue {
            code: self.code,
            field: self.field,
            message: self.message,
            column: self.column,
        }
    }

    /// Hands `write` the row's own cells, `_row,_stage,_code,_field,_message` as in
    /// [`REJECT_COLUMNS`] (rejects.csv and rejects.xlsx say them alike).
    pub fn with_own_cells<T>(&self, write: impl FnOnce(&[&str]) -> T) -> T {
        let row = self.row.to_string();
        let message = self.joined_message();
        let field = self.field.unwrap_or("");
        write(&[row.as_str(), self.stage, self.code, field, message.as_str()])
    }

    /// `_message`: the first message, then `" | <code>: <message>"` for each further issue.
    pub fn joined_message(&self) -> String {
        let mut out = self.message.to_owned();
        for issue in self.more {
            out.push_str(" | ");
            out.push_str(issue.code);
            out.push_str(": ");
            out.push_str(issue.message);
        }
        out
    }
}

/// Failure to write a report file.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Creating, writing or syncing the file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The report file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The CSV writer failed (in practice an I/O error).
    #[error("cannot write {}: {source}", path.display())]
    Csv {
        /// The report file.
        path: PathBuf,
        /// The underlying error.
        source: ::csv::Error,
    },
    /// The XLSX writer failed.
    #[error("cannot write {}: {source}", path.display())]
    Xlsx {
        /// The report file.
        path: PathBuf,
        /// The underlying error.
        source: rust_xlsxwriter::XlsxError,
    },
}

/// Which input columns a report keeps: all but those named like a column some report adds.
#[derive(Debug, Clone)]
struct Kept {
    /// Input column indices, in order.
    indices: Vec<usize>,
}

impl Kept {
    fn new(headers: &[String]) -> Kept {
        Kept::without(headers, "")
    }

    /// For the reject files: the input's `_contact_id` is kept (they add none of their own),
    /// so that a fixed row still updates its contact by id when fed back in (issue 21.2).
    fn for_rejects(headers: &[String]) -> Kept {
        Kept::without(headers, "_contact_id")
    }

    fn without(headers: &[String], keep: &str) -> Kept {
        let added = |h: &str| {
            h != keep
                && REJECT_COLUMNS
                    .iter()
                    .chain(&DUPLICATE_COLUMNS)
                    .chain(&SUCCESS_COLUMNS)
                    .chain(&plan::PLAN_COLUMNS)
                    .any(|c| *c == h)
        };
        Kept {
            indices: (0..headers.len())
                .filter(|i| !added(&headers[*i]))
                .collect(),
        }
    }

    /// The kept cells of a row (missing cells read as empty).
    fn cells<'c>(&'c self, cells: &'c [String]) -> impl Iterator<Item = &'c str> + 'c {
        self.indices
            .iter()
            .map(|i| cells.get(*i).map_or("", String::as_str))
    }

    /// Output position of an input column, if it is kept.
    fn position(&self, input_column: usize) -> Option<usize> {
        self.indices.binary_search(&input_column).ok()
    }

    fn len(&self) -> usize {
        self.indices.len()
    }

    /// Keep only the first `max` columns; how many were dropped.
    fn truncate(&mut self, max: usize) -> usize {
        let dropped = self.indices.len().saturating_sub(max);
        self.indices.truncate(max);
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previous_round_columns_are_dropped() {
        let headers: Vec<String> = ["Email", "_row", "Phone", "_message", "_custom"]
            .map(String::from)
            .to_vec();
        let kept = Kept::new(&headers);
        assert_eq!(kept.indices, [0, 2, 4]);
        assert_eq!(kept.position(2), Some(1));
        assert_eq!(kept.position(1), None);
        let cells: Vec<String> = ["a", "9", "p"].map(String::from).to_vec();
        assert_eq!(kept.cells(&cells).collect::<Vec<_>>(), ["a", "p", ""]);
    }

    #[test]
    fn several_issues_join_into_one_message() {
        let cells = Vec::new();
        let more = [Issue {
            code: "invalid_phone",
            field: Some("phone"),
            message: "too short",
            column: Some(3),
        }];
        let row = RejectRow {
            row: 7,
            cells: &cells,
            stage: "validate",
            code: "invalid_email",
            field: Some("email"),
            message: "no @",
            column: Some(2),
            more: &more,
        };
        assert_eq!(row.joined_message(), "no @ | invalid_phone: too short");
        assert_eq!(row.first().column, Some(2));
    }
}
