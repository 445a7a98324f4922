//! `import --undoable`: before a row's contact is written, every contact its email or phone
//! matches is read and kept in the ledger as a before-image, so that an undo can put the fields
//! back. Rows are captured a read batch at a time: the first row of a batch to start runs the
//! batch's searches ([`SEARCH_BATCH`] identities per request) and records every row's images in
//! one transaction; the batch's other rows wait for it, then write. A contact that does not
//! exist yet needs no image, and the search finds nothing for it.
//!
//! A row already captured (a resume) is never captured again: the run may have written its
//! contact since. Rows whose contact an earlier attempt resolved (`Known`) were captured then.

use super::engine::with_ledger;
use super::rows::Row;
use super::DeliveryError;
use crate::api::removal::{Identity, SEARCH_BATCH};
use crate::api::{ApiError, Client};
use crate::ledger::{BeforeCapture, Ledger};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// The before-images of one read batch, taken once.
pub(super) struct Capture {
    /// (row, its identities, the fields it sends as JSON).
    rows: Vec<(u64, Vec<Identity>, String)>,
    done: OnceCell<()>,
}

/// Why a capture failed: the API (the row fails, or the run stops, as for any request) or
/// the ledger (fatal).
pub(super) enum CaptureError {
    Api(ApiError),
    Fatal(DeliveryError),
}

/// The capture each row of a freshly read batch waits for, by row; rows captured before are
/// left out. Empty when the batch needs none.
pub(super) fn plan(
    ledger: &Mutex<Ledger>,
    rows: &[Row],
) -> Result<HashMap<u64, Arc<Capture>>, DeliveryError> {
    let candidates: Vec<u64> = rows
        .iter()
        .filter(|r| r.known.is_none())
        .map(|r| r.plan.row)
        .collect();
    if candidates.is_empty() {
        return Ok(HashMap::new());
    }
    let captured = with_ledger(ledger, |l| l.captured_rows(&candidates))?;
    let wanted: Vec<(u64, Vec<Identity>, String)> = rows
        .iter()
        .filter(|r| r.known.is_none() && !captured.contains(&r.plan.row))
        .map(|r| {
            let fields = &r.plan.fields;
            let mut identities = Vec::new();
            // A row updating a contact by id may change its email or phone: its image is
            // found by the id.
            if let Some(id) = &r.plan.contact_id {
                identities.push(Identity::Id(id.clone()));
            }
            if let Some(email) = fields.std.email.as_ref().filter(|e| !e.is_empty()) {
                identities.push(Identity::Email(email.to_lowercase()));
            }
            if let Some(phone) = fields.std.phone.as_ref().filter(|p| !p.is_empty()) {
                identities.push(Identity::Phone(phone.clone()));
            }
            let sent = serde_json::to_string(fields).unwrap_or_default();
            (r.plan.row, identities, sent)
        })
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let numbers: Vec<u64> = wanted.iter().map(|(row, _, _)| *row).collect();
    let capture = Arc::new(Capture {
        rows: wanted,
        done: OnceCell::new(),
    });
    Ok(numbers.into_iter().map(|n| (n, capture.clone())).collect())
}

impl Capture {
    /// Takes the batch's before-images unless that is done already. A failure leaves it
    /// undone: the next row of the batch tries again, and no row writes without its images.
    pub(super) async fn ensure(
        &self,
        client: &Client,
        ledger: &Mutex<Ledger>,
    ) -> Result<(), CaptureError> {
        self.done
            .get_or_try_init(|| self.take(client, ledger))
            .await
            .map(|_| ())
    }

    async fn take(&self, client: &Client, ledger: &Mutex<Ledger>) -> Result<(), CaptureError> {
        let mut all: Vec<Identity> = Vec::new();
        let mut unsearchable = Vec::new();
        for (_, identities, _) in &self.rows {
            for identity in identities {
                if identity.searchable() {
                    all.push(identity.clone());
                } else {
                    unsearchable.push(identity.clone());
                }
            }
        }
        all.sort();
        all.dedup();
        let mut found: Vec<serde_json::Value> = Vec::new();
        for chunk in all.chunks(SEARCH_BATCH) {
            found.extend(client.search_any(chunk).await.map_err(CaptureError::Api)?);
        }
        // Too long for a search filter (a 76-character email): the duplicate lookup takes it.
        for identity in unsearchable {
            if let Identity::Email(email) = &identity {
                let contact = client
                    .find_duplicate(Some(email), None)
                    .await
                    .map_err(CaptureError::Api)?;
                if let Some(contact) = contact {
                    found.push(serde_json::to_value(contact).unwrap_or_default());
                }
            }
        }
        let captures: Vec<BeforeCapture> = self
            .rows
            .iter()
            .map(|(row, identities, sent)| BeforeCapture {
                row: *row,
                sent_json: sent.clone(),
                images: images_for(identities, &found),
            })
            .collect();
        let now = crate::run::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        with_ledger(ledger, |l| l.record_before(&captures, &now)).map_err(CaptureError::Fatal)
    }
}

/// The found contacts one row's identities match, each once: (id, dateUpdated, JSON).
fn images_for(
    identities: &[Identity],
    found: &[serde_json::Value],
) -> Vec<(String, Option<String>, String)> {
    let mut out: Vec<(String, Option<String>, String)> = Vec::new();
    for contact in found {
        let Some(id) = contact.get("id").and_then(|v| v.as_str()) else {
            continue;
        };
        if out.iter().any(|(seen, _, _)| seen == id)
            || !identities.iter().any(|i| i.matches(contact))
        {
            continue;
        }
        let updated = contact
            .get("dateUpdated")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        out.push((id.to_string(), updated, contact.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_row_keeps_the_contacts_its_email_or_phone_match_once_each() {
        let found = vec![
            json!({"id": "a", "email": "ann@example.com", "dateUpdated": "2026-01-01T00:00:00.000Z"}),
            json!({"id": "b", "phone": "+14155550100"}),
            json!({"id": "c", "email": "other@example.com"}),
            json!({"id": "a", "email": "ann@example.com"}),
        ];
        let identities = vec![
            Identity::Email("ann@example.com".into()),
            Identity::Phone("+14155550100".into()),
        ];
        let images = images_for(&identities, &found);
        let ids: Vec<&str> = images.iter().map(|(id, _, _)| id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(images[0].1.as_deref(), Some("2026-01-01T00:00:00.000Z"));
        assert!(images_for(&[Identity::Email("new@example.com".into())], &found).is_empty());
    }
}
