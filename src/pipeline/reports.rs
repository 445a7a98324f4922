//! Writes the run folder's report files from the ledger with the `report` writers:
//! rejects.csv, rejects.xlsx (offending cells highlighted, a note on each) and duplicates.csv.
//! Every cell is neutralised by the writers.

use std::path::Path;

use serde::Deserialize;

use crate::ledger::Ledger;
use crate::mapping::Mapping;
use crate::report::{DuplicateRow, DuplicatesCsv, Issue, RejectRow, RejectsCsv, RejectsXlsx};

use super::{write_err, PipelineError};

/// The parts of a stored `RowIssue` the reports need.
#[derive(Deserialize)]
struct StoredIssue {
    field: String,
    code: String,
    message: String,
    blocking: bool,
}

/// What the reports wrote, for the summary.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Written {
    /// Rejected rows left out of rejects.xlsx (past Excel's row limit).
    pub xlsx_rows_omitted: u64,
}

pub(crate) fn write(
    ledger: &Ledger,
    headers: &[String],
    mapping: &Mapping,
    dir: &Path,
) -> Result<Written, PipelineError> {
    let report_err = |path: &Path, e: crate::report::ReportError| write_err(path, e);
    let csv_path = dir.join("rejects.csv");
    let xlsx_path = dir.join("rejects.xlsx");
    let mut csv = RejectsCsv::create(&csv_path, headers).map_err(|e| report_err(&csv_path, e))?;
    let mut xlsx =
        RejectsXlsx::create(&xlsx_path, headers).map_err(|e| report_err(&xlsx_path, e))?;
    ledger.each_rejected(|rejected| {
        let stored: Vec<StoredIssue> = rejected
            .issues_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default();
        // The blocking issue is already the row's _code; the rest follow it in _message.
        let mut skipped_first = false;
        let more: Vec<Issue<'_>> = stored
            .iter()
            .filter(|i| {
                let first = !skipped_first && i.blocking && i.code == rejected.code;
                skipped_first |= first;
                !first
            })
            .map(|i| Issue {
                code: &i.code,
                field: Some(&i.field),
                message: &i.message,
                column: mapping.column_for(&i.field),
            })
            .collect();
        let field = (!rejected.field.is_empty()).then_some(rejected.field.as_str());
        let row = RejectRow {
            row: rejected.row,
            cells: &rejected.cells,
            stage: &rejected.stage,
            code: &rejected.code,
            field,
            message: &rejected.message,
            column: field.and_then(|f| mapping.column_for(f)),
            more: &more,
        };
        csv.write(&row).map_err(|e| report_err(&csv_path, e))?;
        xlsx.write(&row).map_err(|e| report_err(&xlsx_path, e))?;
        Ok::<_, PipelineError>(())
    })?;
    csv.finish().map_err(|e| report_err(&csv_path, e))?;
    let outcome = xlsx.finish().map_err(|e| report_err(&xlsx_path, e))?;

    let dup_path = dir.join("duplicates.csv");
    let mut dups =
        DuplicatesCsv::create(&dup_path, headers).map_err(|e| report_err(&dup_path, e))?;
    ledger.each_merged(|merged| {
        dups.write(&DuplicateRow {
            row: merged.row,
            merged_into_row: merged.merged_into,
            key: &merged.key,
            value: &merged.value,
            cells: &merged.cells,
        })
        .map_err(|e| report_err(&dup_path, e))
    })?;
    dups.finish().map_err(|e| report_err(&dup_path, e))?;
    Ok(Written {
        xlsx_rows_omitted: outcome.rows_omitted,
    })
}
