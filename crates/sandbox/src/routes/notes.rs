//! Notes of a contact: list (`{notes}`, no paging, oldest first), create (201 `{note}`), and by
//! id get / update (`{note}`) / delete (`{succeded}`), with the spec's `NotesDTO` and
//! `UpdateNoteDTO` whitelists. A note id that is unknown, or belongs to another contact, is a
//! 400 like an unknown contact (the spec lists no 404; the wording is ours).

use super::{ApiResult, Ctx};
use crate::dto::Dto;
use crate::error::ApiError;
use crate::normalise;
use crate::ops;
use crate::server::AppState;
use crate::store::{Location, Note};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};
use std::sync::Arc;

const FIELDS: &[&str] = &["userId", "body", "title", "color", "pinned"];

fn not_found(id: &str) -> ApiError {
    ApiError::BadRequest(format!("Note with id {id} not found"))
}

fn find_mut<'a>(loc: &'a mut Location, contact: &str, id: &str) -> Result<&'a mut Note, ApiError> {
    loc.notes
        .get_mut(contact)
        .and_then(|ns| ns.iter_mut().find(|n| n.id == id))
        .ok_or_else(|| not_found(id))
}

pub(super) async fn list(
    State(st): State<Arc<AppState>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let r = (|| -> ApiResult {
        let store = st.read();
        ops::owned(&store, &ctx.location, &id)?;
        let notes = store
            .locations
            .get(&ctx.location)
            .and_then(|l| l.notes.get(&id));
        let list: Vec<Value> = notes.into_iter().flatten().map(Note::json).collect();
        Ok((StatusCode::OK, json!({ "notes": list })))
    })();
    ctx.reply(r)
}

pub(super) async fn create(
    State(st): State<Arc<AppState>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let r = (|| -> ApiResult {
        let mut dto = Dto::new(&body, FIELDS)?;
        let text = dto.required_string("body");
        let user_id = dto.string("userId", false).as_set().cloned();
        let title = dto.string("title", false).as_set().cloned();
        let color = dto.string("color", false).as_set().cloned();
        let pinned = dto.bool("pinned").unwrap_or(false);
        dto.finish()?;
        let mut store = st.write();
        ops::owned(&store, &ctx.location, &id)?;
        let now = normalise::now_ms();
        let note = Note {
            id: store.new_id(),
            body: text.unwrap_or_default(),
            user_id,
            title,
            color,
            pinned,
            date_added: now,
            date_updated: now,
            contact_id: id.clone(),
        };
        let body = json!({ "note": note.json() });
        if let Some(loc) = store.locations.get_mut(&ctx.location) {
            loc.notes.entry(id).or_default().push(note);
        }
        Ok((StatusCode::CREATED, body))
    })();
    ctx.reply(r)
}

pub(super) async fn get(
    State(st): State<Arc<AppState>>,
    Extension(ctx): Extension<Ctx>,
    Path((contact, id)): Path<(String, String)>,
) -> Response {
    let r = (|| -> ApiResult {
        let store = st.read();
        ops::owned(&store, &ctx.location, &contact)?;
        let note = store
            .locations
            .get(&ctx.location)
            .and_then(|l| l.notes.get(&contact))
            .and_then(|ns| ns.iter().find(|n| n.id == id))
            .ok_or_else(|| not_found(&id))?;
        Ok((StatusCode::OK, json!({ "note": note.json() })))
    })();
    ctx.reply(r)
}

/// `PUT`: every field optional; a field sent replaces the stored one (no nulls: the DTO has
/// none nullable).
pub(super) async fn update(
    State(st): State<Arc<AppState>>,
    Extension(ctx): Extension<Ctx>,
    Path((contact, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let r = (|| -> ApiResult {
        let mut dto = Dto::new(&body, FIELDS)?;
        let text = dto.string("body", false).as_set().cloned();
        let user_id = dto.string("userId", false).as_set().cloned();
        let title = dto.string("title", false).as_set().cloned();
        let color = dto.string("color", false).as_set().cloned();
        let pinned = dto.bool("pinned");
        dto.finish()?;
        let mut store = st.write();
        let loc = ctx.contact_location_mut(&mut store, &contact)?;
        let note = find_mut(loc, &contact, &id)?;
        if let Some(t) = text {
            note.body = t;
        }
        if user_id.is_some() {
            note.user_id = user_id;
        }
        if title.is_some() {
            note.title = title;
        }
        if color.is_some() {
            note.color = color;
        }
        if let Some(p) = pinned {
            note.pinned = p;
        }
        note.date_updated = normalise::now_ms();
        Ok((StatusCode::OK, json!({ "note": note.json() })))
    })();
    ctx.reply(r)
}

pub(super) async fn delete(
    State(st): State<Arc<AppState>>,
    Extension(ctx): Extension<Ctx>,
    Path((contact, id)): Path<(String, String)>,
) -> Response {
    let r = (|| -> ApiResult {
        let mut store = st.write();
        let loc = ctx.contact_location_mut(&mut store, &contact)?;
        find_mut(loc, &contact, &id)?;
        if let Some(ns) = loc.notes.get_mut(&contact) {
            ns.retain(|n| n.id != id);
            if ns.is_empty() {
                loc.notes.remove(&contact);
            }
        }
        Ok((StatusCode::OK, json!({ "succeded": true })))
    })();
    ctx.reply(r)
}
