//! A staged row turned into what delivery sends: the contact body (never with `tags` for an
//! upsert or an update, where they would replace the contact's tags), the tags to add and to
//! remove afterwards, the notes and the task to create, and the business to attach.

use super::custom_fields::CustomFieldResolver;
use crate::api::models::ContactFields;
use crate::contact::{Contact, TaskPayload};

/// The requests one row needs.
#[derive(Debug, Clone, PartialEq)]
pub struct RowPlan {
    pub row: u64,
    /// The contact the row names by id: it is updated by id, whatever the mode.
    pub contact_id: Option<String>,
    pub fields: ContactFields,
    /// Tags to add (lower-case, unique), sent with the bulk tags endpoint.
    pub tags: Vec<String>,
    pub notes: Vec<String>,
    /// Tags to remove where the contact has them (lower-case, unique, none of `tags`).
    pub tags_remove: Vec<String>,
    /// The task to create once the contact exists.
    pub task: Option<TaskPayload>,
    /// The business to attach the contact to.
    pub business_id: Option<String>,
    /// Values left out before sending: (field, code, message).
    pub warnings: Vec<(String, String, String)>,
}

/// Plans one row from its staged payload.
pub fn plan_row(
    row: u64,
    payload_json: &str,
    custom: &CustomFieldResolver,
) -> Result<RowPlan, String> {
    let contact: Contact = serde_json::from_str(payload_json)
        .map_err(|err| format!("the staged payload cannot be read: {err}"))?;
    let mut warnings = Vec::new();
    let mut custom_fields = Vec::new();
    for value in &contact.custom_fields {
        match custom.convert(value.index, &value.value) {
            Ok(input) => custom_fields.push(input),
            Err(message) => warnings.push((
                custom.name(value.index).to_string(),
                "custom_field_invalid".to_string(),
                message,
            )),
        }
    }
    let fields = ContactFields {
        std: contact.std,
        tags: None,
        custom_fields: (!custom_fields.is_empty()).then_some(custom_fields),
    };
    Ok(RowPlan {
        row,
        contact_id: contact.id,
        fields,
        tags: contact.tags,
        notes: contact.notes,
        tags_remove: contact.tags_remove,
        task: contact.task,
        business_id: contact.business_id,
        warnings,
    })
}

impl RowPlan {
    /// The body of a create: a new contact has no tags to lose, so they go inline and save
    /// the bulk call.
    pub fn fields_with_tags(&self) -> ContactFields {
        let mut fields = self.fields.clone();
        fields.tags = (!self.tags.is_empty()).then(|| self.tags.clone());
        fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_never_go_into_the_upsert_body() {
        let payload = r#"{"email":"a@example.com","tags":["vip","expo"],"notes":["met at expo"]}"#;
        let plan = plan_row(7, payload, &CustomFieldResolver::default()).unwrap();
        assert_eq!(plan.fields.tags, None);
        assert_eq!(plan.tags, ["vip", "expo"]);
        assert_eq!(plan.notes, ["met at expo"]);
        let body = serde_json::to_value(&plan.fields).unwrap();
        assert!(body.get("tags").is_none());
        assert!(plan_row(7, "{not json", &CustomFieldResolver::default()).is_err());
    }
}
