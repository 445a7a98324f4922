//! What an undo is about to send, before the consent question: the requests its pending steps
//! take (for the estimate) and the plan in counts.

use std::collections::HashMap;

use super::report;
use crate::api::Client;
use crate::delivery::batches::{BatchKey, Batches};
use crate::ledger::{UndoContact, UndoStep};

/// Requests the pending work takes: the checks, one per single step, the tag groups.
pub fn requests(contacts: &[UndoContact], steps: &[UndoStep], tag_batch: usize) -> u64 {
    let pending: Vec<&UndoStep> = steps.iter().filter(|s| s.state == "pending").collect();
    let unchecked = contacts
        .iter()
        .filter(|c| c.verdict.is_none() && pending.iter().any(|s| s.contact_id == c.contact_id))
        .count();
    let mut batches = Batches::default();
    let mut total = Client::search_requests(unchecked);
    for (i, step) in pending.iter().enumerate() {
        let tags: Vec<String> = serde_json::from_str(&step.target).unwrap_or_default();
        let key = match step.action.as_str() {
            "add_tags" => BatchKey::Add(tags),
            "remove_tags" => BatchKey::Remove(tags),
            _ => {
                total += 1;
                continue;
            }
        };
        total += u64::from(
            batches
                .add(key, (i as u64, step.contact_id.clone()), tag_batch)
                .is_some(),
        );
    }
    total + batches.drain(tag_batch.max(1)).1.len() as u64
}

/// The plan in counts, before the question.
pub(super) fn describe(contacts: &[UndoContact], steps: &[UndoStep], resuming: bool) -> String {
    let mut count: HashMap<(&str, &str), u64> = HashMap::new();
    for s in steps {
        *count
            .entry((s.action.as_str(), s.state.as_str()))
            .or_default() += 1;
    }
    let get = |a: &str| count.get(&(a, "pending")).copied().unwrap_or(0);
    let mut text = format!(
        "{} the undo of {} contacts: delete {} contacts the run created, delete {} notes and {} \
         tasks, remove tags from {} and add back tags to {} contacts, restore the fields of {}.\n",
        if resuming { "Continuing" } else { "Planned" },
        contacts.len(),
        get("delete_contact"),
        get("delete_note"),
        get("delete_task"),
        get("remove_tags"),
        get("add_tags"),
        get("restore_fields"),
    );
    let listed = steps.iter().filter(|s| s.state == "listed").count();
    if listed > 0 {
        text.push_str(&format!(
            "{listed} changes cannot be reversed and will be listed in {} (e.g. fields written \
             without --undoable).\n",
            report::REPORT
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(contact: &str, action: &str, target: &str) -> UndoStep {
        UndoStep {
            id: 0,
            contact_id: contact.into(),
            action: action.into(),
            target: target.into(),
            state: "pending".into(),
            reason: None,
        }
    }

    #[test]
    fn the_estimate_counts_checks_single_requests_and_tag_groups() {
        let contacts: Vec<UndoContact> = ["a", "b", "c"]
            .iter()
            .map(|id| UndoContact {
                contact_id: id.to_string(),
                rows: vec![1],
                created: false,
                written_until: None,
                verdict: None,
            })
            .collect();
        let mut steps = vec![
            step("a", "delete_contact", ""),
            step("b", "delete_note", "n1"),
            step("b", "remove_tags", r#"["expo"]"#),
            step("c", "remove_tags", r#"["expo"]"#),
            step("c", "add_tags", r#"["cold"]"#),
            step("c", "restore_fields", r#"{"firstName":"Ann"}"#),
        ];
        // One search checks the three, three single requests, two bulk tag requests.
        assert_eq!(requests(&contacts, &steps, 100), 6);
        // Done steps cost nothing; a listed one never does.
        steps[0].state = "done".into();
        steps.push(UndoStep {
            state: "listed".into(),
            ..step("a", "not_reversible", "fields")
        });
        assert_eq!(requests(&contacts, &steps, 100), 5);
        assert_eq!(
            requests(&contacts, &steps, 1),
            6,
            "one contact per bulk request"
        );
    }
}
