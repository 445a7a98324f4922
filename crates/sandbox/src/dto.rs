//! Strict request DTOs, the way HighLevel's NestJS validation answers: the body is read as JSON,
//! every key not in the endpoint's whitelist gives `property X should not exist`, wrong types
//! give class-validator's messages (`X must be a string`, …), and all of them come back together
//! in one 422 `message` array. `#[serde(deny_unknown_fields)]` alone would stop at the first
//! unknown key with serde's wording, which is not what clients parse.

use crate::error::ApiError;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A field that may be absent, explicitly null, or set.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Patch<T> {
    /// Not in the body: leave as is.
    #[default]
    Absent,
    /// `null`: clear.
    Null,
    /// A value.
    Set(T),
}

impl<T> Patch<T> {
    /// The value if set.
    pub(crate) fn as_set(&self) -> Option<&T> {
        match self {
            Patch::Set(v) => Some(v),
            _ => None,
        }
    }

    /// Maps a set value.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Absent => Patch::Absent,
            Patch::Null => Patch::Null,
            Patch::Set(v) => Patch::Set(f(v)),
        }
    }

    /// Writes the patch into an `Option` field.
    pub(crate) fn apply_to(self, slot: &mut Option<T>) {
        match self {
            Patch::Absent => {}
            Patch::Null => *slot = None,
            Patch::Set(v) => *slot = Some(v),
        }
    }
}

/// A JSON object body being validated against one endpoint's DTO.
#[derive(Debug)]
pub(crate) struct Dto {
    obj: Map<String, Value>,
    errors: Vec<String>,
}

/// Reads a JSON body; 400 if it is not JSON or not an object (NestJS's body parser answer).
pub(crate) fn parse_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let body = if body.iter().all(|b| b.is_ascii_whitespace()) {
        b"{}".as_slice()
    } else {
        body
    };
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::BadRequest(
            "Request body must be a JSON object".into(),
        )),
        Err(e) => Err(ApiError::BadRequest(format!(
            "Unexpected token in JSON: {e}"
        ))),
    }
}

/// `property X should not exist` for each key not in `allowed`.
fn unknown<'k>(keys: impl Iterator<Item = &'k String>, allowed: &[&str]) -> Vec<String> {
    keys.filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect()
}

/// A form-encoded body (`POST /oauth/token`, `/oauth/locationToken`), as a map.
pub(crate) fn parse_form(body: &[u8]) -> Result<HashMap<String, String>, ApiError> {
    serde_urlencoded::from_bytes(body)
        .map_err(|_| ApiError::BadRequest("Body must be application/x-www-form-urlencoded".into()))
}

/// The messages a form or a query string earns, as for a JSON body: each key not in
/// `allowed`, then each of `required` that is missing or empty (`X should not be empty`).
pub(crate) fn string_map_errors(
    map: &HashMap<String, String>,
    allowed: &[&str],
    required: &[&str],
) -> Vec<String> {
    let mut errors = unknown(map.keys(), allowed);
    for k in required {
        if map.get(*k).is_none_or(|v| v.is_empty()) {
            errors.push(format!("{k} should not be empty"));
        }
    }
    errors
}

impl Dto {
    /// Starts validation of `body` against the whitelist `allowed`.
    pub(crate) fn new(body: &[u8], allowed: &[&str]) -> Result<Dto, ApiError> {
        Ok(Dto::from_map(parse_object(body)?, allowed))
    }

    /// Starts validation of an already parsed object.
    pub(crate) fn from_map(obj: Map<String, Value>, allowed: &[&str]) -> Dto {
        let errors = unknown(obj.keys(), allowed);
        Dto { obj, errors }
    }

    /// Records a validation message.
    pub(crate) fn error(&mut self, message: impl Into<String>) {
        self.errors.push(message.into());
    }

    /// The raw value of a key.
    pub(crate) fn raw(&self, key: &str) -> Option<&Value> {
        self.obj.get(key)
    }

    /// An optional string; `nullable` says whether `null` is allowed.
    pub(crate) fn string(&mut self, key: &str, nullable: bool) -> Patch<String> {
        match self.obj.get(key) {
            None => Patch::Absent,
            Some(Value::Null) if nullable => Patch::Null,
            Some(Value::String(s)) => Patch::Set(s.clone()),
            Some(_) => {
                self.error(format!("{key} must be a string"));
                Patch::Absent
            }
        }
    }

    /// A required, non-empty string.
    pub(crate) fn required_string(&mut self, key: &str) -> Option<String> {
        match self.string(key, false) {
            Patch::Set(s) if !s.is_empty() => Some(s),
            Patch::Set(_) | Patch::Absent | Patch::Null => {
                if !self
                    .errors
                    .iter()
                    .any(|e| e.starts_with(&format!("{key} must")))
                {
                    self.error(format!("{key} should not be empty"));
                    self.error(format!("{key} must be a string"));
                }
                None
            }
        }
    }

    /// An optional boolean.
    pub(crate) fn bool(&mut self, key: &str) -> Option<bool> {
        match self.obj.get(key) {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.error(format!("{key} must be a boolean value"));
                None
            }
        }
    }

    /// A boolean that must be present.
    pub(crate) fn required_bool(&mut self, key: &str) -> Option<bool> {
        if self.obj.contains_key(key) {
            self.bool(key)
        } else {
            self.error(format!("{key} must be a boolean value"));
            None
        }
    }

    /// An optional number.
    pub(crate) fn number(&mut self, key: &str) -> Option<f64> {
        match self.obj.get(key) {
            None => None,
            Some(Value::Number(n)) => n.as_f64(),
            Some(_) => {
                self.error(format!(
                    "{key} must be a number conforming to the specified constraints"
                ));
                None
            }
        }
    }

    /// An array of strings; `required` adds the missing-key messages.
    pub(crate) fn string_array(&mut self, key: &str, required: bool) -> Option<Vec<String>> {
        match self.obj.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.error(format!("{key} must be an array"));
                }
                None
            }
            Some(Value::Array(items)) => {
                let strings: Option<Vec<String>> = items
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect();
                if strings.is_none() {
                    self.error(format!("each value in {key} must be a string"));
                }
                strings
            }
            Some(_) => {
                self.error(format!("{key} must be an array"));
                None
            }
        }
    }

    /// An optional JSON object.
    pub(crate) fn object(&mut self, key: &str) -> Option<Value> {
        match self.obj.get(key) {
            None => None,
            Some(v @ Value::Object(_)) => Some(v.clone()),
            Some(_) => {
                self.error(format!("{key} must be an object"));
                None
            }
        }
    }

    /// Ends validation: 422 with every message if any was recorded.
    pub(crate) fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Unprocessable(self.errors))
        }
    }

    /// Whether any message has been recorded so far.
    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_properties_are_each_reported() {
        let mut d = Dto::new(
            br#"{"gender":"male","locationId":"x","firstName":"A"}"#,
            &["firstName"],
        )
        .unwrap();
        assert_eq!(d.string("firstName", true), Patch::Set("A".into()));
        let Err(ApiError::Unprocessable(m)) = d.finish() else {
            panic!("expected 422")
        };
        assert!(m.contains(&"property gender should not exist".to_string()));
        assert!(m.contains(&"property locationId should not exist".to_string()));
    }

    #[test]
    fn types_are_checked_with_class_validator_wording() {
        let mut d = Dto::new(
            br#"{"dnd":"yes","tags":[1],"email":null}"#,
            &["dnd", "tags", "email"],
        )
        .unwrap();
        assert_eq!(d.bool("dnd"), None);
        assert_eq!(d.string_array("tags", false), None);
        assert_eq!(d.string("email", true), Patch::Null);
        let Err(ApiError::Unprocessable(m)) = d.finish() else {
            panic!("expected 422")
        };
        assert_eq!(
            m,
            vec![
                "dnd must be a boolean value",
                "each value in tags must be a string"
            ]
        );
    }

    #[test]
    fn bad_json_is_a_400() {
        assert!(matches!(
            Dto::new(b"{nope", &[]),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            Dto::new(b"[1]", &[]),
            Err(ApiError::BadRequest(_))
        ));
    }
}
