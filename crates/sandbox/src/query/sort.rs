//! Sort keys of `POST /contacts/search`: the fields it sorts on, a contact's key for each, and
//! the order of two rows (the id breaking ties).

use crate::contact::Contact;
use serde_json::Value;
use std::cmp::Ordering;

/// Fields that can be sorted on.
pub(crate) const SORT_FIELDS: &[&str] = &[
    "firstNameLowerCase",
    "lastNameLowerCase",
    "businessName",
    "dateAdded",
    "dateUpdated",
    "email",
    "dnd",
    "source",
];

/// A sort value: numbers (dates as epoch ms, dnd as 0/1) or lower-case strings (missing = "").
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Key {
    Num(i64),
    Text(String),
}

impl Key {
    /// As it appears in `searchAfter`.
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Key::Num(n) => Value::from(*n),
            Key::Text(s) => Value::from(s.clone()),
        }
    }

    /// Reads a `searchAfter` element of the same kind as `like`.
    pub(crate) fn from_json(v: &Value, like: &Key) -> Option<Key> {
        match like {
            Key::Num(_) => v
                .as_i64()
                .or_else(|| v.as_str()?.parse().ok())
                .map(Key::Num),
            Key::Text(_) => v.as_str().map(|s| Key::Text(s.to_string())),
        }
    }

    fn cmp(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::Num(a), Key::Num(b)) => a.cmp(b),
            (Key::Text(a), Key::Text(b)) => a.cmp(b),
            (Key::Num(_), Key::Text(_)) => Ordering::Less,
            (Key::Text(_), Key::Num(_)) => Ordering::Greater,
        }
    }
}

/// The sort key of `field` on a contact.
pub(crate) fn sort_key(c: &Contact, field: &str) -> Key {
    let text = |s: Option<&String>| Key::Text(s.map(|s| s.to_lowercase()).unwrap_or_default());
    match field {
        "dateAdded" => Key::Num(c.date_added),
        "dateUpdated" => Key::Num(c.date_updated),
        "dnd" => Key::Num(i64::from(c.dnd)),
        "firstNameLowerCase" => text(c.first_name.as_ref()),
        "lastNameLowerCase" => text(c.last_name.as_ref()),
        "businessName" => text(c.company_name.as_ref()),
        "email" => text(c.email.as_ref()),
        _ => text(c.source.as_ref()),
    }
}

/// Compares two `(keys, id)` rows under the sort directions (`true` = descending); the id
/// tie-breaker is always ascending.
pub(crate) fn compare(a: (&[Key], &str), b: (&[Key], &str), desc: &[bool]) -> Ordering {
    for ((x, y), d) in a.0.iter().zip(b.0).zip(desc) {
        let o = x.cmp(y);
        if o != Ordering::Equal {
            return if *d { o.reverse() } else { o };
        }
    }
    a.1.cmp(b.1)
}
