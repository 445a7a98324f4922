//! The two passes of `delete` over its ledger, through the one client: resolving rows to
//! contact ids (ids, emails and phones searched many at a time), then deleting each resolved
//! contact once (rows naming the same contact share its request). A delete of a contact that
//! is gone already counts as done: both passes are safe to run again after any stop.

use serde_json::Value;
use std::collections::BTreeMap;
use tokio::sync::watch;

use super::DeleteError;
use crate::api::removal::{is_not_found, Identity, SEARCH_BATCH};
use crate::api::{ApiError, Client};
use crate::ledger::{Ledger, RemovalRow, Resolution, RowError};
use crate::run::dispatch::{verdict, Dispatch, Verdict};
use crate::run::end::Stop;
use crate::run::progress::Progress;

/// Rows read from the ledger at a time.
const READ: usize = 1000;

/// The identities a staged row names.
pub fn identities(payload: &Value) -> Vec<Identity> {
    let text = |k: &str| {
        payload
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if let Some(id) = text("id") {
        return vec![Identity::Id(id)];
    }
    let mut out = Vec::new();
    if let Some(email) = text("email") {
        out.push(Identity::Email(email));
    }
    if let Some(phone) = text("phone") {
        out.push(Identity::Phone(phone));
    }
    out
}

/// Which contact a row names, from what the searches found.
pub fn decide(identities: &[Identity], found: &[Value]) -> Resolution {
    let mut ids: Vec<&str> = found
        .iter()
        .filter(|c| identities.iter().any(|i| i.matches(c)))
        .filter_map(|c| c.get("id").and_then(Value::as_str))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let field = match identities.first() {
        Some(Identity::Id(_)) => "id",
        _ => "email/phone",
    };
    match ids.as_slice() {
        [one] => Resolution::Contact(one.to_string()),
        [] => Resolution::Refused(RowError::new(
            "not_found",
            field,
            "no contact in the location matches this row",
        )),
        many => Resolution::Refused(RowError::new(
            "ambiguous",
            field,
            format!(
                "the row's email and phone match {} different contacts ({}): nothing was \
                 deleted; name the contact by id to delete it",
                many.len(),
                many.join(", ")
            ),
        )),
    }
}

/// Resolves every row not resolved yet; `Some` when it had to stop.
pub async fn resolve(
    client: &Client,
    ledger: &mut Ledger,
    cancel: &watch::Receiver<bool>,
) -> Result<Option<Stop>, DeleteError> {
    let mut after = 0;
    loop {
        let rows = ledger.removal_rows(after, READ, false)?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        after = last.row;
        let mut batch: Vec<(u64, Vec<Identity>)> = Vec::new();
        let mut conditions = 0;
        for row in rows {
            let payload: Value = serde_json::from_str(&row.payload_json).unwrap_or_default();
            let ids = identities(&payload);
            if conditions + ids.len() > SEARCH_BATCH && !batch.is_empty() {
                if let Some(stop) = resolve_batch(client, ledger, &batch, cancel).await? {
                    return Ok(Some(stop));
                }
                batch.clear();
                conditions = 0;
            }
            conditions += ids.len();
            batch.push((row.row, ids));
        }
        if let Some(stop) = resolve_batch(client, ledger, &batch, cancel).await? {
            return Ok(Some(stop));
        }
    }
}

async fn resolve_batch(
    client: &Client,
    ledger: &mut Ledger,
    batch: &[(u64, Vec<Identity>)],
    cancel: &watch::Receiver<bool>,
) -> Result<Option<Stop>, DeleteError> {
    if *cancel.borrow() {
        return Ok(Some(Stop::Interrupted));
    }
    let (searchable, long): (Vec<Identity>, Vec<Identity>) = batch
        .iter()
        .flat_map(|(_, ids)| ids.iter().cloned())
        .partition(Identity::searchable);
    let mut found = match client.search_any(&searchable).await {
        Ok(found) => found,
        Err(e) => return stop_for(e),
    };
    // A filter value is capped at 75 characters: the duplicate lookup takes longer emails.
    for identity in long {
        if let Identity::Email(email) = identity {
            match client.find_duplicate(Some(&email), None).await {
                Ok(Some(contact)) => found.push(serde_json::to_value(contact).unwrap_or_default()),
                Ok(None) => {}
                Err(e) => return stop_for(e),
            }
        }
    }
    let results: Vec<(u64, Resolution)> = batch
        .iter()
        .map(|(row, ids)| (*row, decide(ids, &found)))
        .collect();
    ledger.record_resolutions(&results, &crate::run::clock::now_rfc3339())?;
    Ok(None)
}

fn stop_for(error: ApiError) -> Result<Option<Stop>, DeleteError> {
    match verdict(&error) {
        Verdict::Auth => Err(DeleteError::Auth(error)),
        Verdict::Resumable => {
            tracing::warn!(%error, "Stopping: the delete can be resumed.");
            Ok(Some(Stop::Resumable(error.to_string())))
        }
        // A search is no one row's: without its answer no row of the batch can be decided.
        Verdict::RowFailure => Err(DeleteError::Api(error)),
    }
}

/// Deletes every resolved contact; `Some` when it had to stop.
pub async fn delete(
    client: &Client,
    ledger: &mut Ledger,
    cancel: &watch::Receiver<bool>,
    concurrency: usize,
    progress: &Progress,
) -> Result<Option<Stop>, DeleteError> {
    let mut after = 0;
    let mut done = 0u64;
    loop {
        let rows = ledger.removal_rows(after, READ, true)?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        after = last.row;
        let mut by_contact: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for RemovalRow {
            row, contact_id, ..
        } in rows
        {
            if let Some(id) = contact_id {
                by_contact.entry(id).or_default().push(row);
            }
        }
        let mut queue = by_contact.into_iter();
        let send = |(id, rows): (String, Vec<u64>)| async move {
            let result = client.delete_contact(&id).await;
            (rows, result)
        };
        let mut pool = Dispatch::new(concurrency, cancel.clone());
        let mut stop = None;
        loop {
            if stop.is_none() && pool.cancel_requested() {
                stop = Some(Stop::Interrupted);
            }
            if stop.is_some() {
                pool.halt();
            }
            let Some((rows, result)) = pool.next_from(&mut queue, send).await else {
                break;
            };
            let error = match result {
                Ok(_) => None,
                Err(e) if is_not_found(&e) => None,
                Err(e) => match verdict(&e) {
                    Verdict::Auth => return Err(DeleteError::Auth(e)),
                    Verdict::Resumable => {
                        stop.get_or_insert(Stop::Resumable(e.to_string()));
                        continue;
                    }
                    Verdict::RowFailure => Some((
                        e.status()
                            .map_or("api_refused".to_string(), |s| format!("api_refused_{s}")),
                        e.api_message(),
                    )),
                },
            };
            let results: Vec<(u64, Option<(String, String)>)> =
                rows.iter().map(|r| (*r, error.clone())).collect();
            ledger.record_deletions(&results, &crate::run::clock::now_rfc3339())?;
            done += 1;
            progress.update(done, client);
        }
        if stop.is_some() {
            return Ok(stop);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_row_names_one_contact_none_or_too_many() {
        let found = vec![
            json!({"id": "a", "email": "ann@example.com", "phone": "+14155550100"}),
            json!({"id": "b", "email": "bob@example.com", "phone": "+14155550101"}),
        ];
        let both = identities(&json!({"email": "ann@example.com", "phone": "+14155550100"}));
        assert_eq!(decide(&both, &found), Resolution::Contact("a".into()));
        let split = identities(&json!({"email": "ann@example.com", "phone": "+14155550101"}));
        match decide(&split, &found) {
            Resolution::Refused(error) => {
                assert_eq!(error.code, "ambiguous");
                assert!(error.message.contains("a, b"));
            }
            other => panic!("{other:?}"),
        }
        let by_id = identities(&json!({"id": "b", "email": "ann@example.com"}));
        assert_eq!(by_id, [Identity::Id("b".into())]);
        assert_eq!(decide(&by_id, &found), Resolution::Contact("b".into()));
        let nobody = identities(&json!({"email": "zed@example.com", "phone": null}));
        assert!(matches!(decide(&nobody, &found), Resolution::Refused(e) if e.code == "not_found"));
    }
}
