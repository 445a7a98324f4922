//! What a row makes once its contact exists: its notes and its task, never twice, across runs
//! as within one (`followup_keys` says what each is known by). For each, in order of cost:
//!
//! 1. known (the state store's memory, or an earlier attempt of this run, for this contact):
//!    nothing is sent when it is unchanged; a task whose title, body, due date or assignee
//!    changed is updated in place (`PUT`), and one whose completion changed in the file is
//!    marked done or open (`PUT …/completed`);
//! 2. otherwise, unless the contact was created by this very attempt (it has nothing yet), the
//!    contact's notes or tasks are read once and a note with the same text, or a task with the
//!    same title, is adopted (a task updated where it differs, and marked done if the file
//!    says so: an adopted task is never reopened, since nothing says the file's "no" is newer
//!    than the person who completed it);
//! 3. otherwise it is created. Neither create has an idempotency key: an unknown outcome is
//!    resolved by reading the contact's list before trying again.

use super::followup_keys::{note_hash, note_key, task_hash};
use crate::api::models::{Note, Task, TaskRequest};
use crate::api::{ApiError, Client, TaskUpdate};
use crate::contact::TaskPayload;
use crate::ledger::FollowupRecord;
use chrono::{DateTime, Utc};

/// One row's follow-ups to make sure of.
#[derive(Debug, Clone)]
pub(super) struct FollowupJob {
    pub contact_id: String,
    /// The contact was created by this very attempt, so it has no notes or tasks to find.
    pub fresh: bool,
    /// The contact was created by this run (perhaps by an earlier attempt whose answers were
    /// lost): a note or task found on it is this run's own, recorded as created (an undo
    /// deletes it). On a contact that existed before, a found one is only adopted.
    pub ours: bool,
    pub notes: Vec<String>,
    pub task: Option<TaskPayload>,
    /// The mapping's task rule (`task:…`).
    pub task_key: String,
    /// What exists already (any contact's: only this contact's entries are used).
    pub known: Vec<FollowupRecord>,
}

/// What one row's follow-ups did.
#[derive(Debug, Default)]
pub(super) struct FollowupsDone {
    /// Notes this attempt created (an undo deletes them).
    pub note_ids: Vec<String>,
    /// Tasks this attempt created.
    pub task_ids: Vec<String>,
    /// Every note and task of the row, with what was done with it.
    pub records: Vec<FollowupRecord>,
    /// (code, error) of the request that failed, if one did.
    pub error: Option<(&'static str, ApiError)>,
}

/// The contact's lists, read at most once per row.
#[derive(Default)]
struct Lists {
    notes: Option<Vec<Note>>,
    tasks: Option<Vec<Task>>,
}

/// Makes sure of the row's notes, then its task; stops at the first request that fails.
pub(super) async fn run(client: &Client, job: &FollowupJob) -> FollowupsDone {
    let mut done = FollowupsDone::default();
    let mut lists = Lists::default();
    let mut seen = Vec::new();
    for body in job.notes.iter().map(|b| b.trim()).filter(|b| !b.is_empty()) {
        if seen.contains(&body) {
            continue;
        }
        seen.push(body);
        if let Err(error) = note(client, job, body, &mut lists, &mut done).await {
            done.error = Some(("note_failed", error));
            return done;
        }
    }
    if let Some(task) = &job.task {
        if let Err(error) = ensure_task(client, job, task, &mut lists, &mut done).await {
            done.error = Some(("task_failed", error));
        }
    }
    done
}

fn known<'a>(job: &'a FollowupJob, key: &str) -> Option<&'a FollowupRecord> {
    job.known
        .iter()
        .find(|k| k.key == key && k.contact_id == job.contact_id)
}

fn record(
    job: &FollowupJob,
    key: String,
    item_id: String,
    hash: String,
    completed: bool,
    action: &str,
) -> FollowupRecord {
    FollowupRecord {
        key,
        contact_id: job.contact_id.clone(),
        item_id,
        content_hash: hash,
        completed,
        action: action.to_string(),
    }
}

async fn note(
    client: &Client,
    job: &FollowupJob,
    body: &str,
    lists: &mut Lists,
    done: &mut FollowupsDone,
) -> Result<(), ApiError> {
    let key = note_key(body);
    let hash = note_hash(body);
    if let Some(k) = known(job, &key) {
        let id = k.item_id.clone();
        done.records
            .push(record(job, key, id, hash, false, "unchanged"));
        return Ok(());
    }
    if !job.fresh {
        if lists.notes.is_none() {
            lists.notes = Some(client.list_notes(&job.contact_id).await?);
        }
        let found = lists.notes.iter().flatten().find(|n| n.body.trim() == body);
        if let Some(found) = found {
            let id = found.id.clone();
            if job.ours {
                done.note_ids.push(id.clone());
            }
            done.records
                .push(record(job, key, id, hash, false, adopted(job)));
            return Ok(());
        }
    }
    let id = create_note_once(client, &job.contact_id, body).await?;
    done.note_ids.push(id.clone());
    done.records
        .push(record(job, key, id, hash, false, "created"));
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
                if let Some(note) = notes.into_iter().find(|n| n.body.trim() == body) {
                    return Ok(note.id);
                }
            }
            Err(error) => return Err(error),
        }
    }
}

async fn ensure_task(
    client: &Client,
    job: &FollowupJob,
    task: &TaskPayload,
    lists: &mut Lists,
    done: &mut FollowupsDone,
) -> Result<(), ApiError> {
    let key = job.task_key.clone();
    let hash = task_hash(task);
    let mut look = !job.fresh;
    if let Some(k) = known(job, &key) {
        let mut action = "unchanged";
        let mut outcome = Ok(());
        if k.content_hash != hash {
            outcome = client
                .update_task(&job.contact_id, &k.item_id, &update_of(task))
                .await
                .map(|_| action = "updated");
        }
        if outcome.is_ok() && k.completed != task.completed {
            outcome = client
                .complete_task(&job.contact_id, &k.item_id, task.completed)
                .await
                .map(|_| action = "updated");
        }
        match outcome {
            Ok(()) => {
                let id = k.item_id.clone();
                done.records
                    .push(record(job, key, id, hash, task.completed, action));
                return Ok(());
            }
            // Deleted in HighLevel since it was remembered: find or make it again.
            Err(error) if matches!(error.status(), Some(400 | 404)) => {
                tracing::debug!(%error, "A remembered task is gone; looking again.");
                look = true;
            }
            Err(error) => return Err(error),
        }
    }
    if look {
        if lists.tasks.is_none() {
            lists.tasks = Some(client.list_tasks(&job.contact_id).await?);
        }
        if let Some(found) = lists.tasks.iter().flatten().find(|t| same_title(t, task)) {
            let found = found.clone();
            if differs(&found, task) {
                client
                    .update_task(&job.contact_id, &found.id, &update_of(task))
                    .await?;
            }
            if task.completed && !found.completed {
                client
                    .complete_task(&job.contact_id, &found.id, true)
                    .await?;
            }
            if job.ours {
                done.task_ids.push(found.id.clone());
            }
            done.records.push(record(
                job,
                key,
                found.id,
                hash,
                task.completed,
                adopted(job),
            ));
            return Ok(());
        }
    }
    let id = create_task_once(client, &job.contact_id, task).await?;
    done.task_ids.push(id.clone());
    done.records
        .push(record(job, key, id, hash, task.completed, "created"));
    Ok(())
}

/// What finding a note or task on the contact counts as (see [`FollowupJob::ours`]).
fn adopted(job: &FollowupJob) -> &'static str {
    if job.ours {
        "created"
    } else {
        "adopted"
    }
}

fn update_of(task: &TaskPayload) -> TaskUpdate<'_> {
    TaskUpdate {
        title: &task.title,
        body: task.body.as_deref(),
        due_date: &task.due_date,
        assigned_to: task.assigned_to.as_deref(),
    }
}

/// Creates the task; an unknown outcome is resolved by reading the contact's tasks (a task of
/// the same title there is this attempt's: the row only gets here when none existed before).
async fn create_task_once(
    client: &Client,
    contact_id: &str,
    task: &TaskPayload,
) -> Result<String, ApiError> {
    let request = TaskRequest {
        title: &task.title,
        body: task.body.as_deref(),
        due_date: &task.due_date,
        completed: task.completed,
        assigned_to: task.assigned_to.as_deref(),
    };
    let mut tries = 0;
    loop {
        tries += 1;
        match client.create_task(contact_id, &request).await {
            Ok(created) => return Ok(created.id),
            Err(ApiError::InDoubt { .. }) if tries < 3 => {
                let tasks = client.list_tasks(contact_id).await?;
                if let Some(found) = tasks.into_iter().find(|t| same_title(t, task)) {
                    return Ok(found.id);
                }
            }
            Err(error) => return Err(error),
        }
    }
}

/// A task found on the contact is the row's when its title is the same (trimmed, any case).
fn same_title(existing: &Task, wanted: &TaskPayload) -> bool {
    existing.title.trim().to_lowercase() == wanted.title.trim().to_lowercase()
}

/// Whether an adopted task needs an update: its title, body, due instant or assignee differ
/// from the row's (a body or assignee the row leaves empty is not cleared). HighLevel may
/// write the instant differently (milliseconds, an offset), so instants are compared.
fn differs(existing: &Task, wanted: &TaskPayload) -> bool {
    let instant = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    let due_same = existing.due_date.as_deref().is_some_and(|due| {
        due == wanted.due_date || instant(due).is_some_and(|d| Some(d) == instant(&wanted.due_date))
    });
    let body_differs = wanted
        .body
        .as_deref()
        .is_some_and(|b| existing.body.as_deref().map(str::trim) != Some(b.trim()));
    let assignee_differs = wanted
        .assigned_to
        .as_deref()
        .is_some_and(|a| existing.assigned_to.as_deref() != Some(a));
    existing.title.trim() != wanted.title.trim() || !due_same || body_differs || assignee_differs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted() -> TaskPayload {
        TaskPayload {
            title: "Call back".into(),
            body: Some("ring".into()),
            due_date: "2026-12-01T12:00:00Z".into(),
            completed: false,
            assigned_to: None,
        }
    }

    fn existing(title: &str, due: &str) -> Task {
        Task {
            id: "t".into(),
            title: title.into(),
            body: Some("ring".into()),
            due_date: Some(due.into()),
            ..Task::default()
        }
    }

    #[test]
    fn a_task_on_the_contact_is_the_rows_by_title_and_updated_where_it_differs() {
        let w = wanted();
        assert!(same_title(&existing(" call BACK", "x"), &w));
        assert!(!same_title(&existing("Send quote", "x"), &w));

        assert!(!differs(
            &existing("Call back", "2026-12-01T12:00:00.000Z"),
            &w
        ));
        assert!(!differs(
            &existing("Call back", "2026-12-01T13:00:00+01:00"),
            &w
        ));
        assert!(differs(&existing("Call back", "2026-12-02T12:00:00Z"), &w));
        assert!(
            differs(&existing("call back", "2026-12-01T12:00:00Z"), &w),
            "title case"
        );
        let mut other_body = existing("Call back", "2026-12-01T12:00:00Z");
        other_body.body = Some("email".into());
        assert!(differs(&other_body, &w));
        // What the row leaves empty is not cleared.
        let mut no_body = w.clone();
        no_body.body = None;
        assert!(!differs(&other_body, &no_body));
        let mut assigned = w.clone();
        assigned.assigned_to = Some("u1".into());
        assert!(differs(
            &existing("Call back", "2026-12-01T12:00:00Z"),
            &assigned
        ));
    }

    #[test]
    fn only_this_contacts_memory_counts() {
        let mut job = FollowupJob {
            contact_id: "c1".into(),
            fresh: false,
            ours: false,
            notes: Vec::new(),
            task: None,
            task_key: "task:a".into(),
            known: vec![FollowupRecord {
                key: "task:a".into(),
                contact_id: "c2".into(),
                ..FollowupRecord::default()
            }],
        };
        assert!(known(&job, "task:a").is_none(), "another contact's task");
        job.known[0].contact_id = "c1".into();
        assert!(known(&job, "task:a").is_some());
        assert!(known(&job, "task:b").is_none());
    }
}
