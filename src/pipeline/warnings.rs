//! warnings.csv as rows are staged, and the warnings part of summary.json (issue 13.5): every
//! non-blocking issue of a row that is not rejected (a rejected row's issues are all in its
//! `_message`), one line each, and per code and field a count and the first few examples, so
//! that the console, summary.json and report.html can say what happened without SQLite.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::contact::RowIssue;
use crate::ledger::Ledger;
use crate::report::{WarningRow, WarningsCsv, WARNINGS_FILE};

use super::{write_err, PipelineError};

/// Example rows kept per code and field (report.html shows as many per reject reason).
const EXAMPLES: usize = 3;

/// The warnings part of summary.json.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WarningSummary {
    /// Rows with at least one warning.
    pub rows: u64,
    /// The file that lists them all, in the run folder.
    pub file: String,
    /// Per code and field, most frequent first.
    pub by_code: Vec<WarningGroup>,
}

/// One warning code on one field.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WarningGroup {
    /// The stable code.
    pub code: String,
    /// The field concerned.
    pub field: String,
    /// How many times it was found.
    pub count: u64,
    /// The first rows it was found on.
    pub examples: Vec<WarningExample>,
}

/// One example of a warning.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WarningExample {
    /// The row number in the file.
    pub row: u64,
    /// The warning's message.
    pub message: String,
}

/// warnings.csv, open, and the counts so far; rows must come in row order.
pub(crate) struct Warnings {
    csv: WarningsCsv,
    path: PathBuf,
    rows: u64,
    groups: BTreeMap<(String, String), WarningGroup>,
}

impl Warnings {
    /// Creates warnings.csv in `dir`.
    pub(crate) fn create(dir: &Path) -> Result<Warnings, PipelineError> {
        let path = dir.join(WARNINGS_FILE);
        let csv = WarningsCsv::create(&path).map_err(|e| write_err(&path, e))?;
        Ok(Warnings {
            csv,
            path,
            rows: 0,
            groups: BTreeMap::new(),
        })
    }

    /// Records the warnings of one row that is not rejected.
    pub(crate) fn add(&mut self, row: u64, warnings: &[RowIssue]) -> Result<(), PipelineError> {
        if warnings.is_empty() {
            return Ok(());
        }
        self.rows += 1;
        for w in warnings {
            self.record(row, &w.field, w.code.as_str(), &w.message)?;
        }
        Ok(())
    }

    /// warnings.csv written again from the ledger: dedupe rejected rows after they were
    /// staged with their warnings (`phone_shared`, `identity_conflict`), and a rejected row's
    /// issues belong in its `_message`, not here.
    pub(crate) fn from_ledger(
        ledger: &Ledger,
        dir: &Path,
    ) -> Result<WarningSummary, PipelineError> {
        let mut warnings = Warnings::create(dir)?;
        let mut last_row = None;
        ledger.each_warning(|w| {
            if last_row != Some(w.row) {
                last_row = Some(w.row);
                warnings.rows += 1;
            }
            warnings.record(w.row, &w.field, &w.code, &w.message)
        })?;
        warnings.finish()
    }

    fn record(
        &mut self,
        row: u64,
        field: &str,
        code: &str,
        message: &str,
    ) -> Result<(), PipelineError> {
        self.csv
            .write(&WarningRow {
                row,
                field,
                code,
                message,
            })
            .map_err(|e| write_err(&self.path, e))?;
        let group = self
            .groups
            .entry((code.to_string(), field.to_string()))
            .or_insert_with(|| WarningGroup {
                code: code.to_string(),
                field: field.to_string(),
                ..WarningGroup::default()
            });
        group.count += 1;
        if group.examples.len() < EXAMPLES {
            group.examples.push(WarningExample {
                row,
                message: message.to_string(),
            });
        }
        Ok(())
    }

    /// Closes the file and returns the summary's part.
    pub(crate) fn finish(self) -> Result<WarningSummary, PipelineError> {
        self.csv.finish().map_err(|e| write_err(&self.path, e))?;
        let mut by_code: Vec<WarningGroup> = self.groups.into_values().collect();
        by_code.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.code.cmp(&b.code))
                .then_with(|| a.field.cmp(&b.field))
        });
        Ok(WarningSummary {
            rows: self.rows,
            file: WARNINGS_FILE.to_string(),
            by_code,
        })
    }
}
