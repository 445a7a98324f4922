//! What a row creates once its contact exists: its notes and its task. Neither endpoint has an
//! idempotency key, so an unknown outcome, or a row an earlier run already sent, is resolved by
//! reading the contact's notes or tasks first: nothing is ever created twice.

use crate::api::models::{Task, TaskRequest};
use crate::api::{ApiError, Client};
use crate::contact::TaskPayload;
use chrono::{DateTime, Utc};

/// What one row's follow-ups did: ids of what now exists, and the error that stopped them.
#[derive(Debug, Default)]
pub(super) struct FollowupsDone {
    pub note_ids: Vec<String>,
    pub task_id: Option<String>,
    /// (code, error) of the request that failed, if one did.
    pub error: Option<(&'static str, ApiError)>,
}

/// Creates the row's notes, then its task. `recheck`: an earlier attempt may have created
/// some of them, so the contact's lists are read first.
pub(super) async fn run(
    client: &Client,
    contact_id: &str,
    notes: &[String],
    task: Option<&TaskPayload>,
    recheck: bool,
) -> FollowupsDone {
    let mut done = FollowupsDone::default();
    if !notes.is_empty() {
        if let Err(error) = create_notes(client, contact_id, notes, recheck, &mut done).await {
            done.error = Some(("note_failed", error));
            return done;
        }
    }
    if let Some(task) = task {
        match create_task_once(client, contact_id, task, recheck).await {
            Ok(id) => done.task_id = Some(id),
            Err(error) => done.error = Some(("task_failed", error)),
        }
    }
    done
}

async fn create_notes(
    client: &Client,
    contact_id: &str,
    notes: &[String],
    recheck: bool,
    done: &mut FollowupsDone,
) -> Result<(), ApiError> {
    let existing: Vec<String> = if recheck {
        client
            .list_notes(contact_id)
            .await?
            .into_iter()
            .map(|n| n.body)
            .collect()
    } else {
        Vec::new()
    };
    for body in notes {
        if existing.iter().any(|e| e == body) {
            continue;
        }
        done.note_ids
            .push(create_note_once(client, contact_id, body).await?);
    }
    Ok(())
}

/// Creates a note, resolving an unknown outcome (timeout, cut connection, 5xx) by reading the
/// contact's notes before trying again, so a note is never created twice.
async fn create_note_once(
    client: &Client,
    contact_id: &str,
    body: &str,
) -> Result<String, ApiError> {
    let mut tries = 0;
    loop {
        tries += 1;
        match client.create_note(contact_id, body).await {
            Ok(note) => return Ok(note.id),
            Err(ApiError::InDoubt { .. }) if tries < 3 => {
                let notes = client.list_notes(contact_id).await?;
                if let Some(note) = notes.into_iter().find(|n| n.body == body) {
                    return Ok(note.id);
                }
            }
            Err(error) => return Err(error),
        }
    }
}

/// Creates the task unless the contact already has it (same title, same due instant); an
/// unknown outcome is resolved the same way before trying again.
async fn create_task_once(
    client: &Client,
    contact_id: &str,
    task: &TaskPayload,
    recheck: bool,
) -> Result<String, ApiError> {
    if recheck {
        if let Some(id) = existing_task(client, contact_id, task).await? {
            return Ok(id);
        }
    }
    let request = TaskRequest {
        title: &task.title,
        body: task.body.as_deref(),
        due_date: &task.due_date,
        completed: task.completed,
    };
    let mut tries = 0;
    loop {
        tries += 1;
        match client.create_task(contact_id, &request).await {
            Ok(created) => return Ok(created.id),
            Err(ApiError::InDoubt { .. }) if tries < 3 => {
                if let Some(id) = existing_task(client, contact_id, task).await? {
                    return Ok(id);
                }
            }
            Err(error) => return Err(error),
        }
    }
}

async fn existing_task(
    client: &Client,
    contact_id: &str,
    task: &TaskPayload,
) -> Result<Option<String>, ApiError> {
    let tasks = client.list_tasks(contact_id).await?;
    Ok(tasks.into_iter().find(|t| same_task(t, task)).map(|t| t.id))
}

/// Same title and same due instant (HighLevel may write the instant differently, e.g. with
/// milliseconds, so instants are compared, not strings).
fn same_task(existing: &Task, wanted: &TaskPayload) -> bool {
    let instant = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    existing.title.trim() == wanted.title.trim()
        && existing.due_date.as_deref().is_some_and(|due| {
            due == wanted.due_date
                || instant(due).is_some_and(|d| Some(d) == instant(&wanted.due_date))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_match_by_title_and_instant() {
        let wanted = TaskPayload {
            title: "Call back".into(),
            body: None,
            due_date: "2026-12-01T12:00:00Z".into(),
            completed: false,
        };
        let existing = |title: &str, due: &str| Task {
            id: "t".into(),
            title: title.into(),
            due_date: Some(due.into()),
            ..Task::default()
        };
        assert!(same_task(
            &existing("Call back", "2026-12-01T12:00:00.000Z"),
            &wanted
        ));
        assert!(same_task(
            &existing("Call back ", "2026-12-01T13:00:00+01:00"),
            &wanted
        ));
        assert!(!same_task(
            &existing("Call back", "2026-12-02T12:00:00Z"),
            &wanted
        ));
        assert!(!same_task(
            &existing("Send quote", "2026-12-01T12:00:00Z"),
            &wanted
        ));
    }
}
