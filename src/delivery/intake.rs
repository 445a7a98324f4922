//! Rows from the ledger into the engine: the next deliverable rows read ahead (with their
//! before-images for `--undoable`), and rows marked in doubt before their first request leaves.

use super::before;
use super::custom_fields::CustomFieldResolver;
use super::engine::{with_ledger, Engine, Job};
use super::plan::plan_row;
use super::resolve::{History, KnownContact};
use super::rows::Row;
use super::DeliveryError;
use crate::ledger::DeliveryResult;
use chrono::{DateTime, Utc};

/// Rows about to send their first request, each job held back until batch `gate` (the one
/// marking them in doubt, `engine::mark_started`) is committed, and only then sent: a row left
/// `in_doubt` by a stop may have been sent, one never marked was not, and the first send time
/// bounds what it may have created.
pub(super) fn start_rows<'a>(engine: &mut Engine<'a>, rows: Vec<Row>, gate: u64) -> Vec<Job<'a>> {
    if rows.is_empty() {
        return Vec::new();
    }
    let now = crate::run::clock::now();
    rows.into_iter()
        .map(|mut row| {
            if !row.history.sent_before {
                row.history.first_sent = now;
            }
            engine.resolve(row, gate)
        })
        .collect()
}

/// The next rows from the ledger that still need delivery, and whether there were any.
pub(super) fn read_rows(
    engine: &mut Engine<'_>,
    after: &mut u64,
    custom: &CustomFieldResolver,
) -> Result<(Vec<Row>, bool), DeliveryError> {
    let read_ahead = engine.config.read_ahead.max(1);
    // One turn of the ledger's lock (and of `block_in_place`) for the page: the writer
    // thread commits between two pages, not between the page's three reads.
    let (batch, mut contexts, mut decided) = with_ledger(engine.ledger, |l| {
        let batch = l.deliverable(*after, read_ahead)?;
        let numbers: Vec<u64> = batch.iter().map(|r| r.row).collect();
        let contexts = l.followup_context(&numbers)?;
        let decided = super::decided::load(l, &numbers)?;
        Ok((batch, contexts, decided))
    })?;
    let Some(last) = batch.last() else {
        return Ok((Vec::new(), false));
    };
    *after = last.row;
    // Replaced when the row starts, unless an earlier attempt sent it.
    let now = crate::run::clock::now();
    let mut out = Vec::with_capacity(batch.len());
    for staged in batch {
        let first_sent = staged
            .first_sent_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or(now, |t| t.with_timezone(&Utc));
        let history = History {
            sent_before: staged.attempts > 0,
            first_sent,
        };
        let recheck =
            staged.attempts > 0 || staged.note_ids_json.is_some() || staged.task_ids_json.is_some();
        let known = match (&staged.contact_id, &staged.tags_before_json) {
            (Some(contact_id), Some(tags)) if staged.attempts > 0 => Some(KnownContact {
                contact_id: contact_id.clone(),
                created: staged.created.unwrap_or(false),
                tags_before: serde_json::from_str(tags).unwrap_or_default(),
            }),
            _ => None,
        };
        let context = contexts.remove(&staged.row).unwrap_or_default();
        match plan_row(staged.row, &staged.payload_json, custom) {
            Ok(plan) => {
                // Only the notes or task changed since the state store's delivery: the contact
                // is not sent again, nor its tags (they are part of what did not change).
                let only = match (&known, &context.only) {
                    (None, Some(contact_id)) => Some(KnownContact {
                        contact_id: contact_id.clone(),
                        created: false,
                        tags_before: plan.tags.clone(),
                    }),
                    _ => None,
                };
                let decision = decided.remove(&staged.row);
                // Unchanged on the server, but notes or a task to add: only those are sent.
                let unchanged = match &decision {
                    Some(d)
                        if only.is_none() && (!plan.notes.is_empty() || plan.task.is_some()) =>
                    {
                        d.unchanged_contact(&plan)
                    }
                    _ => None,
                };
                let only = only.or(unchanged);
                let mut row = Row::new(plan, history, recheck);
                row.followups_only = only.is_some();
                row.known = known.or(only);
                row.decided = decision;
                row.followups_known = context.known;
                out.push(row);
            }
            Err(message) => engine.fail(
                DeliveryResult {
                    row: staged.row,
                    ..DeliveryResult::default()
                },
                "payload_unreadable",
                message,
            ),
        }
    }
    if engine.config.undoable {
        let captures = before::plan(engine.ledger, &out)?;
        engine.captures.extend(captures);
    }
    Ok((out, true))
}
