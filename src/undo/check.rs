//! The undo's safety check: before anything is done to a contact, its `dateUpdated` now is
//! compared with the latest the run's own writes explain. Later means someone (or something)
//! changed the contact since the run wrote it: the contact is left alone and listed, unless
//! `--force`. Contacts are read by id, [`SEARCH_BATCH`] per search request; one the search
//! does not return is read by id before it is called gone (search can lag behind writes).
//!
//! HighLevel moves `dateUpdated` on any write to the contact, the run's own tag changes
//! included (the sandbox does; the API does not document it), and the bulk tag answer does
//! not say when. So the bound is the later of the `dateUpdated` the run's contact write
//! returned and the moment the row's last request was answered. The safer reading of a
//! clock difference between HighLevel and this machine follows: a HighLevel clock ahead of
//! ours makes the run's own writes look later, which leaves contacts alone (listed, `--force`
//! to go on), never the other way round beyond the skew. A contact checked once is not
//! checked again on resume: the undo's own changes move `dateUpdated` too.

use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashMap;

use crate::api::removal::{is_not_found, Identity, SEARCH_BATCH};
use crate::api::{ApiError, Client};
use crate::ledger::UndoContact;

/// A contact's verdict: `ok`, `changed` or `gone`, with the reason for the last two.
pub type Verdict = (String, &'static str, Option<String>);

/// Decides one contact from its current `dateUpdated`.
pub fn decide(
    current: Option<&str>,
    written_until: Option<&str>,
    force: bool,
) -> (&'static str, Option<String>) {
    if force {
        return ("ok", None);
    }
    let parse = |t: &str| {
        DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    match (current.and_then(parse), written_until.and_then(parse)) {
        (Some(now), Some(until)) if now <= until => ("ok", None),
        (Some(now), Some(until)) => (
            "changed",
            Some(format!(
                "changed since the run wrote it (dateUpdated {} is after {}): left alone; --force undoes it anyway",
                now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                until.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            )),
        ),
        (None, _) => (
            "changed",
            Some("HighLevel gave no dateUpdated to compare: left alone; --force undoes it anyway".into()),
        ),
        (_, None) => (
            "changed",
            Some("the run recorded no time for its write: left alone; --force undoes it anyway".into()),
        ),
    }
}

/// Checks `contacts` (at most [`SEARCH_BATCH`]): one search, and a read by id for each one
/// the search did not return.
pub async fn check(
    client: &Client,
    contacts: &[&UndoContact],
    force: bool,
) -> Result<Vec<Verdict>, ApiError> {
    let ids: Vec<Identity> = contacts
        .iter()
        .take(SEARCH_BATCH)
        .map(|c| Identity::Id(c.contact_id.clone()))
        .collect();
    let found: HashMap<String, Value> = client
        .search_any(&ids)
        .await?
        .into_iter()
        .filter_map(|c| Some((c.get("id")?.as_str()?.to_string(), c)))
        .collect();
    let mut verdicts = Vec::with_capacity(contacts.len());
    for contact in contacts.iter().take(SEARCH_BATCH) {
        let current: Option<String> = match found.get(&contact.contact_id) {
            Some(c) => c
                .get("dateUpdated")
                .and_then(Value::as_str)
                .map(str::to_string),
            None => match client.get_contact(&contact.contact_id).await {
                Ok(c) => c.date_updated,
                Err(e) if is_not_found(&e) => {
                    verdicts.push((
                        contact.contact_id.clone(),
                        "gone",
                        Some("the contact no longer exists".into()),
                    ));
                    continue;
                }
                Err(e) => return Err(e),
            },
        };
        let (verdict, reason) = decide(current.as_deref(), contact.written_until.as_deref(), force);
        verdicts.push((contact.contact_id.clone(), verdict, reason));
    }
    Ok(verdicts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_is_left_alone_when_changed_after_the_runs_last_write() {
        let until = Some("2026-11-23T10:00:00.999Z");
        assert_eq!(
            decide(Some("2026-11-23T10:00:00.500Z"), until, false).0,
            "ok"
        );
        assert_eq!(
            decide(Some("2026-11-23T10:00:00.999Z"), until, false).0,
            "ok"
        );
        let (verdict, reason) = decide(Some("2026-11-23T10:00:01.000Z"), until, false);
        assert_eq!(verdict, "changed");
        assert!(reason.unwrap().contains("--force"));
        assert_eq!(decide(Some("2026-11-23T10:05:00Z"), until, true).0, "ok");
        assert_eq!(decide(None, until, false).0, "changed");
        assert_eq!(decide(Some("garbage"), until, false).0, "changed");
        assert_eq!(
            decide(Some("2026-11-23T09:00:00Z"), None, false).0,
            "changed"
        );
    }
}
