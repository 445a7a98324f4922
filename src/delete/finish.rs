//! The end of a delete session: the summary written into the run folder and its ledger, the
//! exit code from the rows' states, and what is printed (the resume command when rows are left).

use std::path::Path;
use std::time::Instant;

use super::DeleteError;
use crate::api::Client;
use crate::ledger::{Ledger, RowState};
use crate::run::end::{RunEnd, Stop};

/// What the end of a delete session writes and prints.
pub(super) struct Finish<'a> {
    pub(super) dir: &'a Path,
    pub(super) client: &'a Client,
    pub(super) started: Instant,
    pub(super) print: bool,
    pub(super) dry_run: bool,
}

pub(super) fn write_summary(
    ledger: &Ledger,
    finish: &Finish<'_>,
    stop: Option<Stop>,
) -> Result<RunEnd, DeleteError> {
    let Finish {
        dir,
        client,
        started,
        print,
        dry_run,
    } = *finish;
    let states = ledger.state_counts()?;
    let get = |state: RowState| states.get(state);
    let left = get(RowState::Pending) + get(RowState::Failed);
    let end = match &stop {
        Some(Stop::Interrupted) => RunEnd::Interrupted,
        Some(Stop::Resumable(_)) => RunEnd::Resumable,
        _ if get(RowState::Rejected) + get(RowState::Failed) > 0 => RunEnd::Rejects,
        _ => RunEnd::Ok,
    };
    let exit_code = end.code();
    // A dry run leaves its rows pending on purpose: it is not a run to continue.
    let resume =
        (left > 0 && !dry_run).then(|| format!("ghl-bulk delete --resume {}", dir.display()));
    let deleted = ledger.contacts_in_state(RowState::Deleted)?;
    let to_delete = ledger.contacts_in_state(RowState::Pending)?
        + ledger.contacts_in_state(RowState::Failed)?;
    let summary = serde_json::json!({
        "command": "delete",
        "dry_run": dry_run,
        "contacts_deleted": deleted,
        "contacts_left": to_delete,
        "rows_read": states.total(),
        "outcomes": states,
        "requests": client.stats().snapshot(),
        "throttled_ms": client.limiter().throttled().as_millis() as u64,
        "elapsed_ms": started.elapsed().as_millis() as u64,
        "stop": match &stop {
            _ if dry_run => "dry run: nothing deleted".to_string(),
            None | Some(Stop::Finished) => "finished".to_string(),
            Some(Stop::Interrupted) => "interrupted".to_string(),
            Some(Stop::Resumable(why)) => format!("stopped: {why}"),
        },
        "exit_code": exit_code,
        "resume": resume,
    });
    crate::run::summary::save(ledger, dir, exit_code, &summary)?;
    let requests = client.stats().snapshot().total;
    if print && dry_run {
        eprintln!(
            "Dry run: nothing was deleted ({} would be; {} rejected, {}). This run folder \
             cannot be resumed: run the delete again without --dry-run to delete.",
            contacts(to_delete),
            rows(get(RowState::Rejected)),
            crate::format::counted(requests, "request", "requests"),
        );
    } else if print {
        eprintln!(
            "Deleted {} ({}); rejected: {}; failed: {}; not yet deleted: {}; {}.",
            contacts(deleted),
            rows(get(RowState::Deleted)),
            rows(get(RowState::Rejected)),
            rows(get(RowState::Failed)),
            rows(get(RowState::Pending)),
            crate::format::counted(requests, "request", "requests"),
        );
        if let Some(resume) = &resume {
            eprintln!("Continue with:\n  {resume}");
        }
        eprintln!("Run folder: {}", dir.display());
    }
    Ok(end)
}

pub(super) fn contacts(n: u64) -> String {
    crate::format::counted(n, "contact", "contacts")
}

pub(super) fn rows(n: u64) -> String {
    crate::format::counted(n, "row", "rows")
}
