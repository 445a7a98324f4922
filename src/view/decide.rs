//! Pure: one staged row against the contacts its email and phone match in the location, and
//! the verdict that follows (`create`, `update` with only what differs, `unchanged`, or
//! `conflict`). No I/O; delivery asks the same questions again when a create meets a contact
//! the view could not see yet (search lag).

use crate::api::models::{Contact, ContactFields, CustomFieldInput};
use crate::contact::{StdField, StdFields};
use crate::delivery::honest::same_value;
use crate::delivery::plan::RowPlan;
use crate::ledger::{Action, Change, Decision};

/// The verdict for a row whose identities matched `by_email` and `by_phone` (the same contact
/// twice when both point at one).
pub fn decide(plan: &RowPlan, by_email: Option<&Contact>, by_phone: Option<&Contact>) -> Decision {
    let mut decision = Decision {
        row: plan.row,
        action: Action::Create,
        contact_id: None,
        others: Vec::new(),
        date_updated: None,
        changes: Vec::new(),
        reason: None,
    };
    let contact = match (by_email, by_phone) {
        (None, None) => {
            decision.changes = creation(plan);
            return decision;
        }
        (Some(e), Some(p)) if e.id != p.id => {
            decision.action = Action::Conflict;
            decision.contact_id = Some(e.id.clone());
            decision.others = vec![e.id.clone(), p.id.clone()];
            decision.reason = Some(format!(
                "the email {} belongs to contact {} and the phone {} to \
                 contact {}; one row cannot be both, and an upsert would overwrite one of them",
                text(&plan.fields.std, StdField::Email),
                describe(e),
                text(&plan.fields.std, StdField::Phone),
                describe(p),
            ));
            return decision;
        }
        (Some(c), _) | (None, Some(c)) => c,
    };
    decision.contact_id = Some(contact.id.clone());
    decision.date_updated = contact.date_updated.clone();
    if let Some(reason) = other_identity_clash(plan, by_email.is_some(), contact) {
        decision.action = Action::Conflict;
        decision.others = vec![contact.id.clone()];
        decision.reason = Some(reason);
        return decision;
    }
    decision.changes = changes(plan, contact);
    decision.action = if decision.changes.is_empty() {
        Action::Unchanged
    } else {
        Action::Update
    };
    decision
}

/// A row matched by one identity whose other identity is set on both sides and differs: the
/// row is someone else (Anna with Owen's phone), and writing it would rename Owen.
fn other_identity_clash(
    plan: &RowPlan,
    matched_by_email: bool,
    contact: &Contact,
) -> Option<String> {
    let (matched, other) = if matched_by_email {
        (StdField::Email, StdField::Phone)
    } else {
        (StdField::Phone, StdField::Email)
    };
    let ours = plan
        .fields
        .std
        .get(other)
        .filter(|v| !v.trim().is_empty())?;
    let theirs = contact.std.get(other).filter(|v| !v.trim().is_empty())?;
    if same(other, ours, theirs) {
        return None;
    }
    Some(format!(
        "the {} {} belongs to contact {}, whose {} is {} (the row has {}); \
         importing would overwrite that contact",
        matched.name(),
        text(&plan.fields.std, matched),
        describe(contact),
        other.name(),
        theirs,
        ours,
    ))
}

/// "id (First Last, email)" for a message the user reads.
pub fn describe(contact: &Contact) -> String {
    let name = display_name(contact);
    match contact.std.email.as_deref().filter(|e| !e.is_empty()) {
        Some(email) => format!("{} ({name}, {email})", contact.id),
        None => format!("{} ({name})", contact.id),
    }
}

/// The contact's name as the user knows it.
pub fn display_name(contact: &Contact) -> String {
    let std = &contact.std;
    let joined = [std.first_name.as_deref(), std.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if !joined.is_empty() {
        return joined;
    }
    std.name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "no name".into())
}

fn text(fields: &StdFields, field: StdField) -> &str {
    fields.get(field).unwrap_or_default()
}

/// Whether the server's value of a text field already is the row's.
fn same(field: StdField, ours: &str, theirs: &str) -> bool {
    let (ours, theirs) = (ours.trim(), theirs.trim());
    match field {
        StdField::Email | StdField::Country => ours.eq_ignore_ascii_case(theirs),
        // Read back as `YYYY-MM-DD` or as an instant at midnight.
        StdField::DateOfBirth => !ours.is_empty() && theirs.starts_with(ours),
        _ => ours == theirs,
    }
}

/// The server's value for a field, as the row's comparison needs it.
fn server_text(contact: &Contact, field: StdField) -> String {
    match field {
        // Search leaves `name` out; HighLevel derives it from the first and last names.
        StdField::Name => contact
            .std
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| {
                [
                    contact.std.first_name.as_deref(),
                    contact.std.last_name.as_deref(),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
            }),
        _ => contact.std.get(field).unwrap_or_default().to_string(),
    }
}

/// What a new contact gets: every field the row sets.
fn creation(plan: &RowPlan) -> Vec<Change> {
    let mut out = Vec::new();
    for field in StdField::ALL {
        let after = match field {
            StdField::Dnd => plan.fields.std.dnd.map(|d| d.to_string()),
            _ => plan.fields.std.get(field).map(str::to_string),
        };
        if let Some(after) = after {
            out.push(change(field.name(), String::new(), after));
        }
    }
    for custom in plan.fields.custom_fields.iter().flatten() {
        out.push(change(
            &format!("customFields.{}", custom.id),
            String::new(),
            value_text(&custom.field_value),
        ));
    }
    if !plan.tags.is_empty() {
        out.push(change("tags", String::new(), plan.tags.join(", ")));
    }
    out
}

fn change(field: &str, before: String, after: String) -> Change {
    Change {
        field: field.to_string(),
        before,
        after,
    }
}

fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Every standard field the row sets that the contact holds otherwise. `gender` is left out:
/// HighLevel accepts it on an existing contact and drops it (I#313), so it would differ forever.
fn differing_fields(plan: &RowPlan, contact: &Contact) -> Vec<StdField> {
    StdField::ALL
        .into_iter()
        .filter(|&field| match field {
            StdField::Gender => false,
            // A contact without `dnd` is not marked do-not-disturb.
            StdField::Dnd => plan
                .fields
                .std
                .dnd
                .is_some_and(|d| d != contact.std.dnd.unwrap_or(false)),
            _ => plan
                .fields
                .std
                .get(field)
                .is_some_and(|ours| !same(field, ours, &server_text(contact, field))),
        })
        .collect()
}

/// The row's custom field values the contact does not hold.
fn differing_custom(plan: &RowPlan, contact: &Contact) -> Vec<CustomFieldInput> {
    plan.fields
        .custom_fields
        .iter()
        .flatten()
        .filter(|f| {
            !contact
                .custom_fields
                .iter()
                .any(|c| c.id == f.id && same_value(&f.field_value, &c.value))
        })
        .cloned()
        .collect()
}

/// The row's tags the contact lacks (tags are only ever added).
pub fn missing_tags(plan: &RowPlan, contact: &Contact) -> Vec<String> {
    plan.tags
        .iter()
        .filter(|t| !contact.tags.iter().any(|c| c.eq_ignore_ascii_case(t)))
        .cloned()
        .collect()
}

/// The tags the row lists for removal that the contact has.
fn present_removals(plan: &RowPlan, contact: &Contact) -> Vec<String> {
    contact
        .tags
        .iter()
        .filter(|t| plan.tags_remove.iter().any(|r| r.eq_ignore_ascii_case(t)))
        .cloned()
        .collect()
}

/// The body of an update: only the fields and custom fields that differ, never tags.
pub fn update_body(plan: &RowPlan, contact: &Contact) -> ContactFields {
    let mut std = StdFields::default();
    for field in differing_fields(plan, contact) {
        match field {
            StdField::Dnd => std.dnd = plan.fields.std.dnd,
            _ => {
                if let Some(slot) = std.text_mut(field) {
                    *slot = plan.fields.std.get(field).map(str::to_string);
                }
            }
        }
    }
    let custom = differing_custom(plan, contact);
    ContactFields {
        std,
        tags: None,
        custom_fields: (!custom.is_empty()).then_some(custom),
    }
}

/// What the row changes on the contact; empty when the contact already holds it all.
pub fn changes(plan: &RowPlan, contact: &Contact) -> Vec<Change> {
    let mut out = Vec::new();
    for field in differing_fields(plan, contact) {
        let (before, after) = match field {
            StdField::Dnd => (
                contact.std.dnd.unwrap_or(false).to_string(),
                plan.fields.std.dnd.unwrap_or(false).to_string(),
            ),
            _ => (
                server_text(contact, field),
                text(&plan.fields.std, field).to_string(),
            ),
        };
        out.push(change(field.name(), before, after));
    }
    for custom in differing_custom(plan, contact) {
        let before = contact
            .custom_fields
            .iter()
            .find(|c| c.id == custom.id)
            .map(|c| value_text(&c.value))
            .unwrap_or_default();
        out.push(change(
            &format!("customFields.{}", custom.id),
            before,
            value_text(&custom.field_value),
        ));
    }
    let missing = missing_tags(plan, contact);
    let removals = present_removals(plan, contact);
    if !missing.is_empty() || !removals.is_empty() {
        let after = missing
            .iter()
            .map(|t| format!("+{t}"))
            .chain(removals.iter().map(|t| format!("-{t}")))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(change("tags", contact.tags.join(", "), after));
    }
    if let Some(business) = &plan.business_id {
        if contact.business_id.as_deref() != Some(business.as_str()) {
            out.push(change(
                "businessId",
                contact.business_id.clone().unwrap_or_default(),
                business.clone(),
            ));
        }
    }
    out
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
