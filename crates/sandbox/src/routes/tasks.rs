//! Tasks of a contact: create (201 `{task}`), update (`{task}`) and `PUT …/completed`
//! `{completed}`, with the spec's `CreateTaskParams`, `UpdateTaskBody` and
//! `UpdateTaskStatusParams` whitelists. The list, get and delete are [`super::children`]'s.

use super::call::Call;
use super::children::{insert, modify, put, Child};
use crate::dto::Dto;
use crate::normalise;
use crate::store::{Location, Task};
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use serde_json::Value;
use std::collections::HashMap;

const FIELDS: &[&str] = &["title", "body", "dueDate", "completed", "assignedTo"];

impl Child for Task {
    const NAME: &'static str = "Task";
    const ONE: &'static str = "task";
    const MANY: &'static str = "tasks";

    fn id(&self) -> &str {
        &self.id
    }
    fn json(&self) -> Value {
        Task::json(self)
    }
    fn of(loc: &Location) -> &HashMap<String, Vec<Self>> {
        &loc.tasks
    }
    fn of_mut(loc: &mut Location) -> &mut HashMap<String, Vec<Self>> {
        &mut loc.tasks
    }
    fn touch(&mut self, now: i64) {
        self.date_updated = now;
    }
}

/// Reads an optional `dueDate`, recording the class-validator message if it is not ISO 8601.
fn due_date(dto: &mut Dto, required: bool) -> Option<String> {
    let due = if required {
        dto.required_string("dueDate")
    } else {
        dto.string("dueDate", false).as_set().cloned()
    };
    if let Some(d) = &due {
        if normalise::parse_instant(&Value::String(d.clone())).is_none() {
            dto.error("dueDate must be a valid ISO 8601 date string");
        }
    }
    due
}

pub(super) async fn create(call: Call, Path(id): Path<String>, body: Bytes) -> Response {
    call.answer(|st, ctx| {
        let mut dto = Dto::new(&body, FIELDS)?;
        let title = dto.required_string("title");
        let due = due_date(&mut dto, true);
        let completed = dto.required_bool("completed");
        let text = dto.string("body", false).as_set().cloned();
        let assigned_to = dto.string("assignedTo", false).as_set().cloned();
        dto.finish()?;
        insert(st, ctx, id.clone(), |new_id, now| Task {
            id: new_id,
            title: title.unwrap_or_default(),
            body: text,
            assigned_to,
            due_date: due.unwrap_or_default(),
            completed: completed.unwrap_or(false),
            contact_id: id.clone(),
            date_added: now,
            date_updated: now,
        })
    })
}

/// `PUT`: every field optional; a field sent replaces the stored one.
pub(super) async fn update(
    call: Call,
    Path((contact, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    call.answer(|st, ctx| {
        let mut dto = Dto::new(&body, FIELDS)?;
        let title = dto.string("title", false).as_set().cloned();
        if title.as_deref() == Some("") {
            dto.error("title should not be empty");
        }
        let due = due_date(&mut dto, false);
        let completed = dto.bool("completed");
        let text = dto.string("body", false).as_set().cloned();
        let assigned_to = dto.string("assignedTo", false).as_set().cloned();
        dto.finish()?;
        modify(st, ctx, &contact, &id, |task: &mut Task| {
            put(&mut task.title, title);
            put(&mut task.due_date, due);
            put(&mut task.completed, completed);
            put(&mut task.body, text.map(Some));
            put(&mut task.assigned_to, assigned_to.map(Some));
        })
    })
}

/// `PUT …/completed` `{completed: bool}` (required).
pub(super) async fn completed(
    call: Call,
    Path((contact, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    call.answer(|st, ctx| {
        let mut dto = Dto::new(&body, &["completed"])?;
        let completed = dto.required_bool("completed");
        dto.finish()?;
        modify(st, ctx, &contact, &id, |task: &mut Task| {
            task.completed = completed.unwrap_or(task.completed);
        })
    })
}
