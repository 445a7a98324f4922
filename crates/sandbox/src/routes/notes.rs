//! Notes of a contact: create (201 `{note}`) and update (`{note}`), with the spec's `NotesDTO`
//! and `UpdateNoteDTO` whitelists. The list (oldest first), get and delete are
//! [`super::children`]'s.

use super::call::Call;
use super::children::{insert, modify, put, Child};
use crate::dto::Dto;
use crate::store::{Location, Note};
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use serde_json::Value;
use std::collections::HashMap;

const FIELDS: &[&str] = &["userId", "body", "title", "color", "pinned"];

impl Child for Note {
    const NAME: &'static str = "Note";
    const ONE: &'static str = "note";
    const MANY: &'static str = "notes";

    fn id(&self) -> &str {
        &self.id
    }
    fn json(&self) -> Value {
        Note::json(self)
    }
    fn of(loc: &Location) -> &HashMap<String, Vec<Self>> {
        &loc.notes
    }
    fn of_mut(loc: &mut Location) -> &mut HashMap<String, Vec<Self>> {
        &mut loc.notes
    }
    fn touch(&mut self, now: i64) {
        self.date_updated = now;
    }
}

pub(super) async fn create(call: Call, Path(id): Path<String>, body: Bytes) -> Response {
    call.answer(|st, ctx| {
        let mut dto = Dto::new(&body, FIELDS)?;
        let text = dto.required_string("body");
        let user_id = dto.string("userId", false).as_set().cloned();
        let title = dto.string("title", false).as_set().cloned();
        let color = dto.string("color", false).as_set().cloned();
        let pinned = dto.bool("pinned").unwrap_or(false);
        dto.finish()?;
        insert(st, ctx, id.clone(), |new_id, now| Note {
            id: new_id,
            body: text.unwrap_or_default(),
            user_id,
            title,
            color,
            pinned,
            date_added: now,
            date_updated: now,
            contact_id: id.clone(),
        })
    })
}

/// `PUT`: every field optional; a field sent replaces the stored one (no nulls: the DTO has
/// none nullable).
pub(super) async fn update(
    call: Call,
    Path((contact, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    call.answer(|st, ctx| {
        let mut dto = Dto::new(&body, FIELDS)?;
        let text = dto.string("body", false).as_set().cloned();
        let user_id = dto.string("userId", false).as_set().cloned();
        let title = dto.string("title", false).as_set().cloned();
        let color = dto.string("color", false).as_set().cloned();
        let pinned = dto.bool("pinned");
        dto.finish()?;
        modify(st, ctx, &contact, &id, |note: &mut Note| {
            put(&mut note.body, text);
            put(&mut note.user_id, user_id.map(Some));
            put(&mut note.title, title.map(Some));
            put(&mut note.color, color.map(Some));
            put(&mut note.pinned, pinned);
        })
    })
}
