//! `import --plan RUN_DIR`: carrying out the plan a `ghl-bulk plan` run wrote, in its own run
//! folder. Refused (exit 4, nothing sent) when the folder holds no plan, when the plan was
//! carried out already, or when the input file or the mapping changed since; then, before the
//! first write, each planned row whose contact changed since the plan read it (its
//! `dateUpdated` differs, or it is gone) is rejected `plan_stale`, one search per 100 contacts.
//! The decisions themselves are delivered as they are: no new reading of the location.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::{ImportError, Target};
use crate::api::removal::Identity;
use crate::api::Client;
use crate::ledger::{Ledger, RunRecord};

/// Checks that the folder's plan can be carried out as it was written, to the location it
/// read, then records that it is being carried out (a second `import --plan` is refused;
/// `--resume` continues it).
pub(super) fn take(
    run_dir: &Path,
    ledger: &Ledger,
    record: &RunRecord,
    target: &Target,
) -> Result<(), ImportError> {
    let refuse = |reason: String| ImportError::PlanRefused {
        dir: run_dir.to_path_buf(),
        reason,
    };
    super::resume::check_target(run_dir, ledger, target).map_err(|e| match e {
        ImportError::Resume { reason, .. } => refuse(reason),
        other => other,
    })?;
    if let Some(at) = ledger.plan_carried_out()? {
        return Err(refuse(format!(
            "it was carried out already (import --plan started {at}); continue a stopped one \
             with `ghl-bulk import --resume {}`, or run `ghl-bulk plan` again for a new plan",
            run_dir.display()
        )));
    }
    let summary = record.summary().unwrap_or(Value::Null);
    if summary["command"] != "plan" || ledger.decision_counts()?.is_empty() {
        return Err(refuse(
            "it holds no finished plan (written by `ghl-bulk plan`, with plan.csv); write one \
             with `ghl-bulk plan FILE --mapping M`"
                .into(),
        ));
    }
    let loaded = crate::mapping::load(Path::new(&record.mapping_path))
        .map_err(|e| refuse(format!("cannot read the mapping: {e}")))?;
    let since = "since the plan was written; run `ghl-bulk plan` again";
    if let Some(reason) = super::resume::changed_since(record, &loaded.hash, since) {
        return Err(refuse(reason));
    }
    ledger.mark_plan_carried_out(&crate::run::clock::now_rfc3339())?;
    Ok(())
}

/// Rejects (`plan_stale`) each planned row still to deliver whose contact changed since the
/// plan read it, or no longer exists, and says so when `print`. Returns how many were.
pub(super) async fn reject_changed(
    client: &Client,
    ledger: &mut Ledger,
    print: bool,
) -> Result<u64, ImportError> {
    let planned = ledger.planned_contacts()?;
    if planned.is_empty() {
        return Ok(0);
    }
    let mut ids: Vec<Identity> = planned
        .iter()
        .map(|(_, id, _)| Identity::Id(id.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    let sent_before = client.stats().snapshot().total;
    let found = client
        .search_all(&ids)
        .await
        .map_err(super::connect::classify_first)?;
    let now: HashMap<&str, Option<&str>> = found
        .iter()
        .filter_map(|c| {
            let id = c.get("id")?.as_str()?;
            Some((id, c.get("dateUpdated").and_then(Value::as_str)))
        })
        .collect();
    let stale: Vec<(u64, String)> = planned
        .iter()
        .filter_map(|(row, id, then)| {
            staleness(id, then.as_deref(), now.get(id.as_str()).copied()).map(|m| (*row, m))
        })
        .collect();
    let rejected = ledger.reject_stale(&stale)?;
    if print {
        // Said here: the estimate printed next counts what is left to send, and this check
        // (which plan's estimate included) has been sent already.
        let searches = client.stats().snapshot().total.saturating_sub(sent_before);
        eprintln!(
            "Checked {} against HighLevel ({}): {} changed since the plan read {}.",
            crate::format::counted(ids.len() as u64, "planned contact", "planned contacts"),
            crate::format::counted(searches, "search", "searches"),
            rejected,
            if ids.len() == 1 { "it" } else { "them" },
        );
    }
    if rejected > 0 && print {
        eprintln!(
            "{} changed in HighLevel since the plan was read: rejected plan_stale (see \
             rejects.csv); run `ghl-bulk plan` again for them.",
            crate::format::counted(rejected, "planned contact", "planned contacts")
        );
    }
    Ok(rejected)
}

/// Why a planned row's contact no longer matches the plan, if it does not. `then` is its
/// `dateUpdated` when the plan read it, `now` what the search found (`None`: not found).
fn staleness(id: &str, then: Option<&str>, now: Option<Option<&str>>) -> Option<String> {
    match (then, now) {
        (_, None) => Some(format!(
            "contact {id} no longer exists (deleted or merged since the plan); run `ghl-bulk \
             plan` again"
        )),
        // A plan that recorded no date cannot tell: the contact's existence is all it checks.
        (None, Some(_)) => None,
        (Some(then), Some(now)) if Some(then) == now => None,
        (Some(then), Some(now)) => Some(format!(
            "contact {id} changed since the plan (dateUpdated {then} → {}); run `ghl-bulk \
             plan` again",
            now.unwrap_or("unknown")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::staleness;

    #[test]
    fn a_changed_or_missing_contact_is_stale() {
        let t = "2026-01-01T00:00:00.000Z";
        assert_eq!(staleness("c1", Some(t), Some(Some(t))), None);
        let changed = staleness("c1", Some(t), Some(Some("2026-02-01T00:00:00.000Z")));
        assert!(changed.is_some_and(|m| m.contains("changed since the plan")));
        let gone = staleness("c1", Some(t), None);
        assert!(gone.is_some_and(|m| m.contains("no longer exists")));
        assert!(
            staleness("c1", Some(t), Some(None)).is_some(),
            "no date now: changed"
        );
        assert_eq!(staleness("c1", None, Some(Some(t))), None);
    }
}
