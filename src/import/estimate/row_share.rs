//! One staged row's share of the estimate: its contact, its notes and task, and the bulk tag
//! and business groups it joins, by the delivery mode or by the server view's verdict.

use super::tally::Settings;
use crate::contact::TaskPayload;
use crate::delivery::followup_keys::{note_key, task_hash};
use crate::delivery::{Mode, OnConflict};
use crate::ledger::{Action, Decision, FollowupContext};
use serde::Deserialize;

/// The parts of a staged payload the count reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct Shape {
    /// The contact id the row names: updated by id whatever the mode.
    pub(super) id: Option<String>,
    pub(super) email: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) tags: Vec<String>,
    pub(super) notes: Vec<String>,
    pub(super) task: Option<TaskPayload>,
    pub(super) business_id: Option<String>,
}

/// One row's share, before the bulk calls are grouped.
#[derive(Debug, Default)]
pub(super) struct RowCount {
    pub(super) contacts: u64,
    pub(super) notes: u64,
    pub(super) task_creates: u64,
    pub(super) task_updates: u64,
    pub(super) list_reads: u64,
    /// The sorted tag set to add, when the row's tags go through the bulk endpoint.
    pub(super) tag_set: Option<String>,
    pub(super) business: Option<String>,
}

/// A decided row's share: its verdict says what its contact costs.
pub(super) fn decided_count(
    shape: &Shape,
    decision: &Decision,
    context: Option<&FollowupContext>,
    settings: &Settings<'_>,
) -> RowCount {
    match decision.action {
        Action::Conflict if settings.on_conflict == OnConflict::Update => {
            let upsert = Settings {
                mode: Mode::Upsert,
                ..settings.clone()
            };
            row_count(shape, context, false, &upsert)
        }
        Action::Conflict => RowCount::default(),
        Action::Create => {
            let create = Settings {
                mode: Mode::Create(crate::delivery::OnDuplicate::Update),
                ..settings.clone()
            };
            row_count(shape, context, false, &create)
        }
        Action::Unchanged | Action::Update => {
            // Notes and task as for a contact known to exist; its fields and tags from the
            // verdict's changes.
            let mut c = row_count(shape, context, true, settings);
            c.tag_set = None;
            c.business = None;
            for change in &decision.changes {
                match change.field.as_str() {
                    "tags" => {
                        let mut added: Vec<String> = change
                            .after
                            .split(", ")
                            .filter_map(|t| t.strip_prefix('+'))
                            .map(str::to_string)
                            .collect();
                        added.sort();
                        if !added.is_empty() {
                            c.tag_set = Some(added.join("\u{1f}"));
                        }
                    }
                    "businessId" => c.business = shape.business_id.clone(),
                    _ => c.contacts = 1,
                }
            }
            c
        }
    }
}

pub(super) fn row_count(
    shape: &Shape,
    context: Option<&FollowupContext>,
    resolved: bool,
    settings: &Settings<'_>,
) -> RowCount {
    let mut c = RowCount::default();
    let only = context.and_then(|x| x.only.as_deref());
    if only.is_none() {
        if !resolved {
            let checked = shape.email.is_some() || shape.phone.is_some();
            c.contacts = match settings.mode {
                _ if shape.id.is_some() => 1 + u64::from(checked),
                Mode::UpdateOnly => 2,
                Mode::Upsert | Mode::Create(_) => 1,
            };
        }
        let inline = matches!(settings.mode, Mode::Create(_)) && shape.id.is_none();
        if !shape.tags.is_empty() && !inline {
            let mut tags: Vec<String> = shape.tags.iter().map(|t| t.to_lowercase()).collect();
            tags.sort();
            tags.dedup();
            c.tag_set = Some(tags.join("\u{1f}"));
        }
        c.business = shape.business_id.clone();
    }
    let known = |key: &str| context.and_then(|x| x.known.iter().find(|k| k.key == key));
    let mut unknown_note = false;
    let mut notes: Vec<&str> = shape
        .notes
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    notes.dedup();
    for note in notes {
        if known(&note_key(note)).is_none() {
            c.notes += 1;
            unknown_note = true;
        }
    }
    let mut unknown_task = false;
    if let Some(task) = &shape.task {
        match known(settings.task_key) {
            Some(k) => {
                c.task_updates += u64::from(k.content_hash != task_hash(task))
                    + u64::from(k.completed != task.completed);
            }
            None => {
                c.task_creates += 1;
                unknown_task = true;
            }
        }
    }
    if only.is_some() {
        c.list_reads = u64::from(unknown_note) + u64::from(unknown_task);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::OnDuplicate;
    use crate::ledger::FollowupRecord;

    fn settings(mode: Mode) -> Settings<'static> {
        Settings {
            mode,
            tag_batch: 100,
            task_key: "task:t",
            custom_fields: false,
            on_conflict: OnConflict::default(),
        }
    }

    fn task(due: &str) -> TaskPayload {
        TaskPayload {
            title: "Call".into(),
            body: None,
            due_date: due.into(),
            completed: false,
            assigned_to: None,
        }
    }

    #[test]
    fn a_row_counts_its_contact_and_what_is_new_or_changed_of_its_followups() {
        let shape = Shape {
            tags: vec!["VIP".into(), "expo".into()],
            notes: vec!["met".into(), " ".into()],
            task: Some(task("2026-12-01T12:00:00Z")),
            business_id: None,
            ..Shape::default()
        };
        let new = row_count(&shape, None, false, &settings(Mode::Upsert));
        assert_eq!(
            (new.contacts, new.notes, new.task_creates, new.list_reads),
            (1, 1, 1, 0)
        );
        assert_eq!(new.tag_set.as_deref(), Some("expo\u{1f}vip"));
        let created = row_count(
            &shape,
            None,
            false,
            &settings(Mode::Create(OnDuplicate::Update)),
        );
        assert_eq!(created.tag_set, None, "tags inline");
        assert_eq!(
            row_count(&shape, None, false, &settings(Mode::UpdateOnly)).contacts,
            2
        );

        // The contact is unchanged, the note remembered, the task's due date moved.
        let context = FollowupContext {
            only: Some("c1".into()),
            known: vec![
                FollowupRecord {
                    key: note_key("met"),
                    contact_id: "c1".into(),
                    ..FollowupRecord::default()
                },
                FollowupRecord {
                    key: "task:t".into(),
                    contact_id: "c1".into(),
                    content_hash: task_hash(&task("2026-11-30T12:00:00Z")),
                    ..FollowupRecord::default()
                },
            ],
        };
        let only = row_count(&shape, Some(&context), false, &settings(Mode::Upsert));
        assert_eq!(
            (
                only.contacts,
                only.notes,
                only.task_updates,
                only.task_creates,
                only.list_reads
            ),
            (0, 0, 1, 0, 0)
        );
        assert_eq!(only.tag_set, None);
        // Nothing remembered for a known contact: its lists are read first.
        let bare = FollowupContext {
            only: Some("c1".into()),
            known: Vec::new(),
        };
        let looked = row_count(&shape, Some(&bare), false, &settings(Mode::Upsert));
        assert_eq!(
            (looked.notes, looked.task_creates, looked.list_reads),
            (1, 1, 2)
        );
    }
}
