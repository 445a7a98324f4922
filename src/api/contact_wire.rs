//! A contact read from an answer in one pass, straight into [`Contact`]. `#[serde(flatten)]` of
//! the standard fields made serde buffer each answer into its generic `Content` tree first and
//! read it twice (8 % of delivery's CPU); this visits the answer's members once and sends each
//! standard field to its slot through `contact::members` (shared with the reader of staged
//! payloads), so the 18 fields stay listed only in `contact/fields.rs`. It reads what the flattened model
//! read, as leniently: unknown fields ignored, every field optional, a `gender` or
//! `dateOfBirth` that is not a string read as not set; like it, only a JSON object is a contact.

use super::models::{Contact, CustomFieldOutput};
use crate::contact::{read_members, FromMembers, OwnMembers, StdFields};
use serde::de::MapAccess;
use serde::{Deserialize, Deserializer};

/// A contact as GET, create, update and upsert return it, every field inline.
pub(super) struct ContactWire(Contact);

impl From<ContactWire> for Contact {
    fn from(wire: ContactWire) -> Self {
        wire.0
    }
}

impl<'de> Deserialize<'de> for ContactWire {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        read_members(deserializer).map(ContactWire)
    }
}

/// The members of an answer's contact besides the standard fields.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Own {
    Id,
    LocationId,
    Tags,
    CustomFields,
    DateAdded,
    DateUpdated,
    BusinessId,
}

impl OwnMembers for Own {
    const NAMES: &'static [(Own, &'static str)] = &[
        (Own::Id, "id"),
        (Own::LocationId, "locationId"),
        (Own::Tags, "tags"),
        (Own::CustomFields, "customFields"),
        (Own::DateAdded, "dateAdded"),
        (Own::DateUpdated, "dateUpdated"),
        (Own::BusinessId, "businessId"),
    ];
}

impl FromMembers for Contact {
    type Own = Own;
    const EXPECTING: &'static str = "a contact object";

    fn read_own<'de, A: MapAccess<'de>>(&mut self, own: Own, map: &mut A) -> Result<(), A::Error> {
        match own {
            Own::Id => self.id = map.next_value()?,
            Own::LocationId => self.location_id = map.next_value()?,
            Own::Tags => self.tags = map.next_value()?,
            Own::CustomFields => self.custom_fields = map.next_value::<Vec<CustomFieldOutput>>()?,
            Own::DateAdded => self.date_added = map.next_value()?,
            Own::DateUpdated => self.date_updated = map.next_value()?,
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
    use super::*;
    use crate::contact::StdFields;
    use serde_json::{json, Value};

    /// The answer as the flattened model read it, for comparison.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", default)]
    #[derive(Default)]
    struct Flattened {
        id: String,
        location_id: Option<String>,
        #[serde(flatten)]
        std: StdFields,
        tags: Vec<String>,
        custom_fields: Vec<CustomFieldOutput>,
        date_added: Option<String>,
        date_updated: Option<String>,
        business_id: Option<String>,
    }

    fn both(answer: Value) -> (Result<Contact, String>, Result<Contact, String>) {
        let wire = serde_json::from_value::<Contact>(answer.clone()).map_err(|e| e.to_string());
        let flat = serde_json::from_value::<Flattened>(answer)
            .map(|f| Contact {
                id: f.id,
                location_id: f.location_id,
                std: f.std,
                tags: f.tags,
                custom_fields: f.custom_fields,
                date_added: f.date_added,
                date_updated: f.date_updated,
                business_id: f.business_id,
            })
            .map_err(|e| e.to_string());
        (wire, flat)
    }

    #[test]
    fn reads_every_field_as_the_flattened_model_did() {
        let answer = json!({
            "id": "c1", "locationId": "loc", "firstName": "Ada", "lastName": "Lovelace",
            "name": "Ada Lovelace", "email": "ada@example.com", "phone": "+15550100",
            "gender": "female", "address1": "1 Main St", "city": "London", "state": "LDN",
            "postalCode": "N1", "website": "https://ada.example", "timezone": "Europe/London",
            "dnd": true, "source": "import", "dateOfBirth": "1815-12-10", "country": "GB",
            "companyName": "Engines", "assignedTo": "u1", "tags": ["a", "b"],
            "customFields": [{"id": "f1", "value": 3}], "dateAdded": "2026-01-01T00:00:00Z",
            "dateUpdated": "2026-01-02T00:00:00Z", "businessId": "b1",
            "unknownField": {"nested": [1, 2]}, "type": "lead"
        });
        let (wire, flat) = both(answer);
        let wire = wire.unwrap();
        assert_eq!(wire.std.date_of_birth.as_deref(), Some("1815-12-10"));
        assert_eq!(wire.custom_fields[0].value, json!(3));
        assert_eq!(Ok(wire), flat);
    }

    #[test]
    fn lenient_where_the_flattened_model_was() {
        for answer in [
            json!({"id": "c2"}),
            json!({}),
            json!({"id": "c3", "dateOfBirth": 123456, "gender": {"x": 1}, "email": null}),
            json!({"id": "c4", "dateOfBirth": null, "tags": [], "dnd": false}),
            json!({"contact": {"id": "nested"}, "followers": [], "id": "c5", "dnd": null}),
        ] {
            let (wire, flat) = both(answer.clone());
            assert_eq!(wire, flat, "{answer}");
            assert!(wire.is_ok(), "{answer}");
        }
    }

    #[test]
    fn a_member_given_twice_is_refused() {
        for answer in [
            r#"{"id": "c1", "email": "a@example.com", "email": "b@example.com"}"#,
            r#"{"id": "c1", "id": "c2"}"#,
            r#"{"id": "c1", "assignedTo": "u1", "tags": [], "assignedTo": "u2"}"#,
        ] {
            let wire = serde_json::from_str::<Contact>(answer);
            let error = wire.expect_err(answer).to_string();
            assert!(error.contains("duplicate field"), "{answer}: {error}");
        }
        // Unknown members are skipped however often they come.
        let answer = r#"{"id": "c1", "type": "lead", "type": "customer"}"#;
        assert_eq!(serde_json::from_str::<Contact>(answer).unwrap().id, "c1");
    }

    #[test]
    fn refuses_what_the_flattened_model_refused() {
        for answer in [
            json!({"id": 5}),
            json!({"id": "c5", "email": 7}),
            json!({"id": "c6", "tags": "a,b"}),
            json!({"id": "c7", "dnd": "yes"}),
            json!({"id": "c8", "customFields": [{"id": 1}]}),
            json!(["c9", "loc"]),
            json!("c10"),
        ] {
            let (wire, flat) = both(answer.clone());
            assert!(
                wire.is_err() && flat.is_err(),
                "{answer}: {wire:?} / {flat:?}"
            );
        }
    }
}
