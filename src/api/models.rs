//! Typed request and response bodies of the Contacts API endpoints the tool calls, named and
//! shaped as in the official OpenAPI file (`apps/contacts.json`, API version 2021-07-28).
//!
//! Requests serialise only the fields that are set: the API's DTOs are strict whitelists, and a
//! field sent as `null` means "clear it". Responses are read leniently (every field optional,
//! unknown fields ignored) so a new field on HighLevel's side never breaks an import.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contact::StdFields;

/// The contact fields that create and upsert accept (`CreateContactDto` / `UpsertContactDto`),
/// less `locationId`, which the request types add.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactFields {
    /// The standard fields, inline (the DTO lists them at its top level).
    #[serde(flatten)]
    pub std: StdFields,
    /// Replaces every tag the contact has: the default upsert mode never sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Vec<CustomFieldInput>>,
}

/// One custom field value on a write: by id (the safe choice) with `field_value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldInput {
    pub id: String,
    pub field_value: Value,
}

/// `POST /contacts/upsert`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpsertRequest<'a> {
    pub location_id: &'a str,
    #[serde(flatten)]
    pub fields: &'a ContactFields,
}

/// `POST /contacts/`.
pub type CreateRequest<'a> = UpsertRequest<'a>;

/// `PUT /contacts/{id}` (`UpdateContactDto`): the create fields less `locationId`, `gender` and
/// `companyName`, which the update DTO does not list (sending them is a 422).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRequest {
    #[serde(flatten)]
    pub fields: ContactFields,
}

impl UpdateRequest {
    /// The update body for these fields; fields the update DTO lacks are dropped.
    pub fn from_fields(fields: &ContactFields) -> Self {
        let mut fields = fields.clone();
        fields.std.gender = None;
        fields.std.company_name = None;
        UpdateRequest { fields }
    }
}

/// A contact as GET, create, update and upsert return it (only what the tool reads). Read
/// through [`super::contact_wire`], in one pass; written with the standard fields inline.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(
    rename_all = "camelCase",
    default,
    from = "super::contact_wire::ContactWire"
)]
pub struct Contact {
    pub id: String,
    pub location_id: Option<String>,
    /// Read leniently: see [`StdFields`].
    #[serde(flatten)]
    pub std: StdFields,
    pub tags: Vec<String>,
    pub custom_fields: Vec<CustomFieldOutput>,
    pub date_added: Option<String>,
    pub date_updated: Option<String>,
    pub business_id: Option<String>,
}

/// One custom field value on a read: `value` (reads use `value`, writes `field_value`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct CustomFieldOutput {
    pub id: String,
    pub value: Value,
}

/// 200 of `POST /contacts/upsert`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpsertResponse {
    /// True when the upsert created the contact.
    #[serde(default)]
    pub new: bool,
    pub contact: Contact,
    #[serde(default)]
    pub trace_id: Option<String>,
}

/// `{ "contact": … }` (create 201, GET 200).
#[derive(Debug, Clone, Deserialize)]
pub struct ContactEnvelope {
    pub contact: Contact,
}

/// 200 of `PUT /contacts/{id}`; the key really is spelled `succeded`.
#[derive(Debug, Clone, Deserialize)]
pub struct UpdateResponse {
    #[serde(default)]
    pub succeded: bool,
    #[serde(default)]
    pub contact: Option<Contact>,
}

/// 200 of `GET /contacts/search/duplicate`: `contact` is null when nothing matches.
#[derive(Debug, Clone, Deserialize)]
pub struct DuplicateResponse {
    #[serde(default)]
    pub contact: Option<Contact>,
}

/// `POST /contacts/bulk/tags/update/{type}` (`UpdateTagsDTO`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkTagsRequest<'a> {
    pub contacts: &'a [String],
    pub tags: &'a [String],
    pub location_id: &'a str,
}

/// 201 of the bulk tags endpoint: one entry per contact sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkTagsResponse {
    #[serde(default)]
    pub succeded: bool,
    #[serde(default)]
    pub error_count: u64,
    #[serde(default)]
    pub responses: Vec<BulkTagResult>,
}

/// The result for one contact of a bulk tags call.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BulkTagResult {
    pub contact_id: String,
    pub message: String,
    /// `success` or `error`.
    #[serde(rename = "type")]
    pub kind: String,
    pub old_tags: Vec<String>,
    pub tags_added: Vec<String>,
    pub tags_removed: Vec<String>,
}

/// `POST /contacts/{id}/notes`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NoteRequest<'a> {
    pub body: &'a str,
}

/// A note as returned.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Note {
    pub id: String,
    pub body: String,
    pub date_added: Option<String>,
}

/// `{ "note": … }`.
#[derive(Debug, Clone, Deserialize)]
pub struct NoteEnvelope {
    pub note: Note,
}

/// `{ "notes": [...] }`.
#[derive(Debug, Clone, Deserialize)]
pub struct NotesResponse {
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// `POST /contacts/{id}/tasks`: `title`, `dueDate` and `completed` are required.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRequest<'a> {
    pub title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<&'a str>,
    pub due_date: &'a str,
    pub completed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<&'a str>,
}

/// A task as returned.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Task {
    pub id: String,
    pub title: String,
    pub body: Option<String>,
    pub due_date: Option<String>,
    pub completed: bool,
    pub assigned_to: Option<String>,
}

/// `{ "task": … }`.
#[derive(Debug, Clone, Deserialize)]
pub struct TaskEnvelope {
    pub task: Task,
}

/// `{ "tasks": [...] }`.
#[derive(Debug, Clone, Deserialize)]
pub struct TasksResponse {
    #[serde(default)]
    pub tasks: Vec<Task>,
}

/// `POST /contacts/bulk/business`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkBusinessRequest<'a> {
    pub location_id: &'a str,
    pub ids: &'a [String],
    pub business_id: Option<&'a str>,
}

/// 200 of `POST /contacts/bulk/business`.
#[derive(Debug, Clone, Deserialize)]
pub struct BulkBusinessResponse {
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    pub ids: Vec<String>,
}

/// A custom field definition from `GET /locations/{id}/customFields`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomFieldDef {
    pub id: String,
    pub name: String,
    pub field_key: String,
    pub data_type: String,
    pub picklist_options: Vec<String>,
    pub model: Option<String>,
}

/// `{ "customFields": [...] }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldsResponse {
    #[serde(default)]
    pub custom_fields: Vec<CustomFieldDef>,
}

/// `POST /contacts/search` (body from the Contacts Search API page; the spec leaves it empty).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    pub location_id: String,
    pub page_limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_after: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<Value>,
}

/// 200 of `POST /contacts/search`: contacts are kept as JSON (the search shape differs from GET
/// and the exporter picks its columns itself).
#[derive(Debug, Clone, Deserialize)]
pub struct SearchResponse {
    #[serde(default)]
    pub contacts: Vec<Value>,
    #[serde(default)]
    pub total: u64,
}

impl SearchResponse {
    /// The last contact's `searchAfter`: the cursor that asks for the page after this one.
    pub fn next_cursor(&self) -> Option<Vec<Value>> {
        let last = self.contacts.last()?;
        last.get("searchAfter").and_then(Value::as_array).cloned()
    }
}

/// The error bodies HighLevel returns (NestJS style): `message` is a string on 400/401 and an
/// array on 422; `meta` carries the existing contact on a duplicate create.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorBody {
    pub status_code: Option<u16>,
    pub message: Value,
    pub error: Option<String>,
    pub meta: Option<DuplicateMeta>,
    pub trace_id: Option<String>,
}

impl ErrorBody {
    /// The message as one line, whether the API sent a string or an array of strings.
    pub fn message_text(&self) -> String {
        match &self.message {
            Value::String(text) => text.clone(),
            Value::Array(items) => items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_string)
                        .unwrap_or(item.to_string())
                })
                .collect::<Vec<_>>()
                .join("; "),
            Value::Null => self.error.clone().unwrap_or_default(),
            other => other.to_string(),
        }
    }
}

/// `meta` of the 400 a create gets when the location does not allow duplicates.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DuplicateMeta {
    pub contact_id: Option<String>,
    pub contact_name: Option<String>,
    pub matching_field: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_send_only_what_is_set() {
        let fields = ContactFields {
            std: StdFields {
                email: Some("a@example.com".into()),
                gender: Some("female".into()),
                company_name: Some("Acme".into()),
                ..StdFields::default()
            },
            ..ContactFields::default()
        };
        let upsert = serde_json::to_value(UpsertRequest {
            location_id: "loc",
            fields: &fields,
        })
        .unwrap();
        assert_eq!(
            upsert,
            json!({"locationId": "loc", "email": "a@example.com", "gender": "female", "companyName": "Acme"})
        );
        let update = serde_json::to_value(UpdateRequest::from_fields(&fields)).unwrap();
        assert_eq!(update, json!({"email": "a@example.com"}));
    }

    #[test]
    fn error_messages_read_as_string_or_array() {
        let body: ErrorBody = serde_json::from_value(json!({
            "statusCode": 422, "message": ["property x should not exist", "property y should not exist"]
        }))
        .unwrap();
        assert_eq!(
            body.message_text(),
            "property x should not exist; property y should not exist"
        );
        let dup: ErrorBody = serde_json::from_value(json!({
            "statusCode": 400, "message": "This location does not allow duplicated contacts.",
            "meta": {"contactId": "abc", "matchingField": "email"}
        }))
        .unwrap();
        assert_eq!(dup.meta.unwrap().contact_id.as_deref(), Some("abc"));
    }
}
