//! Warnings read back for the report files (issue 13.5): a row's non-blocking issues found
//! while validating (in its `issues_json`) and the delivery's honest-result warnings
//! (`delivery_warnings`), for `warnings.csv` and success.csv's `_warnings`. Rows in the reject
//! files (`rejected`, `failed`) are left out: their `_message` already lists every issue.

use serde::Deserialize;

use super::{Ledger, LedgerError};

/// One warning on one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningRecord {
    /// The 1-based data row.
    pub row: u64,
    /// The field concerned.
    pub field: String,
    /// The stable code.
    pub code: String,
    /// For a person.
    pub message: String,
}

/// The parts of a stored `RowIssue` the warnings and the reject files need (its code as
/// text: a code this build does not know still reads).
#[derive(Deserialize)]
pub(crate) struct StoredIssue {
    pub(crate) field: String,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) blocking: bool,
}

/// A row's `issues_json` read back, in order. Unreadable JSON (never written by this version)
/// costs the row its issues in the reports, not the report.
pub(crate) fn stored_issues(issues_json: Option<&str>) -> Vec<StoredIssue> {
    issues_json
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default()
}

/// The non-blocking issues in a row's `issues_json`, in their order.
pub(crate) fn validate_warnings(row: u64, issues_json: Option<&str>) -> Vec<WarningRecord> {
    stored_issues(issues_json)
        .into_iter()
        .filter(|i| !i.blocking)
        .map(|i| WarningRecord {
            row,
            field: i.field,
            code: i.code,
            message: i.message,
        })
        .collect()
}

/// success.csv's `_warnings`: `<code>: <message>` joined with ` | `, as rejects.csv joins a
/// row's further issues.
pub(crate) fn joined(warnings: &[WarningRecord]) -> String {
    let parts: Vec<String> = warnings
        .iter()
        .map(|w| format!("{}: {}", w.code, w.message))
        .collect();
    parts.join(" | ")
}

impl Ledger {
    /// Calls `f` on every warning of every row not in the reject files, in row order; within a
    /// row, validate's warnings come before the delivery's.
    pub fn each_warning<E: From<LedgerError>>(
        &self,
        mut f: impl FnMut(WarningRecord) -> Result<(), E>,
    ) -> Result<(), E> {
        self.stream_rows(
            "SELECT row, 0, issues_json, NULL, NULL, NULL FROM rows \
             WHERE issues_json IS NOT NULL AND state NOT IN ('rejected', 'failed') \
             UNION ALL SELECT d.row, 1, NULL, d.field, d.code, d.message \
             FROM delivery_warnings d JOIN rows r ON r.row = d.row \
             WHERE r.state NOT IN ('rejected', 'failed') ORDER BY 1, 2",
            |r| {
                Ok((
                    r.get::<_, i64>(0)? as u64,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            },
            |(row, issues, field, code, message)| {
                match (issues, field, code, message) {
                    (Some(issues), ..) => {
                        for w in validate_warnings(row, Some(&issues)) {
                            f(w)?;
                        }
                    }
                    (None, Some(field), Some(code), Some(message)) => f(WarningRecord {
                        row,
                        field,
                        code,
                        message,
                    })?,
                    _ => {}
                }
                Ok(())
            },
        )
    }
}
