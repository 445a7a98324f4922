//! Custom fields resolved against the location's definitions (`GET /locations/{id}/customFields`):
//! a mapping names a field by key, name or id; the API wants its id and a value of the field's
//! type. Values are type-checked here, before anything is sent.

use crate::api::models::{CustomFieldDef, CustomFieldInput};
use crate::mapping::CustomRef;
use serde_json::Value;

/// A mapped custom field that the location does not have (fatal: the mapping is wrong).
#[derive(Debug, thiserror::Error)]
#[error("custom field '{wanted}' does not exist in the location; its fields are: {known}")]
pub struct UnknownCustomField {
    pub wanted: String,
    pub known: String,
}

#[derive(Debug, Clone)]
struct Resolved {
    id: String,
    name: String,
    data_type: String,
    options: Vec<String>,
}

/// The mapping's custom fields, each resolved to a definition.
#[derive(Debug, Clone, Default)]
pub struct CustomFieldResolver {
    fields: Vec<Resolved>,
}

impl CustomFieldResolver {
    /// Resolves every mapped field; the first one the location lacks is an error.
    pub fn new(refs: &[CustomRef], defs: &[CustomFieldDef]) -> Result<Self, UnknownCustomField> {
        let fields = refs
            .iter()
            .map(|wanted| {
                find(wanted, defs)
                    .map(|def| Resolved {
                        id: def.id.clone(),
                        name: def.name.clone(),
                        data_type: def.data_type.to_ascii_uppercase(),
                        options: def.picklist_options.clone(),
                    })
                    .ok_or_else(|| UnknownCustomField {
                        wanted: match wanted {
                            CustomRef::Key(key) => key.clone(),
                            CustomRef::Id(id) => id.clone(),
                        },
                        known: defs
                            .iter()
                            .map(|d| format!("{} ({})", d.field_key, d.name))
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(CustomFieldResolver { fields })
    }

    /// The value as the API wants it for the field at `index`, or why it does not fit the
    /// field's type (the caller drops the field and keeps a warning).
    pub fn convert(&self, index: usize, value: &str) -> Result<CustomFieldInput, String> {
        let field = self
            .fields
            .get(index)
            .ok_or_else(|| format!("custom field #{index} is not in the mapping"))?;
        let field_value = typed_value(field, value.trim())?;
        Ok(CustomFieldInput {
            id: field.id.clone(),
            field_value,
        })
    }

    /// The field's display name, for messages.
    pub fn name(&self, index: usize) -> &str {
        self.fields.get(index).map_or("?", |f| f.name.as_str())
    }
}

fn find<'a>(wanted: &CustomRef, defs: &'a [CustomFieldDef]) -> Option<&'a CustomFieldDef> {
    match wanted {
        CustomRef::Id(id) => defs.iter().find(|d| d.id == *id),
        CustomRef::Key(key) => {
            let bare = key.strip_prefix("contact.").unwrap_or(key);
            defs.iter()
                .find(|d| d.field_key.strip_prefix("contact.").unwrap_or(&d.field_key) == bare)
                .or_else(|| defs.iter().find(|d| d.name.eq_ignore_ascii_case(key)))
                .or_else(|| defs.iter().find(|d| d.id == *key))
        }
    }
}

fn typed_value(field: &Resolved, value: &str) -> Result<Value, String> {
    match field.data_type.as_str() {
        "NUMERICAL" | "MONETORY" | "MONETARY" => {
            let cleaned: String = value
                .chars()
                .filter(|c| !matches!(c, ',' | ' ' | '$' | '€' | '£' | '\u{a0}'))
                .collect();
            // A whole number goes as one (94, not 94.0): HighLevel shows what it is sent.
            if let Ok(whole) = cleaned.parse::<i64>() {
                return Ok(Value::Number(whole.into()));
            }
            cleaned
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| format!("'{value}' is not a number ({})", field.name))
        }
        "CHECKBOX" | "MULTIPLE_OPTIONS" => {
            let mut chosen = Vec::new();
            for part in value
                .split([',', ';', '|'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                chosen.push(Value::String(option(field, part)?));
            }
            Ok(Value::Array(chosen))
        }
        "SINGLE_OPTIONS" | "RADIO" => option(field, value).map(Value::String),
        "DATE" => {
            let ok =
                value.len() == 10 && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok();
            if ok {
                Ok(Value::String(value.to_string()))
            } else {
                Err(format!(
                    "'{value}' is not a YYYY-MM-DD date ({})",
                    field.name
                ))
            }
        }
        _ => Ok(Value::String(value.to_string())),
    }
}

fn option(field: &Resolved, value: &str) -> Result<String, String> {
    if field.options.is_empty() {
        return Ok(value.to_string());
    }
    field
        .options
        .iter()
        .find(|o| o.eq_ignore_ascii_case(value))
        .cloned()
        .ok_or_else(|| {
            format!(
                "'{value}' is not an option of {} ({})",
                field.name,
                field.options.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(id: &str, name: &str, key: &str, kind: &str, options: &[&str]) -> CustomFieldDef {
        CustomFieldDef {
            id: id.into(),
            name: name.into(),
            field_key: key.into(),
            data_type: kind.into(),
            picklist_options: options.iter().map(|o| o.to_string()).collect(),
            model: Some("contact".into()),
        }
    }

    fn defs() -> Vec<CustomFieldDef> {
        vec![
            def(
                "id-score",
                "Lead Score",
                "contact.lead_score",
                "NUMERICAL",
                &[],
            ),
            def(
                "id-level",
                "Membership",
                "contact.membership",
                "SINGLE_OPTIONS",
                &["Gold", "Silver"],
            ),
            def(
                "id-hobby",
                "Interests",
                "contact.interests",
                "MULTIPLE_OPTIONS",
                &["Golf", "Chess"],
            ),
            def("id-when", "Renewal", "contact.renewal", "DATE", &[]),
        ]
    }

    #[test]
    fn whole_numbers_stay_whole() {
        let score = Resolved {
            id: "id-score".into(),
            name: "Lead Score".into(),
            data_type: "NUMERICAL".into(),
            options: Vec::new(),
        };
        assert_eq!(typed_value(&score, "94").unwrap().to_string(), "94");
        assert_eq!(typed_value(&score, "$1,250").unwrap().to_string(), "1250");
        assert_eq!(typed_value(&score, "12.5").unwrap().to_string(), "12.5");
        assert!(typed_value(&score, "lots").is_err());
    }

    #[test]
    fn resolves_by_key_bare_key_name_or_id() {
        let refs = vec![
            CustomRef::Key("contact.lead_score".into()),
            CustomRef::Key("membership".into()),
            CustomRef::Key("Interests".into()),
            CustomRef::Id("id-when".into()),
        ];
        let resolver = CustomFieldResolver::new(&refs, &defs()).unwrap();
        assert_eq!(
            resolver.convert(0, "1,200").unwrap().field_value,
            serde_json::json!(1200)
        );
        assert_eq!(resolver.convert(1, "gold").unwrap().field_value, "Gold");
        assert_eq!(
            resolver.convert(2, "golf; CHESS").unwrap().field_value,
            serde_json::json!(["Golf", "Chess"])
        );
        assert_eq!(resolver.convert(3, "2027-01-31").unwrap().id, "id-when");
        assert!(resolver.convert(0, "high").is_err());
        assert!(resolver.convert(1, "Bronze").is_err());
        assert!(resolver.convert(3, "31/01/2027").is_err());
    }

    #[test]
    fn an_unknown_field_names_the_known_ones() {
        let err =
            CustomFieldResolver::new(&[CustomRef::Key("shoe_size".into())], &defs()).unwrap_err();
        assert!(err.to_string().contains("contact.lead_score (Lead Score)"));
    }
}
