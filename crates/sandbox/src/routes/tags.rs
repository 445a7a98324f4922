//! Tag routes: per contact (`POST` adds → 201, `DELETE` removes → 200; both answer the contact's
//! full resulting tag set, which the spec leaves open) and the bulk
//! `POST /contacts/bulk/tags/update/{add|remove}` with one result per contact id.

use super::call::Call;
use super::Ctx;
use crate::dto::Dto;
use crate::error::ApiError;
use crate::normalise;
use crate::ops;
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

fn read_tags(body: &[u8]) -> Result<Vec<String>, ApiError> {
    let mut dto = Dto::new(body, &["tags"])?;
    let tags = dto.string_array("tags", true);
    dto.finish()?;
    Ok(normalise::tags(tags.unwrap_or_default()))
}

/// Adds the `given` tags a contact lacks (at the end, in order) or removes them.
fn apply(tags: &mut Vec<String>, given: &[String], add: bool) {
    if add {
        for t in given {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
    } else {
        tags.retain(|t| !given.contains(t));
    }
}

fn change(
    st: &AppState,
    ctx: &Ctx,
    id: &str,
    body: &[u8],
    add: bool,
) -> Result<Vec<String>, ApiError> {
    let tags = read_tags(body)?;
    let mut store = st.write();
    ops::owned(&store, &ctx.location, id)?;
    let now = normalise::now_ms();
    let loc = store
        .locations
        .get_mut(&ctx.location)
        .ok_or_else(crate::error::wrong_location)?;
    let mut result = Vec::new();
    loc.update(id, |c| {
        apply(&mut c.tags, &tags, add);
        c.date_updated = now;
        result = c.tags.clone();
    });
    Ok(result)
}

pub(super) async fn add(call: Call, Path(id): Path<String>, body: Bytes) -> Response {
    call.answer(|st, ctx| {
        change(st, ctx, &id, &body, true).map(|t| (StatusCode::CREATED, json!({ "tags": t })))
    })
}

pub(super) async fn remove(call: Call, Path(id): Path<String>, body: Bytes) -> Response {
    call.answer(|st, ctx| {
        change(st, ctx, &id, &body, false).map(|t| (StatusCode::OK, json!({ "tags": t })))
    })
}

fn is_firebase_id(id: &str) -> bool {
    id.len() == 20 && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The bulk route. The largest accepted batch is `bulk_tags_max` (the real cap is undocumented,
/// I#315); a larger batch is a 422 in class-validator's `ArrayMaxSize` wording.
pub(super) async fn bulk(call: Call, Path(kind): Path<String>, body: Bytes) -> Response {
    call.answer(|st, ctx| {
        let add = match kind.as_str() {
            "add" => true,
            "remove" => false,
            _ => {
                return Err(ApiError::Unprocessable(vec![
                    "type must be one of the following values: add, remove".into(),
                ]))
            }
        };
        let mut dto = Dto::new(&body, &["contacts", "tags", "locationId", "removeAllTags"])?;
        let contacts = dto.string_array("contacts", true).unwrap_or_default();
        let tags = normalise::tags(dto.string_array("tags", true).unwrap_or_default());
        let location = dto.required_string("locationId");
        let remove_all = dto.bool("removeAllTags").unwrap_or(false);
        if contacts.len() > st.bulk_tags_max {
            dto.error(format!(
                "contacts must contain no more than {} elements",
                st.bulk_tags_max
            ));
        }
        dto.finish()?;
        if remove_all && add {
            return Err(ApiError::BadRequest(
                "removeAllTags is only valid with type remove".into(),
            ));
        }
        let location = location.unwrap_or_default();
        ctx.check_location(&location)?;
        let now = normalise::now_ms();
        let mut store = st.write();
        let mut responses = Vec::with_capacity(contacts.len());
        for id in contacts {
            let error = if !is_firebase_id(&id) {
                Some("contact id is not a valid firebase id")
            } else if store
                .locations
                .get(&location)
                .is_some_and(|l| l.deleted.contains(&id))
            {
                Some("contact is deleted")
            } else if !store
                .locations
                .get(&location)
                .is_some_and(|l| l.contacts.contains_key(&id))
            {
                Some("contact does not belong to location")
            } else {
                None
            };
            if let Some(message) = error {
                responses.push(json!({"contactId": id, "message": message, "type": "error"}));
                continue;
            }
            let Some(loc) = store.locations.get_mut(&location) else {
                continue;
            };
            let mut entry = Value::Null;
            loc.update(&id, |c| {
                let old = c.tags.clone();
                // `removeAllTags` goes only with `remove` (checked above).
                if remove_all {
                    c.tags.clear();
                } else {
                    apply(&mut c.tags, &tags, add);
                }
                let added: Vec<&String> = c.tags.iter().filter(|t| !old.contains(t)).collect();
                let removed: Vec<&String> = old.iter().filter(|t| !c.tags.contains(t)).collect();
                if !added.is_empty() || !removed.is_empty() {
                    c.date_updated = now;
                }
                entry = json!({
                    "contactId": id, "message": "Tags updated", "type": "success",
                    "oldTags": old, "tagsAdded": added, "tagsRemoved": removed,
                });
            });
            responses.push(entry);
        }
        let error_count = responses.iter().filter(|r| r["type"] == "error").count();
        Ok((
            StatusCode::CREATED,
            json!({ "succeded": error_count == 0, "errorCount": error_count, "responses": responses }),
        ))
    })
}
