//! Rows read back for the report files: rejected and failed rows (rejects.csv/xlsx) and merged
//! rows (duplicates.csv), streamed in row order so that a file whose every row is rejected
//! does not have to fit in memory.

use super::input_cells::RowCells;
use super::{Ledger, LedgerError};

/// A rejected row read back for the reject files.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedRow {
    /// The 1-based data row.
    pub row: u64,
    /// The input cells.
    pub cells: Vec<String>,
    /// Stage, code, field, message.
    pub stage: String,
    /// The blocking issue's code.
    pub code: String,
    /// The field.
    pub field: String,
    /// The message.
    pub message: String,
    /// Every issue of the row, as JSON (`RowIssue` list), when there are any.
    pub issues_json: Option<String>,
}

/// A merged row read back for duplicates.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedRow {
    /// The merged row.
    pub row: u64,
    /// The row it merged into.
    pub merged_into: u64,
    /// `email` or `phone`.
    pub key: String,
    /// The shared value.
    pub value: String,
    /// The input cells.
    pub cells: Vec<String>,
}

impl Ledger {
    /// Rejected rows in row order, all in memory (small runs, tests); reports use `each_rejected`.
    pub fn rejected(&self) -> Result<Vec<RejectedRow>, LedgerError> {
        gather(|f| self.each_rejected(f))
    }

    /// Calls `f` on each rejected row in row order, streaming: a file whose every row is
    /// rejected does not have to fit in memory.
    pub fn each_rejected<E: From<LedgerError>>(
        &self,
        mut f: impl FnMut(RejectedRow) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut input = RowCells::new(self);
        self.stream_rows(
            "SELECT row, cells_json, stage, code, field, message, issues_json FROM rows \
             WHERE state IN ('rejected', 'failed') ORDER BY row",
            |r| {
                Ok((
                    r.get::<_, i64>(0)? as u64,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                    r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                    r.get::<_, Option<String>>(6)?,
                ))
            },
            |(row, cells, stage, code, field, message, issues_json)| {
                f(RejectedRow {
                    row,
                    cells: input.cells(row, &cells)?,
                    stage,
                    code,
                    field,
                    message,
                    issues_json,
                })?;
                Ok(())
            },
        )
    }

    /// Merged rows in row order, all in memory (small runs, tests); reports use `each_merged`.
    pub fn merged(&self) -> Result<Vec<MergedRow>, LedgerError> {
        gather(|f| self.each_merged(f))
    }

    /// Calls `f` on each merged row in row order, streaming, for duplicates.csv.
    pub fn each_merged<E: From<LedgerError>>(
        &self,
        mut f: impl FnMut(MergedRow) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut input = RowCells::new(self);
        self.stream_rows(
            "SELECT row, merged_into, merged_key, COALESCE(merged_value, CASE merged_key \
             WHEN 'email' THEN email WHEN 'phone' THEN phone END), cells_json FROM rows \
             WHERE state = 'merged' ORDER BY row",
            |r| {
                Ok((
                    r.get::<_, i64>(0)? as u64,
                    r.get::<_, i64>(1)? as u64,
                    r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    r.get::<_, String>(4)?,
                ))
            },
            |(row, merged_into, key, value, cells)| {
                f(MergedRow {
                    row,
                    merged_into,
                    key,
                    value,
                    cells: input.cells(row, &cells)?,
                })?;
                Ok(())
            },
        )
    }
}

/// Everything a streaming reader (`each_rejected`, `each_merged`, …) hands out, in memory.
pub(super) fn gather<T>(
    each: impl FnOnce(&mut dyn FnMut(T) -> Result<(), LedgerError>) -> Result<(), LedgerError>,
) -> Result<Vec<T>, LedgerError> {
    let mut out = Vec::new();
    each(&mut |row| {
        out.push(row);
        Ok(())
    })?;
    Ok(out)
}
