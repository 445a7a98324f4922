//! What a row's notes and task are known by across runs, and the hashes that tell whether what
//! a file says now differs from what was last sent. Shared by delivery (which acts on them) and
//! the delta (which looks them up in the state store before delivery).
//!
//! - A note is known by its contact and its text: a note is a record of what a file said, so a
//!   changed text is another note (added; the old one is left as it was), and the same text is
//!   never written twice. Updating notes in place would let two files with a "Notes" column
//!   overwrite each other's notes on the same contact.
//! - A task is known by its contact and the mapping's task rule (`Mapping::task_rule`): a file
//!   imported again updates the task its rule made, whatever the title, due date or body now
//!   say; its completion is remembered apart, so that only a change of it in the file marks
//!   the task done or open.

use crate::contact::TaskPayload;

/// The task key when the engine is given no mapping rule (tests, tools built on the engine).
pub const DEFAULT_TASK_RULE: &str = "task:default";

/// The key of a note with this text.
pub fn note_key(body: &str) -> String {
    let digest = blake3::hash(body.trim().as_bytes()).to_hex();
    format!("note:{}", &digest[..32])
}

/// The hash of a note's text (the key already says it; kept as the stored content hash).
pub fn note_hash(body: &str) -> String {
    blake3::hash(body.trim().as_bytes()).to_hex()[..32].to_string()
}

/// The hash of what a task update sends: title, body, due date and assignee (not `completed`,
/// which has its own endpoint and memory). JSON of a tuple: unambiguous and stable.
pub fn task_hash(task: &TaskPayload) -> String {
    let canonical = serde_json::to_string(&(
        task.title.trim(),
        task.body.as_deref().map(str::trim),
        task.due_date.as_str(),
        task.assigned_to.as_deref(),
    ))
    .unwrap_or_default();
    blake3::hash(canonical.as_bytes()).to_hex()[..32].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(title: &str, due: &str) -> TaskPayload {
        TaskPayload {
            title: title.into(),
            body: Some("ring".into()),
            due_date: due.into(),
            completed: false,
            assigned_to: None,
        }
    }

    #[test]
    fn notes_are_known_by_their_text_and_tasks_hash_what_an_update_sends() {
        assert_eq!(note_key("Met at expo"), note_key(" Met at expo\n"));
        assert_ne!(note_key("Met at expo"), note_key("Met at the expo"));
        assert!(note_key("x").starts_with("note:"));

        let base = task("Call back", "2026-12-01T12:00:00Z");
        assert_eq!(
            task_hash(&base),
            task_hash(&task(" Call back ", "2026-12-01T12:00:00Z"))
        );
        let mut done = base.clone();
        done.completed = true;
        assert_eq!(
            task_hash(&base),
            task_hash(&done),
            "completion is kept apart"
        );
        let mut changes = vec![
            task("Call back", "2026-12-02T12:00:00Z"),
            task("Call", "2026-12-01T12:00:00Z"),
        ];
        let mut assigned = base.clone();
        assigned.assigned_to = Some("u1".into());
        changes.push(assigned);
        let mut no_body = base.clone();
        no_body.body = None;
        changes.push(no_body);
        for changed in &changes {
            assert_ne!(task_hash(changed), task_hash(&base), "{changed:?}");
        }
    }
}
