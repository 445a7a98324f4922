//! The 18 standard contact fields, written down once: [`StdField`] names one, [`StdFields`] holds
//! a value for each. The staged contact and the API's request and response bodies all hold a
//! `StdFields` (`#[serde(flatten)]`), and code that treats the fields alike iterates
//! [`StdField::ALL`] instead of listing them again.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

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
    pub const fn name(self) -> &'static str {
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

    /// The field whose DTO name is `name`. A `match` rather than a search of [`StdField::ALL`]:
    /// every member of every contact HighLevel answers with goes through it (`api::contact_wire`).
    pub fn from_name(name: &str) -> Option<StdField> {
        Some(match name {
            "firstName" => StdField::FirstName,
            "lastName" => StdField::LastName,
            "name" => StdField::Name,
            "email" => StdField::Email,
            "phone" => StdField::Phone,
            "gender" => StdField::Gender,
            "address1" => StdField::Address1,
            "city" => StdField::City,
            "state" => StdField::State,
            "postalCode" => StdField::PostalCode,
            "website" => StdField::Website,
            "timezone" => StdField::Timezone,
            "dnd" => StdField::Dnd,
            "source" => StdField::Source,
            "dateOfBirth" => StdField::DateOfBirth,
            "country" => StdField::Country,
            "companyName" => StdField::CompanyName,
            "assignedTo" => StdField::AssignedTo,
            _ => return None,
        })
    }
}

/// A value per standard field, serialised as the DTO has them: camelCase, a field that is not
/// set left out (a `null` would clear it on HighLevel's side).
///
/// Read leniently where HighLevel's answers vary: a `dateOfBirth` or `gender` that is not a
/// string (a response's `dateOfBirth` can be a number or an object) reads as not set, as a
/// contact without it, instead of failing the whole response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)] // one field per DTO field; StdField documents them
pub struct StdFields {
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
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_or_none"
    )]
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
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "text_or_none"
    )]
    pub date_of_birth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

/// The one `match` from a field to its text slot, shared by the `&` and `&mut` accessors.
macro_rules! text_slot {
    ($fields:expr, $field:expr, $($borrow:tt)+) => {
        match $field {
            StdField::FirstName => $($borrow)+ $fields.first_name,
            StdField::LastName => $($borrow)+ $fields.last_name,
            StdField::Name => $($borrow)+ $fields.name,
            StdField::Email => $($borrow)+ $fields.email,
            StdField::Phone => $($borrow)+ $fields.phone,
            StdField::Gender => $($borrow)+ $fields.gender,
            StdField::Address1 => $($borrow)+ $fields.address1,
            StdField::City => $($borrow)+ $fields.city,
            StdField::State => $($borrow)+ $fields.state,
            StdField::PostalCode => $($borrow)+ $fields.postal_code,
            StdField::Website => $($borrow)+ $fields.website,
            StdField::Timezone => $($borrow)+ $fields.timezone,
            StdField::Source => $($borrow)+ $fields.source,
            StdField::DateOfBirth => $($borrow)+ $fields.date_of_birth,
            StdField::Country => $($borrow)+ $fields.country,
            StdField::CompanyName => $($borrow)+ $fields.company_name,
            StdField::AssignedTo => $($borrow)+ $fields.assigned_to,
            StdField::Dnd => return None,
        }
    };
}

impl StdFields {
    /// The text slot of a field; `None` for `dnd`, the one boolean field.
    pub fn text(&self, field: StdField) -> Option<&Option<String>> {
        Some(text_slot!(self, field, &))
    }

    /// The text slot of a field, to fill or clear; `None` for `dnd`.
    pub fn text_mut(&mut self, field: StdField) -> Option<&mut Option<String>> {
        Some(text_slot!(self, field, &mut))
    }

    /// A text field's value, when it is set; always `None` for `dnd`.
    pub fn get(&self, field: StdField) -> Option<&str> {
        self.text(field)?.as_deref()
    }

    /// Fills every field not set here from `other` (the first value set wins).
    pub fn fill_from(&mut self, mut other: StdFields) {
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
    }
}

/// A string as itself; `null`, a number, an object, … as not set.
fn text_or_none<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(text) => Some(text),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_has_one_name_and_one_slot() {
        let mut fields = StdFields::default();
        for field in StdField::ALL {
            assert_eq!(StdField::from_name(field.name()), Some(field));
            if let Some(slot) = fields.text_mut(field) {
                *slot = Some(field.name().to_string());
            }
        }
        fields.dnd = Some(true);
        let json = serde_json::to_value(&fields).unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        let mut names: Vec<&str> = StdField::ALL.iter().map(|f| f.name()).collect();
        names.sort_unstable();
        assert_eq!(keys, names, "serde's names are the DTO's names");
        for field in StdField::ALL {
            let expected = (field != StdField::Dnd).then_some(field.name());
            assert_eq!(fields.get(field), expected);
        }
    }

    #[test]
    fn a_date_of_birth_that_is_not_text_reads_as_not_set() {
        let read: StdFields = serde_json::from_str(
            r#"{"dateOfBirth": 654220800000, "gender": null, "city": "Oslo"}"#,
        )
        .unwrap();
        assert_eq!(read.date_of_birth, None);
        assert_eq!(read.gender, None);
        assert_eq!(read.city.as_deref(), Some("Oslo"));
    }
}
