//! The calls that take things away (contact, note and task delete) and the batched searches that
//! find many contacts in one request (by email/phone, by id), for `import --undoable`'s
//! before-images, the undo's safety check and `delete`.
//!
//! A search names up to [`SEARCH_BATCH`] conditions in one `OR` group of `eq` filters: groups
//! and `eq` on `email`, `phone` and `id` are documented (ghl-api.md §2.7), a list value for
//! `eq` is not, so the group is the safer reading. How many filters a group may hold is not
//! documented either; 100 keeps each body small.

use super::calls::Effect;
use super::client::{Call, Client};
use super::models::{SearchRequest, SearchResponse};
use super::ApiError;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

/// Conditions (emails, phones or ids) per search request.
pub const SEARCH_BATCH: usize = 100;

/// Search results per page (the documented maximum).
const PAGE: u32 = 500;

/// Longest value a search filter takes (ghl-api.md §2.7): a longer email cannot be searched.
pub const FILTER_VALUE_MAX: usize = 75;

/// 200 of the delete endpoints: `{ "succeded": true }` (sic).
#[derive(Debug, Clone, Deserialize)]
pub struct Deleted {
    /// What the API says; a 200 without it still counts as deleted.
    #[serde(default)]
    pub succeded: Option<bool>,
}

/// One search condition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Identity {
    /// A normalised email.
    Email(String),
    /// An E.164 phone.
    Phone(String),
    /// A contact id.
    Id(String),
}

impl Identity {
    fn filter(&self) -> Value {
        let (field, value) = match self {
            Identity::Email(v) => ("email", v),
            Identity::Phone(v) => ("phone", v),
            Identity::Id(v) => ("id", v),
        };
        json!({"field": field, "operator": "eq", "value": value})
    }

    /// Whether a search can carry it (filter values are capped at 75 characters).
    pub fn searchable(&self) -> bool {
        let value = match self {
            Identity::Email(v) | Identity::Phone(v) | Identity::Id(v) => v,
        };
        !value.is_empty() && value.chars().count() <= FILTER_VALUE_MAX
    }

    /// Whether a contact (as search or GET returns it) carries this identity.
    pub fn matches(&self, contact: &Value) -> bool {
        let text = |key: &str| contact.get(key).and_then(Value::as_str).unwrap_or_default();
        match self {
            Identity::Email(v) => !v.is_empty() && text("email").eq_ignore_ascii_case(v),
            Identity::Phone(v) => !v.is_empty() && text("phone") == v,
            Identity::Id(v) => text("id") == v,
        }
    }
}

/// Whether an error says the contact, note or task does not exist (HighLevel answers 400
/// "… not found" where others say 404): for a delete, the thing is gone either way.
pub fn is_not_found(error: &ApiError) -> bool {
    match error {
        ApiError::Status { status: 404, .. } => true,
        ApiError::Status {
            status: 400, body, ..
        } => body.message_text().to_lowercase().contains("not found"),
        _ => false,
    }
}

impl Client {
    /// `DELETE /contacts/{id}`. Safe to resend: a second delete finds nothing, which the
    /// caller reads as done ([`is_not_found`]).
    pub async fn delete_contact(&self, id: &str) -> Result<Deleted, ApiError> {
        let path = format!("/contacts/{id}");
        self.send_delete("DELETE /contacts/{id}", path).await
    }

    /// `DELETE /contacts/{id}/notes/{noteId}`.
    pub async fn delete_note(&self, contact_id: &str, note_id: &str) -> Result<Deleted, ApiError> {
        let path = format!("/contacts/{contact_id}/notes/{note_id}");
        self.send_delete("DELETE /contacts/{id}/notes/{noteId}", path)
            .await
    }

    /// `DELETE /contacts/{id}/tasks/{taskId}`.
    pub async fn delete_task(&self, contact_id: &str, task_id: &str) -> Result<Deleted, ApiError> {
        let path = format!("/contacts/{contact_id}/tasks/{task_id}");
        self.send_delete("DELETE /contacts/{id}/tasks/{taskId}", path)
            .await
    }

    /// `DELETE path`, counted under `endpoint`; with neither query nor body, so safe to resend.
    async fn send_delete(&self, endpoint: &'static str, path: String) -> Result<Deleted, ApiError> {
        self.send(Call::bare(endpoint, Method::DELETE, path)).await
    }

    /// `PUT /contacts/{id}` with a body built by the caller (an undo restores fields to what
    /// they were, `null` included, which `ContactFields` cannot say).
    pub async fn update_contact_raw(&self, id: &str, body: &Value) -> Result<Value, ApiError> {
        self.send_with(
            Effect::Sets,
            "PUT /contacts/{id}",
            format!("/contacts/{id}"),
            body,
        )
        .await
    }

    /// Every contact matching any of `identities` (at most [`SEARCH_BATCH`]), as search
    /// returns them: one request, more only when a page fills up.
    pub async fn search_any(&self, identities: &[Identity]) -> Result<Vec<Value>, ApiError> {
        if identities.is_empty() {
            return Ok(Vec::new());
        }
        let group = json!({
            "group": "OR",
            "filters": identities.iter().map(Identity::filter).collect::<Vec<_>>(),
        });
        let mut found = Vec::new();
        let mut search_after = None;
        loop {
            let request = SearchRequest {
                location_id: self.location_id().to_string(),
                page_limit: PAGE,
                search_after: search_after.take(),
                query: None,
                filters: vec![group.clone()],
                sort: vec![json!({"field": "dateAdded", "direction": "asc"})],
            };
            let page: SearchResponse = self.search(&request).await?;
            let full = page.contacts.len() >= PAGE as usize;
            let cursor = page.next_cursor();
            found.extend(page.contacts);
            match cursor {
                Some(cursor) if full => search_after = Some(cursor),
                _ => return Ok(found),
            }
        }
    }

    /// Requests [`Client::search_all`] will send for `n` identities (no page overflow).
    pub fn search_requests(n: usize) -> u64 {
        n.div_ceil(SEARCH_BATCH) as u64
    }

    /// Every contact matching any of `identities`, [`SEARCH_BATCH`] per request, requests
    /// sent one after the other.
    pub async fn search_all(&self, identities: &[Identity]) -> Result<Vec<Value>, ApiError> {
        let mut found = Vec::new();
        for chunk in identities.chunks(SEARCH_BATCH) {
            found.extend(self.search_any(chunk).await?);
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::models::ErrorBody;

    #[test]
    fn identities_match_as_the_api_compares_them() {
        let contact = json!({"id": "AbC", "email": "Ann@Example.com", "phone": "+14155550100"});
        assert!(Identity::Email("ann@example.com".into()).matches(&contact));
        assert!(Identity::Phone("+14155550100".into()).matches(&contact));
        assert!(!Identity::Phone("+14155550101".into()).matches(&contact));
        assert!(Identity::Id("AbC".into()).matches(&contact));
        assert!(
            !Identity::Id("abc".into()).matches(&contact),
            "ids are case-sensitive"
        );
        assert!(!Identity::Email(String::new()).matches(&json!({})));
        assert!(!Identity::Email(format!("{}@example.com", "a".repeat(70))).searchable());
        assert_eq!(
            Identity::Email("a@b.co".into()).filter(),
            json!({"field": "email", "operator": "eq", "value": "a@b.co"})
        );
        assert_eq!(Client::search_requests(0), 0);
        assert_eq!(Client::search_requests(100), 1);
        assert_eq!(Client::search_requests(101), 2);
    }

    #[test]
    fn not_found_reads_400_and_404_alike() {
        let status = |status: u16, message: &str| ApiError::Status {
            endpoint: "DELETE /contacts/{id}",
            status,
            body: Box::new(ErrorBody {
                message: Value::String(message.into()),
                ..ErrorBody::default()
            }),
        };
        assert!(is_not_found(&status(400, "Contact with id x not found")));
        assert!(is_not_found(&status(404, "Not Found")));
        assert!(!is_not_found(&status(400, "Bad Request")));
        assert!(!is_not_found(&status(422, "not found")));
    }
}
