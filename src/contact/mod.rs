//! The contact model (the draft a mapping produces and the normalised contact the ledger stages),
//! the per-row issues, and `normalise`, which turns one into the other. Pure: no I/O.
//!
//! Blocking rules (docs/ARCHITECTURE.md, "One row", step 3): no usable identity, or an email
//! or phone that is present but invalid, rejects the row; any other bad value drops that field
//! and keeps a warning. The mapping can switch either default per field (`on_invalid`).

mod country;
mod country_table;
mod dob;
mod email;
mod fields;
mod invisible;
mod issue;
mod members;
mod model;
mod model_de;
mod phone;
mod phone_shortcut;
mod phone_us_valid;
mod postal;
mod text;
mod timezone;

pub use country::normalise_country;
pub use dob::{country_date_order, normalise_dob, normalise_dob_for, DateOrder};
pub use email::normalise_email;
pub use fields::{StdField, StdFields, FIELD_COUNT};
pub use invisible::quoted;
pub use issue::{IssueCode, Problem, RowIssue};
pub(crate) use members::{read_members, FromMembers, OwnMembers};
pub use model::{Contact, CustomValue, Draft, TaskPayload};
pub use phone::{normalise_phone, parse_phone, ParsedPhone, Region};
pub use postal::normalise_postal_code;
pub use text::{normalise_dnd, normalise_tags, normalise_website};
pub use timezone::normalise_timezone;

use std::borrow::Cow;

/// What to do with a row whose value for a field is present but invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The row is rejected: someone should fix the value.
    RejectRow,
    /// The field is left out of the payload and a warning is kept on the row.
    DropField,
}

impl Policy {
    /// The policy a field has when the mapping says nothing: email and phone identify the
    /// person, so a wrong one must be fixed rather than lost; anything else is not worth a lead.
    pub fn default_for(field: StdField) -> Policy {
        match field {
            StdField::Email | StdField::Phone => Policy::RejectRow,
            _ => Policy::DropField,
        }
    }
}

/// The validation settings of one mapping, shared by every row.
#[derive(Debug, Clone)]
pub struct Rules {
    /// The phone region used when a row has no usable country of its own.
    pub default_region: Option<Region>,
    /// How to read an ambiguous `NN/NN/YYYY` date of birth, when the mapping says
    /// (`date_order`); `None` lets each row's country settle it (see `dob`).
    pub date_order: Option<DateOrder>,
    /// Policy per standard field, indexed by `StdField as usize`.
    pub policies: [Policy; FIELD_COUNT],
    /// Today's date (`YYYY-MM-DD`): a later date of birth is refused. `None` skips the check
    /// (the pipeline always sets it; keeping the clock out of this module keeps it pure).
    pub today: Option<String>,
    /// The issue field name of each custom field (`customFields.<key>`), in the order of
    /// `Draft::custom` indices.
    pub custom_names: Vec<String>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            default_region: None,
            date_order: None,
            policies: StdField::ALL.map(Policy::default_for),
            today: None,
            custom_names: Vec::new(),
        }
    }
}

/// A normalised row: the contact, every issue found on the way, and whether it is rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalised {
    /// The clean contact (fields that failed with `drop_field` are absent).
    pub contact: Contact,
    /// Everything worth telling the user, blocking or not, in field order.
    pub issues: Vec<RowIssue>,
}

impl Normalised {
    /// The first blocking issue, if any: the reason the row is rejected.
    pub fn rejection(&self) -> Option<&RowIssue> {
        self.issues.iter().find(|i| i.blocking)
    }
}

/// Normalises and validates one draft under the mapping's rules.
pub fn normalise(draft: Draft<'_>, rules: &Rules) -> Normalised {
    let mut issues = draft.issues;
    let mut contact = Contact::default();
    let mut fields = draft.fields;
    for field in StdField::ALL {
        if let Some(raw) = fields[field as usize].take() {
            fields[field as usize] = Some(clean_field(field, raw, &mut issues));
        }
    }

    // Country first: a valid per-row country is the phone's region before the mapping default,
    // and may settle the day/month order of the date of birth.
    let mut row_region = None;
    if let Some(raw) = fields[StdField::Country as usize].take() {
        match normalise_country(&raw) {
            Ok(code) => {
                row_region = Region::from_code(code);
                contact.std.country = Some(code.to_string());
            }
            Err(p) => push(&mut issues, rules, StdField::Country, p),
        }
    }

    for field in StdField::ALL {
        let Some(raw) = fields[field as usize].take() else {
            continue;
        };
        let result = match field {
            StdField::Country => continue,
            StdField::Email => normalise_email(&raw),
            StdField::Phone => match normalise_phone(&raw, row_region.or(rules.default_region)) {
                Ok((e164, warning)) => {
                    if let Some(w) = warning {
                        issues.push(RowIssue::warning(field, w));
                    }
                    Ok(e164)
                }
                Err(p) => Err(p),
            },
            StdField::DateOfBirth if dob::is_empty_marker(&raw) => continue,
            StdField::DateOfBirth => {
                normalise_dob_for(&raw, rules.date_order, contact.std.country.as_deref()).and_then(
                    |d| match &rules.today {
                        Some(today) if d.as_str() > today.as_str() => Err(Problem::new(
                            IssueCode::DobInvalid,
                            format!("{} is in the future", quoted(raw.trim())),
                        )),
                        _ => Ok(d),
                    },
                )
            }
            StdField::PostalCode => {
                let (code, warning) = normalise_postal_code(&raw, contact.std.country.as_deref());
                if let Some(w) = warning {
                    issues.push(RowIssue::warning(field, w));
                }
                Ok(code)
            }
            StdField::Timezone => normalise_timezone(&raw).map(str::to_string),
            StdField::Website => normalise_website(&raw),
            StdField::Dnd => match normalise_dnd(&raw) {
                Ok(b) => {
                    contact.std.dnd = Some(b);
                    continue;
                }
                Err(p) => Err(p),
            },
            StdField::Gender => Ok(text::collapse_spaces(&raw).to_lowercase()),
            _ => Ok(text::collapsed(raw).into_owned()),
        };
        match result {
            Ok(v) if v.is_empty() => {}
            Ok(v) => {
                if let Some(slot) = contact.std.text_mut(field) {
                    *slot = Some(v);
                }
            }
            Err(p) => push(&mut issues, rules, field, p),
        }
    }

    // Custom fields are kept as text: their data types live in the location, which this local
    // stage does not ask; the delivery issue checks them against the location's definitions.
    for (index, value) in draft.custom {
        let name = rules
            .custom_names
            .get(index)
            .map_or("customFields", String::as_str);
        let value = without_controls(name, &value, &mut issues);
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        contact.custom_fields.push(CustomValue {
            index,
            value: value.to_string(),
        });
    }
    let tags: Vec<Cow<'_, str>> = draft
        .tags
        .iter()
        .map(|t| without_controls("tags", t, &mut issues))
        .collect();
    contact.tags = normalise_tags(tags.iter().map(|t| &**t));
    contact.notes = draft
        .notes
        .into_iter()
        .map(|n| {
            without_controls("notes", &n, &mut issues)
                .trim()
                .to_string()
        })
        .filter(|n| !n.is_empty())
        .collect();
    // Delivery's extras, already checked by the mapping; a tag both added and removed is added.
    contact.tags_remove = normalise_tags(draft.tags_remove.iter().map(|t| &**t));
    contact.tags_remove.retain(|t| !contact.tags.contains(t));
    contact.task = draft.task;
    contact.business_id = draft.business_id;
    if let Some(raw) = draft.contact_id {
        match normalise_contact_id(&raw) {
            Ok(id) => contact.id = Some(id),
            // The row asks to update one contact: sending it as another would be wrong.
            Err(p) => issues.push(RowIssue {
                field: "id".to_string(),
                code: p.code,
                message: p.message,
                blocking: true,
            }),
        }
    }

    // A contact id identifies the row by itself (it updates that contact).
    if contact.std.email.is_none()
        && contact.std.phone.is_none()
        && contact.id.is_none()
        && !issues.iter().any(|i| i.blocking)
    {
        issues.push(RowIssue {
            field: "email/phone".to_string(),
            code: IssueCode::NoIdentity,
            message: "the row has neither a valid email nor a valid phone, so it cannot be \
                      matched or upserted"
                .to_string(),
            blocking: true,
        });
    }
    Normalised { contact, issues }
}

/// A standard field's raw value with control characters removed (a warning names them) and,
/// for identities and names, zero-width and BOM characters stripped (issue 21.5).
fn clean_field<'a>(field: StdField, raw: Cow<'a, str>, issues: &mut Vec<RowIssue>) -> Cow<'a, str> {
    // A clean value (nearly every one) is moved through, not copied: a copy per field was
    // eleven allocations per row for nothing (issue 20).
    let changed = match without_controls(field.name(), &raw, issues) {
        Cow::Owned(cleaned) => Some(cleaned),
        Cow::Borrowed(_) => None,
    };
    let cleaned = changed.map_or(raw, Cow::Owned);
    let stripped = match field {
        StdField::Email | StdField::Phone => invisible::strip_zero_width(&cleaned),
        StdField::FirstName | StdField::LastName | StdField::Name | StdField::CompanyName => {
            invisible::strip_zero_width_in_name(&cleaned)
        }
        _ => return cleaned,
    };
    let changed = match stripped {
        Cow::Owned(stripped) => Some(stripped),
        Cow::Borrowed(_) => None,
    };
    changed.map_or(cleaned, Cow::Owned)
}

/// `raw` without control characters; a `control_characters` warning on `field` when it had
/// any. Never blocking: the value is still good once they are gone.
fn without_controls<'a>(
    field: &str,
    raw: &'a str,
    issues: &mut Vec<RowIssue>,
) -> std::borrow::Cow<'a, str> {
    let (cleaned, problem) = invisible::strip_controls(raw);
    if let Some(p) = problem {
        issues.push(RowIssue {
            field: field.to_string(),
            code: p.code,
            message: p.message,
            blocking: false,
        });
    }
    cleaned
}

/// A HighLevel contact id (20 letters and digits in practice; up to 64 of letters, digits, `_`
/// and `-` accepted): anything else cannot be a contact id, and would not be safe in a URL path.
pub fn normalise_contact_id(raw: &str) -> Result<String, Problem> {
    let id = raw.trim();
    let plausible = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plausible {
        Ok(id.to_string())
    } else {
        Err(Problem::new(
            IssueCode::ContactIdInvalid,
            format!(
                "\"{}\" is not a HighLevel contact id (letters and digits, such as \
                 ocQHyuzHvysMo5N5VsXc); leave the cell empty to import the row as a new contact",
                id.escape_debug()
            ),
        ))
    }
}

fn push(issues: &mut Vec<RowIssue>, rules: &Rules, field: StdField, problem: Problem) {
    let blocking = rules.policies[field as usize] == Policy::RejectRow;
    issues.push(RowIssue {
        field: field.name().to_string(),
        code: problem.code,
        message: problem.message,
        blocking,
    });
}

#[cfg(test)]
mod tests;
