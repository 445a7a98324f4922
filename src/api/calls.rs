//! The typed calls: one method per Contacts API endpoint the tool uses, each naming its
//! idempotency so the retry policy knows whether a lost answer may be resent.

use super::client::{Call, Client};
use super::models::*;
use super::retry::Idempotency::{Safe, Unsafe};
use super::ApiError;
use reqwest::Method;

impl Client {
    /// `POST /contacts/upsert`: creates or updates by the location's duplicate rules.
    /// Safe to resend: a second upsert of the same payload finds the contact the first made.
    pub async fn upsert(&self, fields: &ContactFields) -> Result<UpsertResponse, ApiError> {
        self.upsert_as(fields, Safe).await
    }

    /// `POST /contacts/upsert`, but an unknown outcome (timeout, cut connection, 5xx) comes back
    /// as [`ApiError::InDoubt`] instead of being resent here. The engine resends it itself with
    /// [`Client::upsert`] (it is safe to), and so learns that the contact may have been created
    /// by the lost attempt: the resend's `new: false` would otherwise hide that this run made it.
    pub async fn upsert_reporting_doubt(
        &self,
        fields: &ContactFields,
    ) -> Result<UpsertResponse, ApiError> {
        self.upsert_as(fields, Unsafe).await
    }

    async fn upsert_as(
        &self,
        fields: &ContactFields,
        idempotency: super::retry::Idempotency,
    ) -> Result<UpsertResponse, ApiError> {
        let body = UpsertRequest {
            location_id: self.location_id(),
            fields,
        };
        let response: UpsertResponse = self
            .send(Call::json(
                "POST /contacts/upsert",
                Method::POST,
                "/contacts/upsert".into(),
                &body,
                idempotency,
            )?)
            .await?;
        usable_id("POST /contacts/upsert", &response.contact.id)?;
        Ok(response)
    }

    /// `POST /contacts/`: never resent blindly; an unknown outcome is [`ApiError::InDoubt`].
    pub async fn create(&self, fields: &ContactFields) -> Result<Contact, ApiError> {
        let body = CreateRequest {
            location_id: self.location_id(),
            fields,
        };
        let path = "/contacts/".to_string();
        let envelope: ContactEnvelope = self
            .send_with(Effect::Creates, "POST /contacts/", path, &body)
            .await?;
        usable_id("POST /contacts/", &envelope.contact.id)?;
        Ok(envelope.contact)
    }

    /// `GET /contacts/{id}`.
    pub async fn get_contact(&self, id: &str) -> Result<Contact, ApiError> {
        let path = format!("/contacts/{id}");
        let envelope: ContactEnvelope = self.get_json("GET /contacts/{id}", path).await?;
        usable_id("GET /contacts/{id}", &envelope.contact.id)?;
        Ok(envelope.contact)
    }

    /// `PUT /contacts/{id}`; fields the update DTO does not know are left out.
    pub async fn update_contact(
        &self,
        id: &str,
        fields: &ContactFields,
    ) -> Result<UpdateResponse, ApiError> {
        let body = UpdateRequest::from_fields(fields);
        self.send_with(
            Effect::Sets,
            "PUT /contacts/{id}",
            format!("/contacts/{id}"),
            &body,
        )
        .await
    }

    /// `GET /contacts/search/duplicate`: the contact HighLevel would match, if any.
    pub async fn find_duplicate(
        &self,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<Option<Contact>, ApiError> {
        let mut query = vec![("locationId", self.location_id())];
        if let Some(email) = email {
            query.push(("email", email));
        }
        if let Some(phone) = phone {
            query.push(("number", phone));
        }
        let response: DuplicateResponse = self
            .send(Call {
                query: &query,
                ..Call::bare(
                    "GET /contacts/search/duplicate",
                    Method::GET,
                    "/contacts/search/duplicate".into(),
                )
            })
            .await?;
        Ok(response.contact)
    }

    /// `POST /contacts/bulk/tags/update/{add|remove}` for a batch of contacts.
    pub async fn bulk_tags(
        &self,
        change: TagChange,
        contact_ids: &[String],
        tags: &[String],
    ) -> Result<BulkTagsResponse, ApiError> {
        let (endpoint, path) = match change {
            TagChange::Add => (
                "POST /contacts/bulk/tags/update/add",
                "/contacts/bulk/tags/update/add",
            ),
            TagChange::Remove => (
                "POST /contacts/bulk/tags/update/remove",
                "/contacts/bulk/tags/update/remove",
            ),
        };
        let body = BulkTagsRequest {
            contacts: contact_ids,
            tags,
            location_id: self.location_id(),
        };
        self.send(Call::json(
            endpoint,
            Method::POST,
            path.into(),
            &body,
            Safe,
        )?)
        .await
    }

    /// `POST /contacts/{id}/notes`: not idempotent.
    pub async fn create_note(&self, contact_id: &str, body: &str) -> Result<Note, ApiError> {
        let path = format!("/contacts/{contact_id}/notes");
        let note = NoteRequest { body };
        let envelope: NoteEnvelope = self
            .send_with(Effect::Creates, "POST /contacts/{id}/notes", path, &note)
            .await?;
        Ok(envelope.note)
    }

    /// `GET /contacts/{id}/notes`: the contact's notes (to avoid creating one twice on resume).
    pub async fn list_notes(&self, contact_id: &str) -> Result<Vec<Note>, ApiError> {
        let path = format!("/contacts/{contact_id}/notes");
        let response: NotesResponse = self.get_json("GET /contacts/{id}/notes", path).await?;
        Ok(response.notes)
    }

    /// `POST /contacts/{id}/tasks`: not idempotent.
    pub async fn create_task(
        &self,
        contact_id: &str,
        task: &TaskRequest<'_>,
    ) -> Result<Task, ApiError> {
        let path = format!("/contacts/{contact_id}/tasks");
        let envelope: TaskEnvelope = self
            .send_with(Effect::Creates, "POST /contacts/{id}/tasks", path, task)
            .await?;
        Ok(envelope.task)
    }

    /// `GET /contacts/{id}/tasks`: the contact's tasks (to avoid creating one twice).
    pub async fn list_tasks(&self, contact_id: &str) -> Result<Vec<Task>, ApiError> {
        let path = format!("/contacts/{contact_id}/tasks");
        let response: TasksResponse = self.get_json("GET /contacts/{id}/tasks", path).await?;
        Ok(response.tasks)
    }

    /// `POST /contacts/bulk/business`: attaches contacts to a business (or detaches with None).
    pub async fn bulk_business(
        &self,
        contact_ids: &[String],
        business_id: Option<&str>,
    ) -> Result<BulkBusinessResponse, ApiError> {
        let body = BulkBusinessRequest {
            location_id: self.location_id(),
            ids: contact_ids,
            business_id,
        };
        self.send(Call::json(
            "POST /contacts/bulk/business",
            Method::POST,
            "/contacts/bulk/business".into(),
            &body,
            Safe,
        )?)
        .await
    }

    /// `GET /locations/{id}/customFields?model=contact`.
    pub async fn custom_fields(&self) -> Result<Vec<CustomFieldDef>, ApiError> {
        let response: CustomFieldsResponse = self
            .send(Call {
                query: &[("model", "contact")],
                ..Call::bare(
                    "GET /locations/{id}/customFields",
                    Method::GET,
                    format!("/locations/{}/customFields", self.location_id()),
                )
            })
            .await?;
        Ok(response.custom_fields)
    }

    /// `POST /contacts/search`: one page.
    pub async fn search(&self, request: &SearchRequest) -> Result<SearchResponse, ApiError> {
        self.send(Call::json(
            "POST /contacts/search",
            Method::POST,
            "/contacts/search".into(),
            request,
            Safe,
        )?)
        .await
    }
}

/// Which bulk tags operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagChange {
    Add,
    Remove,
}

/// A contact id the tool may record and put in a request path: HighLevel's are 20 letters and
/// digits. An empty or odd one in a success answer is not a success: recorded, it would make
/// later runs skip the row as delivered (issue 19.6), and in a path it could name another route.
fn usable_id(endpoint: &'static str, id: &str) -> Result<(), ApiError> {
    let usable = (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if usable {
        Ok(())
    } else {
        Err(ApiError::NoContactId {
            endpoint,
            id: id.chars().take(40).collect(),
        })
    }
}

impl Client {
    /// `GET path`, counted under `endpoint`: no query, no body, safe to resend.
    pub(super) async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &'static str,
        path: String,
    ) -> Result<T, ApiError> {
        self.send(Call::bare(endpoint, Method::GET, path)).await
    }

    /// `body` to `path`, counted under `endpoint`, by what it does: a call that creates is a
    /// `POST` never resent blind (a lost answer may mean it was made), one that sets a state is
    /// a `PUT` that may be resent (sending it twice leaves the record as once).
    pub(super) async fn send_with<T: serde::de::DeserializeOwned>(
        &self,
        effect: Effect,
        endpoint: &'static str,
        path: String,
        body: &impl serde::Serialize,
    ) -> Result<T, ApiError> {
        let (method, idempotency) = match effect {
            Effect::Creates => (Method::POST, Unsafe),
            Effect::Sets => (Method::PUT, Safe),
        };
        self.send(Call::json(endpoint, method, path, body, idempotency)?)
            .await
    }
}

/// What a call with a body does to the location; see [`Client::send_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    Creates,
    Sets,
}
