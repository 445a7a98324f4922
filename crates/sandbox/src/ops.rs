//! Contact writes independent of HTTP: create, upsert and update with HighLevel's duplicate
//! rules (ghl-api.md §2.2–2.4, §3.2). Handlers, fixtures and `Handle::insert_contact` all go
//! through here so the rules live in one place.

use crate::config::MatchField;
use crate::contact::{Contact, ContactDto, ContactInput, LocationCtx};
use crate::dto::{Dto, Patch};
use crate::error::{contact_not_found, wrong_location, ApiError};
use crate::normalise;
use crate::store::{Location, Store};
use serde_json::{Map, Value};

/// Validates a contact body for `kind` in `location`; checks `locationId` when the DTO has one.
fn read_input(
    store: &Store,
    location: &str,
    body: Map<String, Value>,
    kind: ContactDto,
    extra: &[&str],
) -> Result<(ContactInput, Map<String, Value>), ApiError> {
    let loc = store.locations.get(location).ok_or_else(wrong_location)?;
    let mut allowed = kind.allowed();
    allowed.extend_from_slice(extra);
    let raw = body.clone();
    let mut dto = Dto::from_map(body, &allowed);
    let input = ContactInput::read(
        &mut dto,
        kind,
        &LocationCtx {
            country: &loc.settings.country,
            custom_fields: &loc.custom_fields,
        },
    );
    let body_location = if kind == ContactDto::Update {
        None
    } else {
        dto.required_string("locationId")
    };
    dto.finish()?;
    if body_location.is_some_and(|l| l != location) {
        return Err(wrong_location());
    }
    Ok((input, raw))
}

fn duplicate(loc: &Location, input: &ContactInput, except: Option<&str>) -> Option<ApiError> {
    if loc.settings.allow_duplicate_contact {
        return None;
    }
    let (c, field) = loc.find_match(
        input.email.as_set().map(String::as_str),
        input.phone.as_set().map(String::as_str),
        except,
    )?;
    Some(ApiError::Duplicate {
        contact_id: c.id.clone(),
        contact_name: c.full_name().unwrap_or_default(),
        matching_field: field.as_str(),
    })
}

fn new_contact(store: &mut Store, location: &str, input: ContactInput, now: i64) -> Contact {
    let mut c = Contact {
        id: store.new_id(),
        location_id: location.to_string(),
        date_added: now,
        date_updated: now,
        ..Contact::default()
    };
    c.apply(input, false, None);
    c
}

/// `POST /contacts/`: 201 body's contact, or the error answer.
pub(crate) fn create(
    store: &mut Store,
    location: &str,
    body: Map<String, Value>,
) -> Result<Contact, ApiError> {
    let (input, _) = read_input(store, location, body, ContactDto::Create, &[])?;
    insert_new(store, location, input, None)
}

fn insert_new(
    store: &mut Store,
    location: &str,
    input: ContactInput,
    dates: Option<(String, i64, i64)>,
) -> Result<Contact, ApiError> {
    if !input.has_identity() {
        return Err(ApiError::UnprocessableText(
            "Contacts without email, phone, firstName and lastName are not allowed.".into(),
        ));
    }
    let loc = store.locations.get(location).ok_or_else(wrong_location)?;
    if let Some(e) = duplicate(loc, &input, None) {
        return Err(e);
    }
    let now = normalise::now_ms();
    let mut c = new_contact(store, location, input, now);
    if let Some((id, added, updated)) = dates {
        c.id = id;
        c.date_added = added;
        c.date_updated = updated;
    }
    let loc = store
        .locations
        .get_mut(location)
        .ok_or_else(wrong_location)?;
    loc.insert(c.clone());
    Ok(c)
}

/// A fixture or programmatic contact: a create body that may also carry `id`, `dateAdded` and
/// `dateUpdated` (ISO or epoch ms); `locationId` defaults to `location`.
pub(crate) fn preload(
    store: &mut Store,
    location: &str,
    mut body: Map<String, Value>,
) -> Result<Contact, ApiError> {
    body.entry("locationId")
        .or_insert_with(|| Value::String(location.to_string()));
    let (input, raw) = read_input(
        store,
        location,
        body,
        ContactDto::Create,
        &["id", "dateAdded", "dateUpdated"],
    )?;
    let now = normalise::now_ms();
    let added = raw
        .get("dateAdded")
        .and_then(normalise::parse_instant)
        .unwrap_or(now);
    let updated = raw
        .get("dateUpdated")
        .and_then(normalise::parse_instant)
        .unwrap_or(added);
    let id = match raw.get("id").and_then(Value::as_str) {
        Some(id) if store.location_of(id).is_some() => {
            return Err(ApiError::BadRequest(format!(
                "contact id {id} already exists"
            )))
        }
        Some(id) => id.to_string(),
        None => store.new_id(),
    };
    insert_new(store, location, input, Some((id, added, updated)))
}

/// `POST /contacts/upsert`: `(new, contact)`.
pub(crate) fn upsert(
    store: &mut Store,
    location: &str,
    body: Map<String, Value>,
) -> Result<(bool, Contact), ApiError> {
    let (input, _) = read_input(store, location, body, ContactDto::Upsert, &[])?;
    let email = input.email.as_set().cloned();
    let phone = input.phone.as_set().cloned();
    if email.is_none() && phone.is_none() {
        return Err(ApiError::BadRequest(
            "Pass at least one of number, email query parameter".into(),
        ));
    }
    let loc = store.locations.get(location).ok_or_else(wrong_location)?;
    if input.create_new_if_duplicate_allowed && loc.settings.allow_duplicate_contact {
        return insert_new(store, location, input, None).map(|c| (true, c));
    }
    // The first field of the match order that finds a contact picks the target; a later field
    // that points at a *different* contact is not written, so no duplicate appears (spec; I#37).
    let mut target: Option<String> = None;
    let mut skip: Option<MatchField> = None;
    for field in loc.settings.match_order.clone() {
        let value = match field {
            MatchField::Email => email.as_deref(),
            MatchField::Phone => phone.as_deref(),
        };
        let Some(found) = value.and_then(|v| loc.find_by(field, v, None)) else {
            continue;
        };
        match &target {
            None => target = Some(found.id.clone()),
            Some(t) if *t != found.id => skip = Some(field),
            Some(_) => {}
        }
    }
    let Some(id) = target else {
        return insert_new(store, location, input, None).map(|c| (true, c));
    };
    let now = normalise::now_ms();
    let loc = store
        .locations
        .get_mut(location)
        .ok_or_else(wrong_location)?;
    loc.update(&id, |c| {
        c.apply(input, true, skip);
        c.date_updated = now;
    });
    let c = loc
        .contacts
        .get(&id)
        .cloned()
        .ok_or_else(|| contact_not_found(&id))?;
    Ok((false, c))
}

/// The location-checked contact `id` for a token of `location`: 400 if unknown, 403 if it
/// belongs to another location.
pub(crate) fn owned<'a>(
    store: &'a Store,
    location: &str,
    id: &str,
) -> Result<&'a Contact, ApiError> {
    if let Some(c) = store
        .locations
        .get(location)
        .and_then(|l| l.contacts.get(id))
    {
        return Ok(c);
    }
    match store.location_of(id) {
        Some(_) => Err(wrong_location()),
        None => Err(contact_not_found(id)),
    }
}

/// `PUT /contacts/{id}`.
pub(crate) fn update(
    store: &mut Store,
    location: &str,
    id: &str,
    body: Map<String, Value>,
) -> Result<Contact, ApiError> {
    owned(store, location, id)?;
    let (input, _) = read_input(store, location, body, ContactDto::Update, &[])?;
    let loc = store
        .locations
        .get_mut(location)
        .ok_or_else(wrong_location)?;
    // Only the fields being changed can create a duplicate.
    let probe = ContactInput {
        email: if matches!(input.email, Patch::Set(_)) {
            input.email.clone()
        } else {
            Patch::Absent
        },
        phone: if matches!(input.phone, Patch::Set(_)) {
            input.phone.clone()
        } else {
            Patch::Absent
        },
        ..ContactInput::default()
    };
    if let Some(e) = duplicate(loc, &probe, Some(id)) {
        return Err(e);
    }
    let now = normalise::now_ms();
    loc.update(id, |c| {
        c.apply(input, true, None);
        c.date_updated = now;
    });
    loc.contacts
        .get(id)
        .cloned()
        .ok_or_else(|| contact_not_found(id))
}
