//! The draft contact a mapping produces from one row and the normalised contact staged in the
//! ledger. The normalised contact serialises to the shape of HighLevel's `UpsertContactDto`
//! (camelCase, absent fields left out), plus `notes`, which delivery sends separately.

use serde::{Deserialize, Serialize};

use super::issue::RowIssue;

/// How many standard fields there are.
pub const FIELD_COUNT: usize = 18;

/// Every writable scalar field of HighLevel's create/upsert DTO. `dndSettings` and
/// `inboundDndSettings` (nested objects) are deliberately not mappable from a spreadsheet yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StdField {
    /// `firstName`
    FirstName,
    /// `lastName`
    LastName,
    /// `name` (full name as one string)
    Name,
    /// `email`
    Email,
    /// `phone` (sent as E.164)
    Phone,
    /// `gender`
    Gender,
    /// `address1`
    Address1,
    /// `city`
    City,
    /// `state`
    State,
    /// `postalCode`
    PostalCode,
    /// `website`
    Website,
    /// `timezone` (IANA name)
    Timezone,
    /// `dnd` (boolean)
    Dnd,
    /// `source`
    Source,
    /// `dateOfBirth` (sent as `YYYY-MM-DD`)
    DateOfBirth,
    /// `country` (ISO alpha-2)
    Country,
    /// `companyName`
    CompanyName,
    /// `assignedTo` (a user id)
    AssignedTo,
}

impl StdField {
    /// All fields, in the order of the DTO.
    pub const ALL: [StdField; FIELD_COUNT] = [
        StdField::FirstName,
        StdField::LastName,
        StdField::Name,
        StdField::Email,
        StdField::Phone,
        StdField::Gender,
        StdField::Address1,
        StdField::City,
        StdField::State,
        StdField::PostalCode,
        StdField::Website,
        StdField::Timezone,
        StdField::Dnd,
        StdField::Source,
        StdField::DateOfBirth,
        StdField::Country,
        StdField::CompanyName,
        StdField::AssignedTo,
    ];

    /// The DTO's name for the field, which is also its key in a mapping file.
    pub fn name(self) -> &'static str {
        match self {
            StdField::FirstName => "firstName",
            StdField::LastName => "lastName",
            StdField::Name => "name",
            StdField::Email => "email",
            StdField::Phone => "phone",
            StdField::Gender => "gender",
            StdField::Address1 => "address1",
            StdField::City => "city",
            StdField::State => "state",
            StdField::PostalCode => "postalCode",
            StdField::Website => "website",
            StdField::Timezone => "timezone",
            StdField::Dnd => "dnd",
            StdField::Source => "source",
            StdField::DateOfBirth => "dateOfBirth",
            StdField::Country => "country",
            StdField::CompanyName => "companyName",
            StdField::AssignedTo => "assignedTo",
        }
    }

    /// The field whose DTO name is `name`.
    pub fn from_name(name: &str) -> Option<StdField> {
        StdField::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// What a mapping makes of one row, before normalisation: raw text per field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    /// The 1-based data row this draft came from.
    pub row: u64,
    /// Raw value per standard field, indexed by `StdField as usize`; empty cells are `None`.
    pub fields: [Option<String>; FIELD_COUNT],
    /// Raw custom field values: (index into the mapping's custom fields, value).
    pub custom: Vec<(usize, String)>,
    /// Tag pieces, already split on the mapping's delimiter, constant tags included.
    pub tags: Vec<String>,
    /// Note texts from the note column(s).
    pub notes: Vec<String>,
    /// Problems the mapping itself found (a reader defect, a value missing from a value map,
    /// a task's due date that is not a date).
    pub issues: Vec<RowIssue>,
    /// Tags to take off the contact (`[tags_remove]`), split like `tags`.
    pub tags_remove: Vec<String>,
    /// The task to create (`[tasks]`), its due date already in the API's form.
    pub task: Option<TaskPayload>,
    /// The business to attach the contact to (`business_id`).
    pub business_id: Option<String>,
    /// The HighLevel contact id the row names (`[fields] id`), raw.
    pub contact_id: Option<String>,
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

/// A normalised contact, as staged in the ledger (JSON) and merged by dedupe.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)] // one field per DTO field; StdField documents them
pub struct Contact {
    /// The HighLevel contact id the row names (`[fields] id`): the row updates that contact
    /// (`PUT /contacts/{id}`). Not part of the DTO.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dnd: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
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
    /// The text slot of a field; `None` for `dnd`, the one boolean field.
    pub fn text_mut(&mut self, field: StdField) -> Option<&mut Option<String>> {
        Some(match field {
            StdField::FirstName => &mut self.first_name,
            StdField::LastName => &mut self.last_name,
            StdField::Name => &mut self.name,
            StdField::Email => &mut self.email,
            StdField::Phone => &mut self.phone,
            StdField::Gender => &mut self.gender,
            StdField::Address1 => &mut self.address1,
            StdField::City => &mut self.city,
            StdField::State => &mut self.state,
            StdField::PostalCode => &mut self.postal_code,
            StdField::Website => &mut self.website,
            StdField::Timezone => &mut self.timezone,
            StdField::Source => &mut self.source,
            StdField::DateOfBirth => &mut self.date_of_birth,
            StdField::Country => &mut self.country,
            StdField::CompanyName => &mut self.company_name,
            StdField::AssignedTo => &mut self.assigned_to,
            StdField::Dnd => return None,
        })
    }

    /// Fills every empty field of `self` from `other` (first non-empty value wins), takes the
    /// union of tags and custom fields, and appends `other`'s notes that are not already here.
    pub fn merge_from(&mut self, other: &Contact) {
        self.merge_owned(other.clone());
    }

    /// [`Contact::merge_from`] for a contact the caller no longer needs: nothing is copied.
    pub fn merge_owned(&mut self, mut other: Contact) {
        for field in StdField::ALL {
            if let (Some(slot), Some(theirs)) = (self.text_mut(field), other.text_mut(field)) {
                if slot.is_none() {
                    *slot = theirs.take();
                }
            }
        }
        if self.dnd.is_none() {
            self.dnd = other.dnd;
        }
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
