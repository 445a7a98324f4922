//! A contact read from an answer in one pass: the wire shape with every field at its top
//! level, turned into [`Contact`]. `#[serde(flatten)]` of the standard fields made serde buffer
//! each answer into its generic `Content` tree first and read it twice (8 % of delivery's CPU);
//! this reads what the flattened model read, as leniently: unknown fields ignored, every field
//! optional, a `gender` or `dateOfBirth` that is not a string read as not set.

use super::models::{Contact, CustomFieldOutput};
use crate::contact::StdFields;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A contact as GET, create, update and upsert return it, every field inline.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct ContactWire {
    id: String,
    location_id: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    #[serde(deserialize_with = "text_or_none")]
    gender: Option<String>,
    address1: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postal_code: Option<String>,
    website: Option<String>,
    timezone: Option<String>,
    dnd: Option<bool>,
    source: Option<String>,
    #[serde(deserialize_with = "text_or_none")]
    date_of_birth: Option<String>,
    country: Option<String>,
    company_name: Option<String>,
    assigned_to: Option<String>,
    tags: Vec<String>,
    custom_fields: Vec<CustomFieldOutput>,
    date_added: Option<String>,
    date_updated: Option<String>,
    business_id: Option<String>,
}

impl From<ContactWire> for Contact {
    fn from(wire: ContactWire) -> Self {
        Contact {
            id: wire.id,
            location_id: wire.location_id,
            std: StdFields {
                first_name: wire.first_name,
                last_name: wire.last_name,
                name: wire.name,
                email: wire.email,
                phone: wire.phone,
                gender: wire.gender,
                address1: wire.address1,
                city: wire.city,
                state: wire.state,
                postal_code: wire.postal_code,
                website: wire.website,
                timezone: wire.timezone,
                dnd: wire.dnd,
                source: wire.source,
                date_of_birth: wire.date_of_birth,
                country: wire.country,
                company_name: wire.company_name,
                assigned_to: wire.assigned_to,
            },
            tags: wire.tags,
            custom_fields: wire.custom_fields,
            date_added: wire.date_added,
            date_updated: wire.date_updated,
            business_id: wire.business_id,
        }
    }
}

/// A string as itself; `null`, a number, an object, … as not set (as `StdFields` reads them).
fn text_or_none<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(text) => Some(text),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        ] {
            let (wire, flat) = both(answer.clone());
            assert_eq!(wire, flat, "{answer}");
            assert!(wire.is_ok(), "{answer}");
        }
    }

    #[test]
    fn refuses_what_the_flattened_model_refused() {
        for answer in [
            json!({"id": 5}),
            json!({"id": "c5", "email": 7}),
            json!({"id": "c6", "tags": "a,b"}),
            json!({"id": "c7", "dnd": "yes"}),
        ] {
            let (wire, flat) = both(answer.clone());
            assert!(
                wire.is_err() && flat.is_err(),
                "{answer}: {wire:?} / {flat:?}"
            );
        }
    }
}
