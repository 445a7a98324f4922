//! Honest results: what the server kept compared with what was sent. HighLevel answers 200 while
//! silently ignoring a field (a phone that belongs to another contact, a gender on an existing
//! contact); each difference becomes a warning on the row instead of passing unnoticed.

use crate::api::models::{Contact, ContactFields};
use crate::contact::StdField;
use serde_json::Value;

/// When a kept value counts as the one sent.
#[derive(Clone, Copy)]
enum Same {
    /// Equal once trimmed.
    Exact,
    /// Equal once trimmed, whatever the case (emails, country codes).
    Caseless,
    /// The kept value starts with the one sent (a date of birth comes back as an instant).
    DatePrefix,
}

impl Same {
    fn holds(self, sent: &str, kept: &str) -> bool {
        match self {
            Same::Exact => sent.trim() == kept.trim(),
            Same::Caseless => sent.trim().eq_ignore_ascii_case(kept.trim()),
            Same::DatePrefix => kept.starts_with(sent),
        }
    }
}

/// The fields compared, in the order a row's warnings about them are written. `name`, `gender`,
/// `dnd` and `assignedTo` are not compared: HighLevel rewrites or omits them in its answers.
const COMPARED: [(StdField, Same); 14] = [
    (StdField::Email, Same::Caseless),
    (StdField::Phone, Same::Exact),
    (StdField::FirstName, Same::Exact),
    (StdField::LastName, Same::Exact),
    (StdField::CompanyName, Same::Exact),
    (StdField::Address1, Same::Exact),
    (StdField::City, Same::Exact),
    (StdField::State, Same::Exact),
    (StdField::PostalCode, Same::Exact),
    (StdField::Country, Same::Caseless),
    (StdField::Website, Same::Exact),
    (StdField::Timezone, Same::Exact),
    (StdField::Source, Same::Exact),
    (StdField::DateOfBirth, Same::DatePrefix),
];

/// The differences between `sent` and the contact the server returned: (field, code, message).
pub fn compare(sent: &ContactFields, got: &Contact) -> Vec<(String, String, String)> {
    let mut warnings = Vec::new();
    for (field, same) in COMPARED {
        let Some(sent) = sent.std.get(field) else {
            continue;
        };
        let name = field.name();
        match got.std.get(field) {
            None | Some("") => warnings.push((
                name.to_string(),
                "server_dropped".to_string(),
                format!("sent '{sent}', the contact has no {name}"),
            )),
            Some(kept) if !same.holds(sent, kept) => warnings.push((
                name.to_string(),
                "server_kept_other".to_string(),
                format!("sent '{sent}', the contact kept '{kept}'"),
            )),
            Some(_) => {}
        }
    }
    if let Some(fields) = &sent.custom_fields {
        for field in fields {
            let kept = got.custom_fields.iter().find(|c| c.id == field.id);
            let same = kept.is_some_and(|c| same_value(&field.field_value, &c.value));
            if !same {
                warnings.push((
                    format!("customFields.{}", field.id),
                    "server_kept_other".to_string(),
                    format!(
                        "sent {}, the contact has {}",
                        field.field_value,
                        kept.map_or("nothing".to_string(), |c| c.value.to_string())
                    ),
                ));
            }
        }
    }
    warnings
}

/// Whether a custom field value read back equals the one sent (numbers may come back as text).
pub(crate) fn same_value(sent: &Value, kept: &Value) -> bool {
    match (sent, kept) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Number(a), Value::String(b)) => b.parse::<f64>().ok() == a.as_f64(),
        _ => sent == kept,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::StdFields;

    fn std(email: &str, phone: &str, date_of_birth: &str) -> StdFields {
        StdFields {
            email: Some(email.into()),
            phone: Some(phone.into()),
            date_of_birth: Some(date_of_birth.into()),
            ..StdFields::default()
        }
    }

    #[test]
    fn a_phone_the_server_ignored_is_a_warning() {
        let sent = ContactFields {
            std: std("a@example.com", "+14155550100", "1990-09-25"),
            ..ContactFields::default()
        };
        let got = Contact {
            std: std("A@example.com", "+14155550199", "1990-09-25T00:00:00.000Z"),
            ..Contact::default()
        };
        let warnings = compare(&sent, &got);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].0, "phone");
        assert_eq!(warnings[0].1, "server_kept_other");
    }
}
