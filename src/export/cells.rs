//! One contact's values as cell text: standard fields from the search shape (which differs
//! from GET in places), custom field values by type, numbers without a trailing `.0`.

use serde_json::Value;

use crate::contact::StdField;

/// The text of a top-level string field ("" when absent or not a string).
pub(super) fn text<'a>(contact: &'a Value, key: &str) -> &'a str {
    contact.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A standard field's value as a cell. The search shape differs from GET in places
/// (`address`, `businessName`); both spellings are read.
pub(super) fn std_value(contact: &Value, field: StdField) -> String {
    let first = |keys: &[&str]| {
        keys.iter()
            .map(|k| text(contact, k))
            .find(|v| !v.is_empty())
            .unwrap_or("")
            .to_string()
    };
    match field {
        StdField::Address1 => first(&["address1", "address"]),
        StdField::CompanyName => first(&["companyName", "businessName"]),
        StdField::Dnd => match contact.get("dnd") {
            Some(Value::Bool(b)) => b.to_string(),
            _ => String::new(),
        },
        // Search gives `YYYY-MM-DD`; other shapes give an ISO instant at midnight.
        StdField::DateOfBirth => match contact.get("dateOfBirth") {
            Some(Value::String(s)) => s.get(..10).unwrap_or(s).to_string(),
            _ => String::new(),
        },
        // No lower-cased fallback for names: re-importing "ann" would overwrite "Ann".
        other => text(contact, other.name()).to_string(),
    }
}

pub(super) fn custom_value<'a>(contact: &'a Value, id: &str) -> Option<&'a Value> {
    contact
        .get("customFields")?
        .as_array()?
        .iter()
        .find(|f| f.get("id").and_then(Value::as_str) == Some(id))?
        .get("value")
}

/// A custom field value as a cell: numbers without a trailing `.0`, options joined with ", "
/// (import splits on `,`, `;` and `|`), anything else as compact JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
                format!("{}", f as i64)
            }
            _ => n.to_string(),
        },
        Value::Array(items) => items
            .iter()
            .map(value_text)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(_) => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_as_cells() {
        assert_eq!(value_text(&json!(42.0)), "42");
        assert_eq!(value_text(&json!(42.5)), "42.5");
        assert_eq!(value_text(&json!(7)), "7");
        assert_eq!(value_text(&json!(["a", "", "b"])), "a, b");
        assert_eq!(value_text(&json!(null)), "");
        assert_eq!(value_text(&json!({"u": 1})), "{\"u\":1}");
    }
}
