//! Notes and tasks of a contact: `GET` lists (`{notes}`, `{tasks}`, no paging), `POST` creates
//! (201 `{note}`, `{task}`), with the spec's `NotesDTO` and `CreateTaskParams` whitelists.

use super::{ApiResult, Ctx};
use crate::dto::Dto;
use crate::normalise;
use crate::ops;
use crate::server::AppState;
use crate::store::{Note, Task};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Map, Value};
use std::sync::Arc;

fn note_json(n: &Note) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(n.id));
    m.insert("body".into(), json!(n.body));
    if let Some(u) = &n.user_id {
        m.insert("userId".into(), json!(u));
    }
    m.insert("dateAdded".into(), json!(normalise::iso_ms(n.date_added)));
    m.insert("contactId".into(), json!(n.contact_id));
    if let Some(t) = &n.title {
        m.insert("title".into(), json!(t));
    }
    if let Some(c) = &n.color {
        m.insert("color".into(), json!(c));
    }
    m.insert("pinned".into(), json!(n.pinned));
    Value::Object(m)
}

fn task_json(t: &Task) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(t.id));
    m.insert("title".into(), json!(t.title));
    if let Some(b) = &t.body {
        m.insert("body".into(), json!(b));
    }
    if let Some(a) = &t.assigned_to {
        m.insert("assignedTo".into(), json!(a));
    }
    m.insert("dueDate".into(), json!(t.due_date));
    m.insert("completed".into(), json!(t.completed));
    m.insert("contactId".into(), json!(t.contact_id));
    Value::Object(m)
}

pub(super) async fn list_notes(
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
        let list: Vec<Value> = notes.into_iter().flatten().map(note_json).collect();
        Ok((StatusCode::OK, json!({ "notes": list })))
    })();
    ctx.reply(r)
}

pub(super) async fn create_note(
    State(st): State<Arc<AppState>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let r = (|| -> ApiResult {
        let mut dto = Dto::new(&body, &["userId", "body", "title", "color", "pinned"])?;
        let text = dto.required_string("body");
        let user_id = dto.string("userId", false).as_set().cloned();
        let title = dto.string("title", false).as_set().cloned();
        let color = dto.string("color", false).as_set().cloned();
        let pinned = dto.bool("pinned").unwrap_or(false);
        dto.finish()?;
        let mut store = st.write();
        ops::owned(&store, &ctx.location, &id)?;
        let note = Note {
            id: store.new_id(),
            body: text.unwrap_or_default(),
            user_id,
            title,
            color,
            pinned,
            date_added: normalise::now_ms(),
            contact_id: id.clone(),
        };
        let body = json!({ "note": note_json(&note) });
        if let Some(loc) = store.locations.get_mut(&ctx.location) {
            loc.notes.entry(id).or_default().push(note);
        }
        Ok((StatusCode::CREATED, body))
    })();
    ctx.reply(r)
}

pub(super) async fn list_tasks(
    State(st): State<Arc<AppState>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let r = (|| -> ApiResult {
        let store = st.read();
        ops::owned(&store, &ctx.location, &id)?;
        let tasks = store
            .locations
            .get(&ctx.location)
            .and_then(|l| l.tasks.get(&id));
        let list: Vec<Value> = tasks.into_iter().flatten().map(task_json).collect();
        Ok((StatusCode::OK, json!({ "tasks": list })))
    })();
    ctx.reply(r)
}

pub(super) async fn create_task(
    State(st): State<Arc<AppState>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let r = (|| -> ApiResult {
        let mut dto = Dto::new(
            &body,
            &["title", "body", "dueDate", "completed", "assignedTo"],
        )?;
        let title = dto.required_string("title");
        let due = dto.required_string("dueDate");
        if let Some(d) = &due {
            if normalise::parse_instant(&Value::String(d.clone())).is_none() {
                dto.error("dueDate must be a valid ISO 8601 date string");
            }
        }
        let completed = dto.required_bool("completed");
        let text = dto.string("body", false).as_set().cloned();
        let assigned_to = dto.string("assignedTo", false).as_set().cloned();
        dto.finish()?;
        let mut store = st.write();
        ops::owned(&store, &ctx.location, &id)?;
        let task = Task {
            id: store.new_id(),
            title: title.unwrap_or_default(),
            body: text,
            assigned_to,
            due_date: due.unwrap_or_default(),
            completed: completed.unwrap_or(false),
            contact_id: id.clone(),
        };
        let body = json!({ "task": task_json(&task) });
        if let Some(loc) = store.locations.get_mut(&ctx.location) {
            loc.tasks.entry(id).or_default().push(task);
        }
        Ok((StatusCode::CREATED, body))
    })();
    ctx.reply(r)
}
