//! Writes the run folder's report files with the `report` writers: rejects.csv, rejects.xlsx
//! (offending cells highlighted, a note on each) and duplicates.csv. Every cell is neutralised
//! by the writers. [`write`] reads every row from the ledger (after a delivery, which adds
//! failed rows); `validate` feeds [`Rejects`] the rejected rows as they are staged, on a thread
//! of its own, so that the workbook is built while dedupe runs, and writes duplicates.csv
//! from the ledger once dedupe is done. Either way each row goes through [`Rejects::write`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;

use crate::ledger::{Ledger, RejectedRow};
use crate::mapping::Mapping;
use crate::report::{
    DuplicateRow, DuplicatesCsv, Issue, RejectRow, RejectsCsv, RejectsXlsx, ReportError,
    XlsxOutcome,
};

use super::{write_err, PipelineError};

/// A stop after the file was read: the reject files' thread drops its files unfinished if it has
/// not put them in place yet, and removes them if it has (dedupe's own rejections would be
/// missing from them), so no file claims a check that did not end.
pub(super) fn stopped_after_read(
    run_dir: &Path,
    abandon: &AtomicBool,
    rejects: std::thread::JoinHandle<Result<Written, PipelineError>>,
) -> PipelineError {
    abandon.store(true, Ordering::SeqCst);
    let _ = rejects.join();
    for name in ["rejects.csv", "rejects.xlsx"] {
        let _ = std::fs::remove_file(run_dir.join(name));
    }
    PipelineError::Interrupted
}

/// The reject files' thread: rows arrive in row order, a chunk at a time.
pub(super) fn write_rejects(
    mut rejects: Rejects,
    mapping: &Mapping,
    rx: Receiver<Vec<RejectedRow>>,
    abandon: &AtomicBool,
) -> Result<Written, PipelineError> {
    for chunk in rx {
        for row in &chunk {
            rejects.write(row, mapping)?;
        }
    }
    if abandon.load(Ordering::SeqCst) {
        // Dropped unfinished: the temporary files go, nothing claims the whole file was read.
        return Ok(Written::default());
    }
    rejects.finish()
}

/// What the reports wrote, for the summary.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Written {
    /// What rejects.xlsx holds and left out (past Excel's limits).
    pub xlsx: XlsxOutcome,
}

/// rejects.csv and rejects.xlsx, open; rows must come in row order.
pub(crate) struct Rejects {
    csv: RejectsCsv,
    xlsx: RejectsXlsx,
    csv_path: PathBuf,
    xlsx_path: PathBuf,
}

impl Rejects {
    /// Creates both files in `dir` with the input's headers.
    pub(crate) fn create(dir: &Path, headers: &[String]) -> Result<Rejects, PipelineError> {
        let csv_path = dir.join("rejects.csv");
        let xlsx_path = dir.join("rejects.xlsx");
        let csv = RejectsCsv::create(&csv_path, headers).map_err(|e| write_err(&csv_path, e))?;
        let xlsx =
            RejectsXlsx::create(&xlsx_path, headers).map_err(|e| write_err(&xlsx_path, e))?;
        Ok(Rejects {
            csv,
            xlsx,
            csv_path,
            xlsx_path,
        })
    }

    /// Writes one rejected (or failed) row to both files.
    pub(crate) fn write(
        &mut self,
        rejected: &RejectedRow,
        mapping: &Mapping,
    ) -> Result<(), PipelineError> {
        let stored = crate::ledger::stored_issues(rejected.issues_json.as_deref());
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
        self.csv
            .write(&row)
            .map_err(|e| write_err(&self.csv_path, e))?;
        self.xlsx
            .write(&row)
            .map_err(|e| write_err(&self.xlsx_path, e))
    }

    /// Flushes and closes both files.
    pub(crate) fn finish(self) -> Result<Written, PipelineError> {
        let Rejects {
            csv,
            xlsx,
            csv_path,
            xlsx_path,
        } = self;
        csv.finish().map_err(|e| write_err(&csv_path, e))?;
        let outcome = xlsx.finish().map_err(|e| write_err(&xlsx_path, e))?;
        Ok(Written { xlsx: outcome })
    }
}

/// Writes every report from the ledger.
pub(crate) fn write(
    ledger: &Ledger,
    headers: &[String],
    mapping: &Mapping,
    dir: &Path,
) -> Result<Written, PipelineError> {
    let mut rejects = Rejects::create(dir, headers)?;
    ledger.each_rejected(|rejected| rejects.write(&rejected, mapping))?;
    let written = rejects.finish()?;
    write_duplicates(ledger, headers, dir)?;
    Ok(written)
}

/// Writes duplicates.csv from the ledger's merged rows.
pub(crate) fn write_duplicates(
    ledger: &Ledger,
    headers: &[String],
    dir: &Path,
) -> Result<(), PipelineError> {
    let report_err = |path: &Path, e: ReportError| write_err(path, e);
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
    dups.finish().map_err(|e| report_err(&dup_path, e))
}
