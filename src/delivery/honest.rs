//! Honest results: what the server kept compared with what was sent. HighLevel answers 200 while
//! silently ignoring a field (a phone that belongs to another contact, a gender on an existing
//! contact); each difference becomes a warning on the row instead of passing unnoticed.

use crate::api::models::{Contact, ContactFields};
use serde_json::Value;

/// The differences between `sent` and the contact the server returned: (field, code, message).
pub fn compare(sent: &ContactFields, got: &Contact) -> Vec<(String, String, String)> {
    let mut warnings = Vec::new();
    let mut check =
        |field: &str, sent: &Option<String>, got: Option<&str>, same: fn(&str, &str) -> bool| {
            let Some(sent) = sent else { return };
            match got {
                None | Some("") => warnings.push((
                    field.to_string(),
                    "server_dropped".to_string(),
                    format!("sent '{sent}', the contact has no {field}"),
                )),
                Some(kept) if !same(sent, kept) => warnings.push((
                    field.to_string(),
                    "server_kept_other".to_string(),
                    format!("sent '{sent}', the contact kept '{kept}'"),
                )),
                Some(_) => {}
            }
        };
    let exact: fn(&str, &str) -> bool = |a, b| a.trim() == b.trim();
    let caseless: fn(&str, &str) -> bool = |a, b| a.trim().eq_ignore_ascii_case(b.trim());
    let date: fn(&str, &str) -> bool = |a, b| b.starts_with(a);
    check("email", &sent.email, got.email.as_deref(), caseless);
    check("phone", &sent.phone, got.phone.as_deref(), exact);
    check(
        "firstName",
        &sent.first_name,
        got.first_name.as_deref(),
        exact,
    );
    check("lastName", &sent.last_name, got.last_name.as_deref(), exact);
    check(
        "companyName",
        &sent.company_name,
        got.company_name.as_deref(),
        exact,
    );
    check("address1", &sent.address1, got.address1.as_deref(), exact);
    check("city", &sent.city, got.city.as_deref(), exact);
    check("state", &sent.state, got.state.as_deref(), exact);
    check(
        "postalCode",
        &sent.postal_code,
        got.postal_code.as_deref(),
        exact,
    );
    check("country", &sent.country, got.country.as_deref(), caseless);
    check("website", &sent.website, got.website.as_deref(), exact);
    check("timezone", &sent.timezone, got.timezone.as_deref(), exact);
    check("source", &sent.source, got.source.as_deref(), exact);
    let dob = got.date_of_birth.as_ref().and_then(Value::as_str);
    check("dateOfBirth", &sent.date_of_birth, dob, date);
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

fn same_value(sent: &Value, kept: &Value) -> bool {
    match (sent, kept) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Number(a), Value::String(b)) => b.parse::<f64>().ok() == a.as_f64(),
        _ => sent == kept,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_the_server_ignored_is_a_warning() {
        let sent = ContactFields {
            email: Some("a@example.com".into()),
            phone: Some("+14155550100".into()),
            date_of_birth: Some("1990-09-25".into()),
            ..ContactFields::default()
        };
        let got = Contact {
            email: Some("A@example.com".into()),
            phone: Some("+14155550199".into()),
            date_of_birth: Some(Value::String("1990-09-25T00:00:00.000Z".into())),
            ..Contact::default()
        };
        let warnings = compare(&sent, &got);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].0, "phone");
        assert_eq!(warnings[0].1, "server_kept_other");
    }
}
