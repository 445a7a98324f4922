//! The run's lifecycle marks, kept in the ledger's `meta` table: how a run failed (exit code,
//! stage, error), whether the run folder's reports were written after the ledger last changed,
//! and where the run's delivery sends (base URL and location). Key/value rows, so a ledger of
//! any schema version takes them without a migration; a ledger written before these marks
//! existed has none, and readers treat that as "nothing to say" (see `ReportsMark::Legacy`).

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{Ledger, LedgerError};

const FAILURE: &str = "failure";
const REPORTS: &str = "reports_written";
pub(super) const TARGET: &str = "target";

/// How a run ended without finishing: the exit code, the stage it stopped at and the error
/// (secrets removed before it is recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The process's exit code (1 for a fatal error, 130 for an interruption while staging).
    pub exit_code: u8,
    /// `read` (reading and staging the file), `connect` (the first requests), `deliver`,
    /// `reports`, `resolve` (delete's look-ups)…
    pub stage: String,
    /// What went wrong, as the console said it.
    pub error: String,
    /// RFC 3339, UTC.
    pub at: String,
}

/// Whether the reports in the run folder describe the ledger as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportsMark {
    /// A ledger from before the mark existed: its reports are taken as written.
    Legacy,
    /// The ledger changed after the reports were last written (or they never were).
    Incomplete,
    /// Written at this time (RFC 3339), after the last change.
    Written(String),
}

/// The API a run delivers to, recorded when its delivery first starts: a resume must send to
/// the same place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The base URL (`sandbox` for the in-process sandbox, whose port changes every start).
    pub base_url: String,
    /// The location id.
    pub location: String,
}

impl Target {
    /// The API and location a client sends to, as the ledger records them (the base URL
    /// without its trailing slash, so that both spellings compare equal).
    pub fn of_api(client: &crate::api::ClientConfig) -> Target {
        Target {
            base_url: client.base_url.as_str().trim_end_matches('/').to_string(),
            location: client.location_id.clone(),
        }
    }
}

impl Ledger {
    /// Records that the run failed (or was interrupted before its rows were staged): the exit
    /// code goes into the run record too, so that nothing reads the staging's exit code as the
    /// run's.
    pub fn record_failure(&self, failure: &Failure) -> Result<(), LedgerError> {
        let json = serde_json::to_string(failure).unwrap_or_default();
        self.set_meta_value(FAILURE, &json)?;
        self.conn
            .execute(
                "UPDATE run SET exit_code = ?1, finished_at = ?2 WHERE id = 1",
                params![failure.exit_code, failure.at],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The failure recorded, if the run's last attempt failed.
    pub fn failure(&self) -> Result<Option<Failure>, LedgerError> {
        Ok(self
            .meta_value(FAILURE)?
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Forgets a recorded failure: a resume is a new attempt.
    pub fn clear_failure(&self) -> Result<(), LedgerError> {
        self.conn
            .execute("DELETE FROM meta WHERE key = ?1", params![FAILURE])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Marks the reports as out of date: called before anything changes what they show.
    pub fn reports_stale(&self) -> Result<(), LedgerError> {
        self.set_meta_value(REPORTS, "")
    }

    /// Marks the reports as written: called after the last of them is in place.
    pub fn reports_written(&self, now: &str) -> Result<(), LedgerError> {
        self.set_meta_value(REPORTS, now)
    }

    /// Whether the reports describe the ledger as it is.
    pub fn reports_mark(&self) -> Result<ReportsMark, LedgerError> {
        Ok(match self.meta_value(REPORTS)? {
            None => ReportsMark::Legacy,
            Some(at) if at.is_empty() => ReportsMark::Incomplete,
            Some(at) => ReportsMark::Written(at),
        })
    }

    /// The target recorded when the run's delivery first started.
    pub fn target(&self) -> Result<Option<Target>, LedgerError> {
        Ok(self
            .meta_value(TARGET)?
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Records the run's target (once: a resume checks against it).
    pub fn set_target(&self, target: &Target) -> Result<(), LedgerError> {
        self.set_meta_value(TARGET, &serde_json::to_string(target).unwrap_or_default())
    }

    /// Puts rows in doubt back to pending: only for a delivery whose every request was
    /// answered with a refusal (a 4xx such as a rejected token), which changed nothing.
    pub fn undo_in_doubt(&self) -> Result<u64, LedgerError> {
        self.conn
            .execute(
                "UPDATE rows SET state = 'pending' WHERE state = 'in_doubt'",
                [],
            )
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// Whether the run has changed nothing outside the run folder yet: every row is still in a
    /// local state (valid, rejected, merged). Such a run can be replaced by a new one in the
    /// same folder.
    pub fn sent_nothing(&self) -> Result<bool, LedgerError> {
        let delivered: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM rows WHERE state NOT IN ('pending', 'rejected', 'merged')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        Ok(delivered == 0)
    }
}

/// The marks as `runs` reads them (read-only connection, same keys).
pub(super) fn read_marks(
    conn: &rusqlite::Connection,
) -> rusqlite::Result<(Option<Failure>, ReportsMark)> {
    let get = |key: &str| {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
            r.get::<_, String>(0)
        })
        .optional()
    };
    let failure = get(FAILURE)?.and_then(|json| serde_json::from_str(&json).ok());
    let reports = match get(REPORTS)? {
        None => ReportsMark::Legacy,
        Some(at) if at.is_empty() => ReportsMark::Incomplete,
        Some(at) => ReportsMark::Written(at),
    };
    Ok((failure, reports))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger() -> (tempfile::TempDir, Ledger) {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        (dir, ledger)
    }

    #[test]
    fn a_new_ledger_has_incomplete_reports_and_an_old_one_is_legacy() {
        let (_dir, ledger) = ledger();
        assert_eq!(ledger.reports_mark().unwrap(), ReportsMark::Incomplete);
        ledger.reports_written("2026-12-07T00:00:00Z").unwrap();
        assert_eq!(
            ledger.reports_mark().unwrap(),
            ReportsMark::Written("2026-12-07T00:00:00Z".into())
        );
        ledger.reports_stale().unwrap();
        assert_eq!(ledger.reports_mark().unwrap(), ReportsMark::Incomplete);
        ledger
            .conn
            .execute("DELETE FROM meta WHERE key = ?1", params![REPORTS])
            .unwrap();
        assert_eq!(ledger.reports_mark().unwrap(), ReportsMark::Legacy);
    }

    #[test]
    fn a_failure_is_recorded_read_back_and_cleared() {
        let (_dir, ledger) = ledger();
        assert_eq!(ledger.failure().unwrap(), None);
        let failure = Failure {
            exit_code: 1,
            stage: "connect".into(),
            error: "authentication failed".into(),
            at: "2026-12-07T00:00:00Z".into(),
        };
        ledger.record_failure(&failure).unwrap();
        assert_eq!(ledger.failure().unwrap(), Some(failure));
        ledger.clear_failure().unwrap();
        assert_eq!(ledger.failure().unwrap(), None);
    }
}
