//! The draft contact a mapping produces from one row and the normalised contact staged in the
//! ledger. The normalised contact serialises to the shape of HighLevel's `UpsertContactDto`
//! (camelCase, absent fields left out), plus `notes`, which delivery sends separately.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::fields::{StdFields, FIELD_COUNT};
use super::issue::RowIssue;

/// What a mapping makes of one row, before normalisation: raw text per field, borrowed from
/// the row's cells (or the mapping) wherever the mapping did not rewrite it: a copy per cell
/// was a third of `validate`'s allocations (issue 20).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft<'a> {
    /// The 1-based data row this draft came from.
    pub row: u64,
    /// Raw value per standard field, indexed by `StdField as usize`; empty cells are `None`.
    pub fields: [Option<Cow<'a, str>>; FIELD_COUNT],
    /// Raw custom field values: (index into the mapping's custom fields, value).
    pub custom: Vec<(usize, Cow<'a, str>)>,
    /// Tag pieces, already split on the mapping's delimiter, constant tags included.
    pub tags: Vec<Cow<'a, str>>,
    /// Note texts from the note column(s).
    pub notes: Vec<String>,
    /// Problems the mapping itself found (a reader defect, a value missing from a value map,
    /// a task's due date that is not a date).
    pub issues: Vec<RowIssue>,
    /// Tags to take off the contact (`[tags_remove]`), split like `tags`.
    pub tags_remove: Vec<Cow<'a, str>>,
    /// The task to create (`[tasks]`), its due date already in the API's form.
    pub task: Option<TaskPayload>,
    /// The business to attach the contact to (`business_id`).
    pub business_id: Option<String>,
    /// The HighLevel contact id the row names (`[fields] id`), raw.
    pub contact_id: Option<Cow<'a, str>>,
}

/// A task a row asks for (`POST /contacts/{id}/tasks` after the contact exists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskPayload {
    /// The title (required by the API).
    pub title: String,
    /// Optional description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// ISO 8601 instant in UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub due_date: String,
    /// Done (created so, or marked so when a later file says it).
    #[serde(default)]
    pub completed: bool,
    /// The HighLevel user the task is assigned to (`assignedTo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// A custom field value; `index` points into the mapping's custom field list, which knows the
/// field's key or id (kept out of every row so that a million rows do not repeat it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomValue {
    /// Index into the mapping's custom fields.
    #[serde(rename = "i")]
    pub index: usize,
    /// The trimmed value.
    #[serde(rename = "v")]
    pub value: String,
}

/// A normalised contact, as staged in the ledger (JSON) and merged by dedupe. Read back by
/// `model_de`'s `Deserialize` (one pass, no flatten buffer).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// The HighLevel contact id the row names (`[fields] id`): the row updates that contact
    /// (`PUT /contacts/{id}`). Not part of the DTO.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The standard fields, inline: the payload has the DTO's keys at its top level.
    #[serde(flatten)]
    pub std: StdFields,
    /// Custom field values (resolved to key or id by delivery through the mapping).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub custom_fields: Vec<CustomValue>,
    /// Tags: trimmed, lower-cased, unique, in first-seen order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// One entry per note to create; not part of the DTO (notes have their own endpoint).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Tags to remove where the contact has them (bulk remove endpoint); never one of `tags`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags_remove: Vec<String>,
    /// A task to create once the contact exists (tasks endpoint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskPayload>,
    /// The business the contact joins (`POST /contacts/bulk/business`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_id: Option<String>,
}

impl Contact {
    /// Fills every empty field of `self` from `other` (first non-empty value wins), takes the
    /// union of tags and custom fields, and appends `other`'s notes that are not already here.
    pub fn merge_from(&mut self, other: &Contact) {
        self.merge_owned(other.clone());
    }

    /// [`Contact::merge_from`] for a contact the caller no longer needs: nothing is copied.
    pub fn merge_owned(&mut self, other: Contact) {
        self.std.fill_from(other.std);
        if self.id.is_none() {
            self.id = other.id;
        }
        for cf in other.custom_fields {
            if !self.custom_fields.iter().any(|c| c.index == cf.index) {
                self.custom_fields.push(cf);
            }
        }
        for tag in other.tags {
            if !self.tags.contains(&tag) {
                self.tags.push(tag);
            }
        }
        for note in other.notes {
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
        for tag in other.tags_remove {
            if !self.tags_remove.contains(&tag) && !self.tags.contains(&tag) {
                self.tags_remove.push(tag);
            }
        }
        // A tag one row adds is not removed because of another row of the same person.
        let tags = &self.tags;
        self.tags_remove.retain(|t| !tags.contains(t));
        if self.task.is_none() {
            self.task = other.task;
        }
        if self.business_id.is_none() {
            self.business_id = other.business_id;
        }
    }
}
