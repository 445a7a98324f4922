//! Where a run stands, decided from the facts its readable ledger records: the rules
//! `import --resume` and `delete --resume` follow, and the note that says why.

use super::{Counts, RunState};

/// What the state of a readable ledger is decided from.
pub(super) struct Facts<'a> {
    pub(super) command: &'a str,
    /// `delete --dry-run`: its rows stay pending on purpose, and it is never resumed.
    pub(super) dry_run: bool,
    /// The local pipeline finished staging (it writes the first summary then).
    pub(super) staged: bool,
    pub(super) exit_code: Option<u8>,
    /// The delivery's stop reason (`finished`, `interrupted`, `stopped: …`), once one ended.
    pub(super) stop: Option<String>,
    pub(super) counts: &'a Counts,
    /// The last attempt's failure, as recorded.
    pub(super) failure: Option<&'a crate::ledger::Failure>,
    /// The ledger changed after the reports were last written.
    pub(super) reports_incomplete: bool,
}

/// The rules `import --resume` follows: it refuses a run whose staging did not finish (nothing
/// was sent), and continues any other import with rows pending, in doubt or failed. A finished
/// run with failed rows is listed as finished (they are outcomes), with a note that a resume
/// retries them.
pub(super) fn decide(f: &Facts<'_>) -> (RunState, Option<String>) {
    if let Some(failure) = f.failure {
        let what = if failure.exit_code == 130 {
            "interrupted"
        } else {
            "failed"
        };
        let c = f.counts;
        let local = c.pending + c.rejected + c.merged;
        let sent = if c.rows > local {
            ""
        } else {
            "; nothing was sent"
        };
        return (
            RunState::Failed,
            Some(format!(
                "{what} at {}: {}{sent}",
                failure.stage, failure.error
            )),
        );
    }
    let (state, note) = decide_ended(f);
    if state == RunState::Finished && f.reports_incomplete {
        let again = if f.command == "import" {
            "import --resume writes them"
        } else {
            "run the command again to have them"
        };
        return (
            RunState::ReportsIncomplete,
            Some(format!(
                "the run ended but its reports were not all written (stopped while they were);                  {again}"
            )),
        );
    }
    (state, note)
}

fn decide_ended(f: &Facts<'_>) -> (RunState, Option<String>) {
    if !f.staged {
        return (
            RunState::Failed,
            Some(
                "stopped while the file was being staged; nothing was sent: start a new run".into(),
            ),
        );
    }
    if f.command == "delete" {
        return match f.exit_code {
            _ if f.dry_run => (
                RunState::Finished,
                Some("a dry run: nothing was deleted, and it cannot be resumed".into()),
            ),
            Some(75 | 130) => (RunState::Resumable, f.stop.clone()),
            Some(1) => (RunState::Failed, None),
            _ => (RunState::Finished, None),
        };
    }
    if f.command != "import" {
        // validate and import --dry-run end when the local pipeline does.
        return match f.exit_code {
            Some(1) => (
                RunState::Failed,
                Some("the outcomes did not add up to the rows read (see summary.json)".into()),
            ),
            _ => (RunState::Finished, None),
        };
    }
    let left = f.counts.left();
    match (f.stop.as_deref(), f.exit_code) {
        (Some(stop), Some(75 | 130)) => (RunState::Resumable, Some(stop.to_string())),
        _ if left > 0 => (
            RunState::Resumable,
            Some(format!(
                "{left} rows not sent yet: the run stopped before its end (a crash, or a \
                 fatal error such as a refused token)"
            )),
        ),
        (_, Some(1)) => (RunState::Failed, None),
        _ if f.counts.failed > 0 => (
            RunState::Finished,
            Some(format!(
                "{} failed rows can be sent again with import --resume",
                f.counts.failed
            )),
        ),
        _ => (RunState::Finished, None),
    }
}
