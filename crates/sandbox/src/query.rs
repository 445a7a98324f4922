//! Search filters and sort keys of `POST /contacts/search` (ghl-api.md §2.7): filter objects
//! and AND/OR groups, the documented field × operator table (a pair it does not allow is a 422),
//! and how each field is read from a stored contact.

use crate::config::CustomFieldDef;
use crate::contact::Contact;
use crate::normalise;
use serde_json::Value;

mod sort;
pub(crate) use sort::{compare, sort_key, Key, SORT_FIELDS};

/// A filter operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    NotEq,
    Contains,
    NotContains,
    Exists,
    NotExists,
    Range,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "eq" => Op::Eq,
            "not_eq" => Op::NotEq,
            "contains" => Op::Contains,
            "not_contains" => Op::NotContains,
            "exists" => Op::Exists,
            "not_exists" => Op::NotExists,
            "range" => Op::Range,
            _ => return None,
        })
    }
}

/// A parsed filter tree.
#[derive(Debug, Clone)]
pub(crate) enum Filter {
    /// One condition.
    Cond { field: String, op: Op, value: Value },
    /// A group; `any` is OR.
    Group { any: bool, items: Vec<Filter> },
}

const TEXT6: &[Op] = &[
    Op::Eq,
    Op::NotEq,
    Op::Contains,
    Op::NotContains,
    Op::Exists,
    Op::NotExists,
];
const EQ4: &[Op] = &[Op::Eq, Op::NotEq, Op::Exists, Op::NotExists];
const RANGE3: &[Op] = &[Op::Range, Op::Exists, Op::NotExists];
const NUM5: &[Op] = &[Op::Range, Op::Eq, Op::NotEq, Op::Exists, Op::NotExists];

fn allowed_ops(field: &str, defs: &[CustomFieldDef]) -> Option<&'static [Op]> {
    if let Some(id) = field.strip_prefix("customFields.") {
        let def = defs
            .iter()
            .find(|d| d.id == id || id.starts_with(&format!("{}.", d.id)))?;
        return Some(match def.data_type.as_str() {
            "CHECKBOX" | "MULTIPLE_OPTIONS" | "TEXTBOX_LIST" => EQ4,
            "NUMERICAL" | "MONETORY" => NUM5,
            "DATE" => RANGE3,
            _ => TEXT6,
        });
    }
    Some(match field {
        "id" => &[Op::Eq, Op::NotEq],
        "address" | "businessName" | "city" | "companyName" | "firstNameLowerCase"
        | "lastNameLowerCase" | "phone" | "postalCode" | "source" | "state" | "tags" => TEXT6,
        "contactName" | "country" | "dnd" | "followers" | "assignedTo" | "timezone" | "type"
        | "validEmail" | "isValidWhatsapp" | "email" | "website" | "activeWorkflows"
        | "finishedWorkflows" => EQ4,
        "dateAdded"
        | "dateUpdated"
        | "dateOfBirth"
        | "lastEmailClickedDate"
        | "lastEmailOpenedDate"
        | "lastAppointment" => RANGE3,
        f if f == "opportunities" || f.starts_with("opportunities.") => EQ4,
        _ => return None,
    })
}

/// Parses and validates the `filters` array (top level is AND). Errors are 422 messages.
pub(crate) fn parse(filters: &Value, defs: &[CustomFieldDef], errors: &mut Vec<String>) -> Filter {
    let items = match filters {
        Value::Array(a) => a
            .iter()
            .filter_map(|f| parse_one(f, defs, errors))
            .collect(),
        _ => {
            errors.push("filters must be an array".into());
            Vec::new()
        }
    };
    Filter::Group { any: false, items }
}

fn parse_one(f: &Value, defs: &[CustomFieldDef], errors: &mut Vec<String>) -> Option<Filter> {
    let Value::Object(o) = f else {
        errors.push("each filter must be an object".into());
        return None;
    };
    if let Some(group) = o.get("group") {
        let any = match group.as_str() {
            Some("AND") => false,
            Some("OR") => true,
            _ => {
                errors.push("group must be one of the following values: AND, OR".into());
                return None;
            }
        };
        let Some(Value::Array(sub)) = o.get("filters") else {
            errors.push("filters of a group must be an array".into());
            return None;
        };
        return Some(Filter::Group {
            any,
            items: sub
                .iter()
                .filter_map(|s| parse_one(s, defs, errors))
                .collect(),
        });
    }
    let field = o
        .get("field")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(op) = o
        .get("operator")
        .and_then(Value::as_str)
        .and_then(Op::parse)
    else {
        errors.push(format!("operator of filter on {field} must be one of eq, not_eq, contains, not_contains, exists, not_exists, range"));
        return None;
    };
    let Some(ops) = allowed_ops(&field, defs) else {
        errors.push(format!("field {field} is not supported for search"));
        return None;
    };
    if !ops.contains(&op) {
        errors.push(format!(
            "operator {} is not supported for field {field}",
            o["operator"].as_str().unwrap_or_default()
        ));
        return None;
    }
    let value = o.get("value").cloned().unwrap_or(Value::Null);
    let too_long = |v: &Value| v.as_str().is_some_and(|s| s.chars().count() > 75);
    if too_long(&value) || value.as_array().is_some_and(|a| a.iter().any(too_long)) {
        errors.push(format!(
            "value of filter on {field} must be shorter than or equal to 75 characters"
        ));
    }
    match op {
        Op::Exists | Op::NotExists => {}
        Op::Range if !value.is_object() => errors.push(format!(
            "range filter on {field} needs a value with gt, gte, lt or lte"
        )),
        _ if value.is_null() => errors.push(format!("filter on {field} needs a value")),
        _ => {}
    }
    // Range bounds are read once here rather than once per contact: a date parse per contact
    // and bound was a third of the CPU of a search over 100,000 contacts.
    let value = if op == Op::Range {
        numeric_bounds(&field, value)
    } else {
        value
    };
    Some(Filter::Cond { field, op, value })
}

fn numeric_bounds(field: &str, mut range: Value) -> Value {
    let is_date = !field.starts_with("customFields.");
    for v in range
        .as_object_mut()
        .into_iter()
        .flat_map(|m| m.values_mut())
    {
        let n = match is_date {
            true => normalise::parse_instant(v).map(Value::from),
            false => v
                .as_f64()
                .or_else(|| v.as_str()?.parse().ok())
                .map(Value::from),
        };
        *v = n.unwrap_or(Value::Null);
    }
    range
}

/// A field's value on one contact.
enum Field {
    None,
    Texts(Vec<String>),
    Num(f64),
    Bool(bool),
}

fn read(c: &Contact, field: &str) -> Field {
    let text = |s: Option<&String>| {
        s.filter(|s| !s.is_empty())
            .map(|s| Field::Texts(vec![s.to_lowercase()]))
            .unwrap_or(Field::None)
    };
    match field {
        "id" => Field::Texts(vec![c.id.to_lowercase()]),
        "contactName" => text(c.full_name().as_ref()),
        "country" => text(c.country.as_ref()),
        "dnd" => Field::Bool(c.dnd),
        "assignedTo" => text(c.assigned_to.as_ref()),
        "timezone" => text(c.timezone.as_ref()),
        "type" => Field::Texts(vec!["lead".into()]),
        "email" => text(c.email.as_ref()),
        "website" => text(c.website.as_ref()),
        "address" => text(c.address1.as_ref()),
        // HighLevel's UI labels `companyName` "Business Name".
        "businessName" | "companyName" => text(c.company_name.as_ref()),
        "city" => text(c.city.as_ref()),
        "state" => text(c.state.as_ref()),
        "postalCode" => text(c.postal_code.as_ref()),
        "source" => text(c.source.as_ref()),
        "phone" => text(c.phone.as_ref()),
        "firstNameLowerCase" => text(c.first_name.as_ref()),
        "lastNameLowerCase" => text(c.last_name.as_ref()),
        "tags" if !c.tags.is_empty() => Field::Texts(c.tags.clone()),
        "dateAdded" => Field::Num(c.date_added as f64),
        "dateUpdated" => Field::Num(c.date_updated as f64),
        "dateOfBirth" => c
            .date_of_birth
            .as_ref()
            .and_then(|d| normalise::parse_instant(&Value::String(d.clone())))
            .map(|ms| Field::Num(ms as f64))
            .unwrap_or(Field::None),
        f => match f
            .strip_prefix("customFields.")
            .and_then(|id| c.custom_fields.iter().find(|(fid, _)| fid == id))
        {
            Some((_, Value::Number(n))) => n.as_f64().map(Field::Num).unwrap_or(Field::None),
            Some((_, Value::String(s))) => Field::Texts(vec![s.to_lowercase()]),
            Some((_, Value::Array(a))) => Field::Texts(
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_lowercase)
                    .collect(),
            ),
            _ => Field::None,
        },
    }
}

pub(crate) fn wanted_texts(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().map(value_text).collect(),
        other => vec![value_text(other)],
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        other => other.to_string(),
    }
}

fn in_range(x: f64, range: &Value, is_date: bool) -> bool {
    let bound = |k: &str| {
        range.get(k).and_then(|v| {
            if is_date {
                normalise::parse_instant(v).map(|ms| ms as f64)
            } else {
                v.as_f64().or_else(|| v.as_str()?.parse().ok())
            }
        })
    };
    bound("gt").is_none_or(|b| x > b)
        && bound("gte").is_none_or(|b| x >= b)
        && bound("lt").is_none_or(|b| x < b)
        && bound("lte").is_none_or(|b| x <= b)
}

/// Whether a contact passes the filter.
pub(crate) fn matches(f: &Filter, c: &Contact) -> bool {
    match f {
        Filter::Group { any: true, items } => {
            items.is_empty() || items.iter().any(|i| matches(i, c))
        }
        Filter::Group { any: false, items } => items.iter().all(|i| matches(i, c)),
        // Ids are case-sensitive; every other text field compares lower-cased.
        Filter::Cond {
            field,
            op: op @ (Op::Eq | Op::NotEq),
            value,
        } if field == "id" => {
            let hit = match value {
                Value::Array(a) => a.iter().any(|v| v.as_str() == Some(c.id.as_str())),
                v => v.as_str() == Some(c.id.as_str()),
            };
            hit == (*op == Op::Eq)
        }
        Filter::Cond { field, op, value } => {
            let got = read(c, field);
            let exists = !matches!(got, Field::None);
            // `eq` with an array value matches any of the values (an Elasticsearch `terms` query).
            let eq = || match &got {
                Field::None => false,
                Field::Texts(t) => wanted_texts(value).iter().any(|w| t.contains(w)),
                Field::Num(n) => {
                    value.as_f64().or_else(|| value.as_str()?.parse().ok()) == Some(*n)
                }
                Field::Bool(b) => {
                    value.as_bool().or_else(|| value.as_str()?.parse().ok()) == Some(*b)
                }
            };
            let contains = || match &got {
                Field::Texts(t) => wanted_texts(value)
                    .iter()
                    .any(|w| t.iter().any(|x| x.contains(w.as_str()))),
                _ => false,
            };
            match op {
                Op::Exists => exists,
                Op::NotExists => !exists,
                Op::Eq => eq(),
                Op::NotEq => !eq(),
                Op::Contains => contains(),
                Op::NotContains => !contains(),
                Op::Range => match got {
                    Field::Num(n) => in_range(n, value, !field.starts_with("customFields.")),
                    _ => false,
                },
            }
        }
    }
}
