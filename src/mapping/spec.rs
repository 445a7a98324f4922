//! The mapping file format as written by people (TOML, `version = 1`). Every table refuses
//! unknown keys, so a typo is an error with its line and column rather than a silently ignored
//! setting. `mappings/example.toml` documents every key; keep the two in step.
//!
//! Delivery's keys: `[tags_remove]` (tags taken off the contact where it has them), `[tasks]`
//! (one task per row) and `business_id` (the contact's business).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

pub use super::fields_spec::FieldsSpec;

/// The whole mapping file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MappingSpec {
    /// Format version; only 1 exists.
    pub version: u32,
    /// Phone region for numbers without `+country` when the row has no valid country column.
    #[serde(default)]
    pub default_region: Option<String>,
    /// How to read `NN/NN/YYYY` dates: `"mdy"` (default, as HighLevel) or `"dmy"`.
    #[serde(default)]
    pub date_order: Option<DateOrderSpec>,
    /// Overrides for what the reader sniffs.
    #[serde(default)]
    pub source: SourceSpec,
    /// Standard fields: DTO name → where its value comes from.
    #[serde(default)]
    pub fields: FieldsSpec,
    /// A full-name column split into first and last name where those are empty.
    #[serde(default)]
    pub split_name: Option<SplitNameSpec>,
    /// Custom fields, by `key` or `id`.
    #[serde(default)]
    pub custom_fields: Vec<FieldTable>,
    /// Tag columns and constant tags.
    #[serde(default)]
    pub tags: Option<TagsSpec>,
    /// Note column(s).
    #[serde(default)]
    pub notes: Option<NotesSpec>,
    /// Tags to remove, with the keys of `[tags]`; only tags the contact has are removed.
    #[serde(default)]
    pub tags_remove: Option<TagsSpec>,
    /// A task per row, created once the contact exists.
    #[serde(default)]
    pub tasks: Option<TasksSpec>,
    /// The business (its HighLevel id) the contact is attached to.
    #[serde(default)]
    pub business_id: Option<FieldSpec>,
    /// The column holding HighLevel contact ids, for `ghl-bulk delete` (which deletes the
    /// contact a row names by id, or else by its email/phone). `import` does not read it.
    #[serde(default)]
    pub contact_id: Option<FieldSpec>,
    /// Which identity keys make two rows the same person.
    #[serde(default)]
    pub dedupe: DedupeSpec,
}

/// `date_order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateOrderSpec {
    /// Month first.
    Mdy,
    /// Day first.
    Dmy,
}

/// `[source]`: reader overrides; anything left out is sniffed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// Text encoding label (`utf-8`, `utf-16le`, `windows-1252`, …).
    pub encoding: Option<String>,
    /// One-character delimiter; `"\t"` for tab.
    pub delimiter: Option<String>,
    /// Worksheet name for spreadsheets (default: the first sheet).
    pub sheet: Option<String>,
    /// 1-based row holding the headers (default 1).
    pub header_row: Option<u32>,
}

/// A field's source: a bare string is a column name; a table says more.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec(pub FieldTable);

/// The long form of a field entry (also each `[[custom_fields]]` entry). Serialize gives the
/// canonical form a task rule is known by across runs (`Mapping::task_rule`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldTable {
    /// Custom fields only: the field key (e.g. `contact.pincode`).
    pub key: Option<String>,
    /// Custom fields only: the field id (the safer choice, per the API notes).
    pub id: Option<String>,
    /// The column to read.
    pub column: Option<String>,
    /// Several columns joined with `separator` (empty cells skipped).
    pub join: Option<Vec<String>>,
    /// Several columns: the first non-empty cell wins (e.g. Mobile, then Business Phone).
    pub first_of: Option<Vec<String>>,
    /// Separator for `join` (default one space).
    pub separator: Option<String>,
    /// A constant for every row (no column).
    pub value: Option<Scalar>,
    /// Used when the column's cell is empty.
    pub default: Option<Scalar>,
    /// Applied in order: `trim`, `lower`, `upper`, `title`.
    #[serde(default)]
    pub transform: Vec<Transform>,
    /// Value map, matched case-insensitively after trimming; unmatched values pass unchanged.
    pub map: Option<BTreeMap<String, Scalar>>,
    /// What an invalid value does: `reject_row` or `drop_field`.
    pub on_invalid: Option<OnInvalid>,
}

impl<'de> Deserialize<'de> for FieldSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FieldSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a column name or a table such as { column = \"E-mail\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FieldSpec, E> {
                Ok(FieldSpec(FieldTable {
                    column: Some(v.to_string()),
                    ..FieldTable::default()
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FieldSpec, A::Error> {
                // Delegating keeps `deny_unknown_fields` and its precise error location.
                FieldTable::deserialize(de::value::MapAccessDeserializer::new(map)).map(FieldSpec)
            }
        }
        d.deserialize_any(V)
    }
}

/// A TOML scalar used as text (`value = true` and `value = "true"` mean the same).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Scalar {
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Str(s) => f.write_str(s),
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Float(x) => write!(f, "{x}"),
        }
    }
}

/// A simple text transform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transform {
    /// Remove surrounding whitespace (every value is trimmed anyway before validation).
    Trim,
    /// Lower case.
    Lower,
    /// Upper case.
    Upper,
    /// First letter of each word upper case, the rest lower case.
    Title,
}

/// `on_invalid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnInvalid {
    /// Reject the row.
    RejectRow,
    /// Drop the field, keep the row with a warning.
    DropField,
}

/// `[split_name]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitNameSpec {
    /// The full-name column: "Ann Lee" → Ann / Lee; "Lee, Ann" → Ann / Lee.
    pub column: String,
}

/// `[tags]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagsSpec {
    /// Columns holding tags, each cell split on `delimiter`.
    #[serde(default)]
    pub columns: Vec<String>,
    /// Delimiter inside a cell (default `,`).
    pub delimiter: Option<String>,
    /// Tags added to every row.
    #[serde(default)]
    pub constant: Vec<String>,
    /// Tags read from the file but not imported (compared case-insensitively after trimming),
    /// such as Google's `* myContacts`.
    #[serde(default)]
    pub ignore: Vec<String>,
}

/// `[notes]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotesSpec {
    /// Note columns. One column: its text is the note. Several: one note of
    /// `Header: value` lines.
    pub columns: Vec<String>,
}

/// `[tasks]`: each entry is a column name or a field table (`value`, `default`, `map`, …).
/// The task is known across runs by its contact and this table's `title` entry (not the
/// title's text): importing again updates the task instead of creating another.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TasksSpec {
    /// The title; a row whose title is empty gets no task.
    pub title: FieldSpec,
    /// Optional description.
    #[serde(default)]
    pub body: Option<FieldSpec>,
    /// The due date or date-time (required by the API). Its `on_invalid` says what a missing
    /// or unreadable one does: `drop_field` (default: no task, a warning) or `reject_row`.
    pub due: FieldSpec,
    /// Whether the task is done: a yes/no column or constant (default no). A change of it in
    /// a later file marks the existing task done or open again.
    #[serde(default)]
    pub completed: Option<FieldSpec>,
    /// The HighLevel user id the task is assigned to (`assignedTo`).
    #[serde(default)]
    pub assignee: Option<FieldSpec>,
}

/// `[dedupe]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupeSpec {
    /// Any of `"email"`, `"phone"`; empty turns dedupe off.
    pub keys: Vec<DedupeKey>,
    /// What a row does whose phone another person of the file holds (issue 21.1).
    #[serde(default)]
    pub shared_phone: SharedPhone,
}

impl Default for DedupeSpec {
    fn default() -> Self {
        DedupeSpec {
            keys: vec![DedupeKey::Email, DedupeKey::Phone],
            shared_phone: SharedPhone::default(),
        }
    }
}

/// `[dedupe] shared_phone`: rows that share a phone but are different people (different
/// emails, different names: colleagues behind a switchboard, a family line). HighLevel matches
/// contacts by phone, so sending them as they are would overwrite one with the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SharedPhone {
    /// The later rows are rejected (`phone_shared`): someone decides.
    #[default]
    Reject,
    /// The later rows are imported without the phone, with a warning.
    DropPhone,
    /// Shared phones merge rows whatever their emails and names (before issue 21).
    Merge,
}

impl SharedPhone {
    /// The name written in mapping files.
    pub fn as_str(self) -> &'static str {
        match self {
            SharedPhone::Reject => "reject",
            SharedPhone::DropPhone => "drop_phone",
            SharedPhone::Merge => "merge",
        }
    }
}

/// An identity key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DedupeKey {
    /// The normalised email.
    Email,
    /// The E.164 phone.
    Phone,
}
