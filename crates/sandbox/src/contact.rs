//! The stored contact, the validated input of create/upsert/update (one whitelist per endpoint,
//! normalised for the location), and the three JSON shapes a contact is returned in (GET,
//! create, search).

use crate::config::CustomFieldDef;
use crate::dto::{Dto, Patch};
use crate::normalise;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

const COMMON_FIELDS: &[&str] = &[
    "firstName",
    "lastName",
    "name",
    "email",
    "phone",
    "address1",
    "city",
    "state",
    "postalCode",
    "website",
    "timezone",
    "dnd",
    "dndSettings",
    "inboundDndSettings",
    "tags",
    "customFields",
    "source",
    "dateOfBirth",
    "country",
    "assignedTo",
];

/// Which endpoint's DTO a contact body is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContactDto {
    /// `CreateContactDto` (`POST /contacts/`).
    Create,
    /// `UpsertContactDto` (`POST /contacts/upsert`).
    Upsert,
    /// `UpdateContactDto` (`PUT /contacts/{id}`): no `locationId`, `gender`, `companyName`.
    Update,
}

impl ContactDto {
    /// The whitelist of top-level keys.
    pub(crate) fn allowed(self) -> Vec<&'static str> {
        let mut v = COMMON_FIELDS.to_vec();
        match self {
            ContactDto::Create => v.extend(["locationId", "gender", "companyName"]),
            ContactDto::Upsert => v.extend([
                "locationId",
                "gender",
                "companyName",
                "createNewIfDuplicateAllowed",
            ]),
            ContactDto::Update => {}
        }
        v
    }
}

/// What the location contributes to reading a contact body.
pub(crate) struct LocationCtx<'a> {
    /// Default country for phones without `+`.
    pub country: &'a str,
    /// Custom field definitions.
    pub custom_fields: &'a [CustomFieldDef],
}

/// A validated, normalised contact body.
#[derive(Debug, Default, Clone)]
pub(crate) struct ContactInput {
    pub first_name: Patch<String>,
    pub last_name: Patch<String>,
    pub name: Patch<String>,
    pub email: Patch<String>,
    pub phone: Patch<String>,
    pub gender: Patch<String>,
    pub address1: Patch<String>,
    pub city: Patch<String>,
    pub state: Patch<String>,
    pub postal_code: Patch<String>,
    pub website: Patch<String>,
    pub timezone: Patch<String>,
    pub dnd: Option<bool>,
    pub dnd_settings: Option<Value>,
    pub inbound_dnd_settings: Option<Value>,
    pub tags: Option<Vec<String>>,
    /// `(field id, value)`; `None` clears the field.
    pub custom_fields: Vec<(String, Option<Value>)>,
    pub source: Patch<String>,
    pub date_of_birth: Patch<String>,
    pub country: Patch<String>,
    pub company_name: Patch<String>,
    pub assigned_to: Patch<String>,
    pub create_new_if_duplicate_allowed: bool,
}

impl ContactInput {
    /// Validates `dto` against `kind` and normalises it for the location. Every problem is
    /// collected into the dto; the caller calls `finish()`.
    pub(crate) fn read(dto: &mut Dto, kind: ContactDto, ctx: &LocationCtx<'_>) -> ContactInput {
        let update = kind == ContactDto::Update;
        let mut c = ContactInput {
            first_name: dto.string("firstName", true),
            last_name: dto.string("lastName", true),
            name: dto.string("name", true),
            address1: dto.string("address1", true),
            city: dto.string("city", true),
            state: dto.string("state", true),
            postal_code: dto.string("postalCode", false),
            website: dto.string("website", true),
            timezone: dto.string("timezone", true),
            dnd: dto.bool("dnd"),
            dnd_settings: dto.object("dndSettings"),
            inbound_dnd_settings: dto.object("inboundDndSettings"),
            source: dto.string("source", update),
            assigned_to: dto.string("assignedTo", update),
            ..ContactInput::default()
        };
        if !update {
            c.gender = dto.string("gender", false);
            c.company_name = dto.string("companyName", true);
        }
        if kind == ContactDto::Upsert {
            c.create_new_if_duplicate_allowed =
                dto.bool("createNewIfDuplicateAllowed").unwrap_or(false);
        }
        c.country = dto
            .string("country", false)
            .map(|raw| match normalise::country(&raw) {
                Some(code) => code,
                None => {
                    // The spec points at Country.md for valid values; the exact message is a guess.
                    dto.error(format!(
                        "country must be one of the country codes of Country.md, got {raw}"
                    ));
                    raw
                }
            });
        let phone_country = c
            .country
            .as_set()
            .filter(|c| crate::countries::is_known(c))
            .map(String::as_str)
            .unwrap_or(ctx.country)
            .to_string();
        c.email = match dto.string("email", true) {
            Patch::Set(e) if e.trim().is_empty() => Patch::Null,
            Patch::Set(e) if !looks_like_email(e.trim()) => {
                dto.error("email must be an email");
                Patch::Absent
            }
            p => p.map(|e| e.trim().to_string()),
        };
        c.phone = match dto.string("phone", true) {
            Patch::Set(p) if p.trim().is_empty() => Patch::Null,
            Patch::Set(p) => match normalise::phone_e164(&p, &phone_country) {
                Some(e164) => Patch::Set(e164),
                None => {
                    dto.error("phone must be a valid phone number");
                    Patch::Absent
                }
            },
            p => p,
        };
        c.date_of_birth = match dto.raw("dateOfBirth").cloned() {
            None => Patch::Absent,
            Some(Value::Null) => Patch::Null,
            Some(Value::String(s)) if s.is_empty() => Patch::Null,
            Some(Value::String(s)) => match normalise::date_of_birth(&s) {
                Some(d) => Patch::Set(d),
                None => {
                    dto.error("dateOfBirth must be a date in one of the formats YYYY/MM/DD, MM/DD/YYYY, YYYY-MM-DD, MM-DD-YYYY, YYYY.MM.DD, MM.DD.YYYY, YYYY_MM_DD, MM_DD_YYYY");
                    Patch::Absent
                }
            },
            Some(_) => {
                dto.error("dateOfBirth must be a string");
                Patch::Absent
            }
        };
        c.tags = dto.string_array("tags", false).map(normalise::tags);
        c.custom_fields = read_custom_fields(dto, ctx.custom_fields);
        c
    }

    /// Whether the body carries one of the fields a contact needs (email, phone, first or last
    /// name). `name` alone does not count (probed live, ghl-api.md §2.2).
    pub(crate) fn has_identity(&self) -> bool {
        [&self.email, &self.phone, &self.first_name, &self.last_name]
            .iter()
            .any(|p| matches!(p, Patch::Set(s) if !s.is_empty()))
    }
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
}

fn read_custom_fields(dto: &mut Dto, defs: &[CustomFieldDef]) -> Vec<(String, Option<Value>)> {
    let Some(raw) = dto.raw("customFields").cloned() else {
        return Vec::new();
    };
    let Value::Array(items) = raw else {
        dto.error("customFields must be an array");
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(obj) = item else {
            dto.error(format!("customFields.{i} must be an object"));
            continue;
        };
        for k in obj
            .keys()
            .filter(|k| !matches!(k.as_str(), "id" | "key" | "field_value"))
        {
            dto.error(format!("customFields.{i}.property {k} should not exist"));
        }
        let by_id = obj.get("id").and_then(Value::as_str);
        let by_key = obj.get("key").and_then(Value::as_str);
        let def = defs.iter().find(|d| {
            by_id == Some(d.id.as_str())
                || by_key.is_some_and(|k| {
                    d.field_key == k || d.field_key.strip_prefix("contact.") == Some(k)
                })
        });
        // The real answer to an unknown field is undocumented; refusing it is the safer reading
        // for a test peer (a silently dropped value would hide a mapping bug).
        let Some(def) = def else {
            dto.error(format!(
                "customFields.{i} does not name a custom field of this location"
            ));
            continue;
        };
        match custom_value(def, obj.get("field_value").unwrap_or(&Value::Null)) {
            Ok(v) => out.push((def.id.clone(), v)),
            Err(m) => dto.error(format!("customFields.{i}.field_value {m}")),
        }
    }
    out
}

/// Converts a written `field_value` to the stored (read) value for the field's data type.
fn custom_value(def: &CustomFieldDef, v: &Value) -> Result<Option<Value>, &'static str> {
    match v {
        Value::Null => return Ok(None),
        Value::String(s) if s.is_empty() => return Ok(None),
        _ => {}
    }
    match def.data_type.as_str() {
        "NUMERICAL" | "MONETORY" => match v {
            Value::Number(_) => Ok(Some(v.clone())),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map(|f| Some(json!(f)))
                .map_err(|_| "must be a number"),
            _ => Err("must be a number"),
        },
        "CHECKBOX" | "MULTIPLE_OPTIONS" => match v {
            Value::Array(a) if a.iter().all(Value::is_string) => Ok(Some(v.clone())),
            Value::String(s) => Ok(Some(json!([s]))),
            _ => Err("must be an array of strings"),
        },
        "FILE_UPLOAD" | "TEXTBOX_LIST" => Ok(Some(v.clone())),
        _ => match v {
            Value::String(_) => Ok(Some(v.clone())),
            Value::Number(n) => Ok(Some(Value::String(n.to_string()))),
            Value::Bool(b) => Ok(Some(Value::String(b.to_string()))),
            _ => Err("must be a string"),
        },
    }
}

/// One stored contact.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Contact {
    pub id: String,
    pub location_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub gender: Option<String>,
    pub address1: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub website: Option<String>,
    pub timezone: Option<String>,
    pub dnd: bool,
    pub dnd_settings: Option<Value>,
    pub inbound_dnd_settings: Option<Value>,
    pub tags: Vec<String>,
    pub custom_fields: Vec<(String, Value)>,
    pub source: Option<String>,
    pub date_of_birth: Option<String>,
    pub country: Option<String>,
    pub company_name: Option<String>,
    pub assigned_to: Option<String>,
    pub business_id: Option<String>,
    pub date_added: i64,
    pub date_updated: i64,
}

impl Contact {
    /// Writes `input` into the contact. `skip_gender` drops `gender` silently, as HighLevel does
    /// on an existing contact (I#313); `skip` names the match field an upsert must not write.
    pub(crate) fn apply(
        &mut self,
        input: ContactInput,
        skip_gender: bool,
        skip: Option<crate::config::MatchField>,
    ) {
        use crate::config::MatchField;
        input.first_name.apply_to(&mut self.first_name);
        input.last_name.apply_to(&mut self.last_name);
        input.name.apply_to(&mut self.name);
        if skip != Some(MatchField::Email) {
            input.email.apply_to(&mut self.email);
        }
        if skip != Some(MatchField::Phone) {
            input.phone.apply_to(&mut self.phone);
        }
        if !skip_gender {
            input.gender.apply_to(&mut self.gender);
        }
        input.address1.apply_to(&mut self.address1);
        input.city.apply_to(&mut self.city);
        input.state.apply_to(&mut self.state);
        input.postal_code.apply_to(&mut self.postal_code);
        input.website.apply_to(&mut self.website);
        input.timezone.apply_to(&mut self.timezone);
        if let Some(d) = input.dnd {
            self.dnd = d;
        }
        if let Some(v) = input.dnd_settings {
            self.dnd_settings = Some(v);
        }
        if let Some(v) = input.inbound_dnd_settings {
            self.inbound_dnd_settings = Some(v);
        }
        // Tags on create/update/upsert replace the whole set (spec, ghl-api.md §2.3).
        if let Some(t) = input.tags {
            self.tags = t;
        }
        // Custom fields are merged per field: fields not sent keep their values.
        for (id, value) in input.custom_fields {
            self.custom_fields.retain(|(fid, _)| *fid != id);
            if let Some(v) = value {
                self.custom_fields.push((id, v));
            }
        }
        input.source.apply_to(&mut self.source);
        input.date_of_birth.apply_to(&mut self.date_of_birth);
        input.country.apply_to(&mut self.country);
        input.company_name.apply_to(&mut self.company_name);
        input.assigned_to.apply_to(&mut self.assigned_to);
    }

    /// The full name, from `name` or from first and last names.
    pub(crate) fn full_name(&self) -> Option<String> {
        if let Some(n) = self.name.as_ref().filter(|n| !n.is_empty()) {
            return Some(n.clone());
        }
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}
