//! `Contact`'s `Deserialize`, in one pass over the payload's members: each key goes straight to
//! its slot (through `contact::members`, shared with the reader of API answers).
//! The derived one, with `StdFields` flattened, first buffered every member it did not know
//! as a generic value, then read `StdFields` from that buffer: issue 20 measured it at about
//! half of reading a staged payload back (dedupe's merge reads every group member's).
//!
//! It reads what the derive read, and refuses what it refused: every member is optional
//! (absent: the default), `null` is "not set" for the optional ones, `gender` and
//! `dateOfBirth` are set only by a string (anything else reads as not set), unknown members
//! are skipped, and a member given twice is an error. The tests compare both on generated
//! payloads with nulls, unknown members, wrong types and repeated members.

use serde::de::{Deserialize, Deserializer, MapAccess};

use super::fields::StdFields;
use super::members::{read_members, FromMembers, OwnMembers};
use super::model::Contact;

impl<'de> Deserialize<'de> for Contact {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Contact, D::Error> {
        read_members(deserializer)
    }
}

/// The members of a stored contact besides the standard fields.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Own {
    Id,
    CustomFields,
    Tags,
    Notes,
    TagsRemove,
    Task,
    BusinessId,
}

impl OwnMembers for Own {
    const NAMES: &'static [(Own, &'static str)] = &[
        (Own::Id, "id"),
        (Own::CustomFields, "customFields"),
        (Own::Tags, "tags"),
        (Own::Notes, "notes"),
        (Own::TagsRemove, "tagsRemove"),
        (Own::Task, "task"),
        (Own::BusinessId, "businessId"),
    ];
}

impl FromMembers for Contact {
    type Own = Own;
    const EXPECTING: &'static str = "struct Contact";

    fn read_own<'de, A: MapAccess<'de>>(&mut self, own: Own, map: &mut A) -> Result<(), A::Error> {
        match own {
            Own::Id => self.id = map.next_value()?,
            Own::CustomFields => self.custom_fields = map.next_value()?,
            Own::Tags => self.tags = map.next_value()?,
            Own::Notes => self.notes = map.next_value()?,
            Own::TagsRemove => self.tags_remove = map.next_value()?,
            Own::Task => self.task = map.next_value()?,
            Own::BusinessId => self.business_id = map.next_value()?,
        }
        Ok(())
    }

    fn std_mut(&mut self) -> &mut StdFields {
        &mut self.std
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::Deserialize;

    use super::super::fields::{StdField, StdFields, FIELD_COUNT};
    use super::super::model::{CustomValue, TaskPayload};
    use super::*;

    /// The derived reading this module replaced, kept as the reference.
    #[derive(Debug, Default, Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    struct Derived {
        id: Option<String>,
        #[serde(flatten)]
        std: StdFields,
        custom_fields: Vec<CustomValue>,
        tags: Vec<String>,
        notes: Vec<String>,
        tags_remove: Vec<String>,
        task: Option<TaskPayload>,
        business_id: Option<String>,
    }

    impl From<Derived> for Contact {
        fn from(d: Derived) -> Contact {
            Contact {
                id: d.id,
                std: d.std,
                custom_fields: d.custom_fields,
                tags: d.tags,
                notes: d.notes,
                tags_remove: d.tags_remove,
                task: d.task,
                business_id: d.business_id,
            }
        }
    }

    fn both(json: &str) -> (Option<Contact>, Option<Contact>) {
        let derived = serde_json::from_str::<Derived>(json)
            .ok()
            .map(Contact::from);
        (serde_json::from_str::<Contact>(json).ok(), derived)
    }

    fn text() -> impl Strategy<Value = Option<String>> {
        prop::option::of("[a-z\"\\\\é ]{0,6}")
    }

    fn contact() -> impl Strategy<Value = Contact> {
        (
            prop::collection::vec(text(), FIELD_COUNT),
            prop::option::of(any::<bool>()),
            text(),
            prop::collection::vec("[a-z ]{0,4}", 0..3),
            prop::collection::vec((0usize..5, "[a-z]{0,4}"), 0..3),
            prop::option::of(("[a-z]{1,4}", text(), any::<bool>())),
            text(),
        )
            .prop_map(|(texts, dnd, id, tags, custom, task, business)| {
                let mut c = Contact::default();
                for (field, value) in StdField::ALL.into_iter().zip(texts) {
                    if let Some(slot) = c.std.text_mut(field) {
                        *slot = value;
                    }
                }
                c.std.dnd = dnd;
                c.id = id;
                c.notes = tags.iter().rev().cloned().collect();
                c.tags_remove = tags.iter().map(|t| format!("{t}-")).collect();
                c.tags = tags;
                c.custom_fields = custom
                    .into_iter()
                    .map(|(index, value)| CustomValue { index, value })
                    .collect();
                c.task = task.map(|(title, body, completed)| TaskPayload {
                    title,
                    body,
                    due_date: "2026-01-02T03:04:05Z".into(),
                    completed,
                    assigned_to: None,
                });
                c.business_id = business;
                c
            })
    }

    #[test]
    fn odd_payloads_read_as_the_derive_read_them() {
        for json in [
            "{}",
            "null",
            "[]",
            r#"{"email":null,"gender":5,"dateOfBirth":{"y":1},"dnd":null}"#,
            r#"{"email":"a@b.co","email":"c@d.co"}"#,
            r#"{"tags":["a"],"tags":["b"]}"#,
            r#"{"city":5}"#,
            r#"{"dnd":"yes"}"#,
            r#"{"tags":null}"#,
            r#"{"customFields":[{"i":1,"v":"x"}],"unknown":[1,{"a":2}],"other":null}"#,
            r#"{"task":{"title":"t","dueDate":"2026-01-02T03:04:05Z"}}"#,
            r#"{"task":{"title":"t"}}"#,
            r#"{"firstName":"A","FirstName":"B","first_name":"C"}"#,
            r#"{"gender":"f","gender":null}"#,
        ] {
            let (ours, derived) = both(json);
            assert_eq!(ours, derived, "{json}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any contact as staged, and the same with members made null, of a wrong type,
        /// unknown or repeated: the same contact, or an error, both ways.
        #[test]
        fn reads_as_the_derive_did(
            c in contact(),
            edits in prop::collection::vec(
                (0usize..40, prop::sample::select(vec![
                    "null", "5", "true", "\"s\"", "[]", "{}", "[\"a\"]",
                ])),
                0..3,
            ),
        ) {
            let json = serde_json::to_string(&c).unwrap();
            let (ours, derived) = both(&json);
            prop_assert_eq!(ours.as_ref(), Some(&c));
            prop_assert_eq!(ours, derived);
            // Append members: known ones (repeated, or set for the first time) and unknown.
            let names: Vec<&str> = Own::NAMES
                .iter()
                .map(|(_, n)| *n)
                .chain(StdField::ALL.iter().map(|f| f.name()))
                .chain(["unknown", "std", "i"])
                .collect();
            let mut edited = json.trim_end_matches('}').to_string();
            for (at, value) in edits {
                if edited.len() > 1 {
                    edited.push(',');
                }
                edited.push_str(&format!("\"{}\":{value}", names[at % names.len()]));
            }
            edited.push('}');
            let (ours, derived) = both(&edited);
            prop_assert_eq!(ours, derived, "{}", edited);
        }
    }
}
