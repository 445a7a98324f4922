//! The JSON shapes a stored contact is returned in: `GetContectByIdSchema` (GET, update,
//! upsert), `CreateContactSchema` (create), the search `Contact` with its cursor, and the
//! `/_sandbox/contacts` view. Only set fields are emitted: the spec types them as non-nullable.

use crate::contact::Contact;
use crate::normalise;
use serde_json::{json, Map, Value};

impl Contact {
    fn custom_fields_json(&self) -> Value {
        Value::Array(
            self.custom_fields
                .iter()
                .map(|(id, v)| json!({"id": id, "value": v}))
                .collect(),
        )
    }

    /// `GetContectByIdSchema` (GET, update and upsert responses).
    pub(crate) fn get_json(&self) -> Value {
        let mut m = Map::new();
        put(&mut m, "id", Some(&self.id));
        put(&mut m, "name", self.full_name().as_ref());
        put(&mut m, "locationId", Some(&self.location_id));
        put(&mut m, "firstName", self.first_name.as_ref());
        put(&mut m, "lastName", self.last_name.as_ref());
        put(&mut m, "email", self.email.as_ref());
        put(
            &mut m,
            "emailLowerCase",
            self.email.as_ref().map(|e| e.to_lowercase()).as_ref(),
        );
        put(&mut m, "timezone", self.timezone.as_ref());
        put(&mut m, "companyName", self.company_name.as_ref());
        put(&mut m, "phone", self.phone.as_ref());
        m.insert("dnd".into(), json!(self.dnd));
        if let Some(d) = &self.dnd_settings {
            m.insert("dndSettings".into(), d.clone());
        }
        m.insert("type".into(), json!("lead"));
        put(&mut m, "source", self.source.as_ref());
        put(&mut m, "assignedTo", self.assigned_to.as_ref());
        put(&mut m, "address1", self.address1.as_ref());
        put(&mut m, "city", self.city.as_ref());
        put(&mut m, "state", self.state.as_ref());
        put(&mut m, "country", self.country.as_ref());
        put(&mut m, "postalCode", self.postal_code.as_ref());
        put(&mut m, "website", self.website.as_ref());
        m.insert("tags".into(), json!(self.tags));
        put(&mut m, "dateOfBirth", self.date_of_birth.as_ref());
        m.insert(
            "dateAdded".into(),
            json!(normalise::iso_ms(self.date_added)),
        );
        m.insert(
            "dateUpdated".into(),
            json!(normalise::iso_ms(self.date_updated)),
        );
        put(
            &mut m,
            "firstNameLowerCase",
            self.first_name.as_ref().map(|s| s.to_lowercase()).as_ref(),
        );
        put(
            &mut m,
            "lastNameLowerCase",
            self.last_name.as_ref().map(|s| s.to_lowercase()).as_ref(),
        );
        put(
            &mut m,
            "fullNameLowerCase",
            self.full_name().map(|s| s.to_lowercase()).as_ref(),
        );
        m.insert("customFields".into(), self.custom_fields_json());
        put(&mut m, "businessId", self.business_id.as_ref());
        Value::Object(m)
    }

    /// `CreateContactSchema`: the GET shape plus `deleted`, and the date of birth as ISO midnight
    /// with `birthMonth` (0-based, as the spec's example pairs September with 8) and `birthDay`.
    pub(crate) fn create_json(&self) -> Value {
        let mut v = self.get_json();
        if let Value::Object(m) = &mut v {
            m.insert("deleted".into(), json!(false));
            if let Some(dob) = &self.date_of_birth {
                m.insert("dateOfBirth".into(), json!(format!("{dob}T00:00:00.000Z")));
                let month: u32 = dob.get(5..7).and_then(|s| s.parse().ok()).unwrap_or(1);
                let day: u32 = dob.get(8..10).and_then(|s| s.parse().ok()).unwrap_or(1);
                m.insert("birthMonth".into(), json!(month.saturating_sub(1)));
                m.insert("birthDay".into(), json!(day));
            }
        }
        v
    }

    /// The search result shape (`Contact` of the 5f8673c spec): `address` instead of
    /// `address1`, the never-writable `additionalEmails`/`additionalPhones`, `followers`, and
    /// the `searchAfter` cursor.
    pub(crate) fn search_json(&self, search_after: Value) -> Value {
        let mut v = self.get_json();
        if let Value::Object(m) = &mut v {
            if let Some(a) = m.remove("address1") {
                m.insert("address".into(), a);
            }
            for k in ["name", "emailLowerCase", "fullNameLowerCase"] {
                m.remove(k);
            }
            m.insert("additionalEmails".into(), json!([]));
            m.insert("additionalPhones".into(), json!([]));
            m.insert("followers".into(), json!([]));
            m.insert("searchAfter".into(), search_after);
        }
        v
    }

    /// The `/_sandbox/contacts` shape: GET plus what GET hides (`gender`).
    pub(crate) fn admin_json(&self) -> Value {
        let mut v = self.get_json();
        if let (Value::Object(m), Some(g)) = (&mut v, &self.gender) {
            m.insert("gender".into(), json!(g));
        }
        v
    }
}

fn put(m: &mut Map<String, Value>, key: &str, v: Option<&String>) {
    if let Some(s) = v {
        m.insert(key.into(), Value::String(s.clone()));
    }
}
