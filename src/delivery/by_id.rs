//! A row that names its contact id (`[fields] id`, issue 21.2) updates that contact, whatever
//! the mode: `PUT /contacts/{id}` without tags (every mapped field may change, email and phone
//! included; tags are only added afterwards, by the bulk endpoint).
//!
//! Before the PUT, one search (an `OR` of the row's id, email and phone) checks that the email
//! and phone the row gives belong to no other contact of the location: HighLevel does not
//! document what a PUT does when the new email is another contact's, and a silent merge or
//! overwrite is the one outcome that must not happen, so such a row is rejected
//! (`identity_conflict`). An id the location does not know is rejected as `contact_not_found`
//! from the PUT's own answer (400 "not found", 404, or 403 for a contact of another location,
//! which the search just before shows is not a token problem). A PUT is idempotent: a resume
//! sends it again.

use super::plan::RowPlan;
use super::resolve::{Failure, Resolved};
use crate::api::removal::{is_not_found, Identity};
use crate::api::{ApiError, Client};

/// A row refused by the location's answers: its code, field and message.
#[derive(Debug)]
pub(super) struct Refusal {
    pub code: &'static str,
    pub field: &'static str,
    pub message: String,
}

/// Updates the contact `id` with the row's fields, or says why not.
pub(super) async fn update_by_id(
    client: &Client,
    plan: &RowPlan,
    id: &str,
) -> Result<Resolved, Failure> {
    if let Some(refusal) = conflict(client, plan, id).await? {
        return Ok(Resolved::Refused(refusal));
    }
    let response = match client.update_contact(id, &plan.fields).await {
        Ok(response) => response,
        Err(error) => return refused_put(error, plan, id),
    };
    super::resolve::updated(client, id, response).await
}

/// Another contact of the location holding the row's email or phone, as a refusal.
async fn conflict(client: &Client, plan: &RowPlan, id: &str) -> Result<Option<Refusal>, Failure> {
    let mut identities = vec![Identity::Id(id.to_string())];
    if let Some(email) = plan.fields.std.email.as_deref().filter(|e| !e.is_empty()) {
        identities.push(Identity::Email(email.to_lowercase()));
    }
    if let Some(phone) = plan.fields.std.phone.as_deref().filter(|p| !p.is_empty()) {
        identities.push(Identity::Phone(phone.to_string()));
    }
    if identities.len() == 1 {
        return Ok(None);
    }
    let (searchable, long): (Vec<Identity>, Vec<Identity>) =
        identities.into_iter().partition(Identity::searchable);
    let mut found = client
        .search_any(&searchable)
        .await
        .map_err(|e| ("lookup_failed", e))?;
    // An email too long for a search filter: the duplicate lookup takes it.
    for identity in long {
        if let Identity::Email(email) = identity {
            if let Some(contact) = client
                .find_duplicate(Some(&email), None)
                .await
                .map_err(|e| ("lookup_failed", e))?
            {
                found.push(serde_json::to_value(contact).unwrap_or_default());
            }
        }
    }
    for contact in &found {
        let other = contact.get("id").and_then(|v| v.as_str()).unwrap_or("");
        if other.is_empty() || other == id {
            continue;
        }
        let (field, value) = match (&plan.fields.std.email, &plan.fields.std.phone) {
            (Some(email), _) if Identity::Email(email.to_lowercase()).matches(contact) => {
                ("email", email.as_str())
            }
            (_, Some(phone)) if Identity::Phone(phone.clone()).matches(contact) => {
                ("phone", phone.as_str())
            }
            _ => continue,
        };
        return Ok(Some(identity_conflict(field, value, other, id)));
    }
    Ok(None)
}

fn identity_conflict(field: &'static str, value: &str, other: &str, id: &str) -> Refusal {
    Refusal {
        code: "identity_conflict",
        field,
        message: format!(
            "its {field} {value} belongs to another contact of the location ({other}), not to \
             contact {id} that this row updates; nothing was sent. Correct the {field}, or \
             remove the contact id to let the row update {other}."
        ),
    }
}

/// The PUT's refusal as the row's outcome; other errors fail the row as usual.
fn refused_put(error: ApiError, plan: &RowPlan, id: &str) -> Result<Resolved, Failure> {
    if let Some(other) = error.duplicate_contact_id().map(str::to_string) {
        let (field, value) = match (&plan.fields.std.email, &plan.fields.std.phone) {
            (Some(email), _) => ("email", email.clone()),
            (None, Some(phone)) => ("phone", phone.clone()),
            (None, None) => ("email", String::new()),
        };
        return Ok(Resolved::Refused(identity_conflict(
            field, &value, &other, id,
        )));
    }
    // The search just before went through, so a 403 here is about this contact (another
    // location's), not the token.
    if is_not_found(&error) || error.status() == Some(403) {
        return Ok(Resolved::Refused(Refusal {
            code: "contact_not_found",
            field: "id",
            message: format!(
                "no contact with id {id} in this location ({}); it may have been deleted or \
                 belong to another location. Remove the id to import the row as a new contact.",
                error.api_message()
            ),
        }));
    }
    Err(("api_refused", error))
}
