//! Planning an undo from an import's ledger, per contact: a contact the run created is deleted
//! (its notes and tasks go with it); on a contact that existed, the notes and tasks the run
//! created are deleted, the tags it added that the contact did not have before are removed,
//! the tags it removed are added back, and the fields it changed are restored from the
//! before-image (`import --undoable`), or listed as not reversible without one. Pure: no I/O.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::Value;

use super::restore::restore;
use crate::ledger::{UndoContact, UndoSource, UndoStep};

/// The plan: every contact to act on and every step, in the order they are stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// One per contact.
    pub contacts: Vec<UndoContact>,
    /// The steps, grouped by contact.
    pub steps: Vec<UndoStep>,
}

/// What the plan reads besides the rows: before-images by contact id and the body each
/// captured row sent, and whether the run kept before-images at all.
#[derive(Debug, Default)]
pub struct Images {
    /// The earliest before-image of each contact that has one.
    pub by_contact: HashMap<String, Value>,
    /// The fields each captured row sent.
    pub sent: HashMap<u64, Value>,
    /// `import --undoable`.
    pub undoable: bool,
}

#[derive(Default)]
struct Acc<'a> {
    rows: Vec<&'a UndoSource>,
    created: bool,
    written_until: Option<DateTime<Utc>>,
}

/// Plans the undo of `sources` (the import's rows that reached a contact).
pub fn build(sources: &[UndoSource], images: &Images) -> Plan {
    let mut by_contact: BTreeMap<&str, Acc<'_>> = BTreeMap::new();
    for source in sources {
        let acc = by_contact.entry(source.contact_id.as_str()).or_default();
        acc.rows.push(source);
        acc.created |= source.created;
        let until = [
            source.write_date.as_deref().and_then(parse),
            // `updated_at` is written once the row's last request was answered, to the second
            // (rounded down): the run's own later writes (tags) carry a time before its end.
            source
                .updated_at
                .as_deref()
                .and_then(parse)
                .map(|t| t + Duration::milliseconds(999)),
        ]
        .into_iter()
        .flatten()
        .max();
        acc.written_until = acc.written_until.max(until);
    }
    let mut plan = Plan::default();
    for (contact_id, acc) in by_contact {
        let before = plan.steps.len();
        let step = |action: &str, target: String, state: &str, reason: Option<String>| UndoStep {
            id: 0,
            contact_id: contact_id.to_string(),
            action: action.to_string(),
            target,
            state: state.to_string(),
            reason,
        };
        if acc.created {
            plan.steps
                .push(step("delete_contact", String::new(), "pending", None));
        } else {
            for source in &acc.rows {
                for note in list(source.note_ids.as_deref()) {
                    plan.steps.push(step("delete_note", note, "pending", None));
                }
                for task in list(source.task_ids.as_deref()) {
                    plan.steps.push(step("delete_task", task, "pending", None));
                }
            }
            let (remove, add_back) = tag_changes(&acc.rows);
            if !remove.is_empty() {
                plan.steps
                    .push(step("remove_tags", json_list(&remove), "pending", None));
            }
            if !add_back.is_empty() {
                plan.steps
                    .push(step("add_tags", json_list(&add_back), "pending", None));
            }
            fields(contact_id, &acc.rows, images, &mut plan.steps, step);
        }
        if plan.steps.len() > before {
            plan.contacts.push(UndoContact {
                contact_id: contact_id.to_string(),
                rows: acc.rows.iter().map(|s| s.row).collect(),
                created: acc.created,
                written_until: acc
                    .written_until
                    .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true)),
                verdict: None,
            });
        }
    }
    plan
}

/// The field restore of an existing contact, or why there is none.
fn fields(
    contact_id: &str,
    rows: &[&UndoSource],
    images: &Images,
    steps: &mut Vec<UndoStep>,
    step: impl Fn(&str, String, &str, Option<String>) -> UndoStep,
) {
    let Some(image) = images.by_contact.get(contact_id) else {
        let reason = if images.undoable {
            "no before-image: the contact was not found before the run wrote it"
        } else {
            "no before-image: the import ran without --undoable, so the fields it wrote keep \
             their current values"
        };
        steps.push(step(
            "not_reversible",
            "fields".into(),
            "listed",
            Some(reason.into()),
        ));
        return;
    };
    let sent: Vec<Value> = rows
        .iter()
        .filter_map(|s| images.sent.get(&s.row).cloned())
        .collect();
    let r = restore(image, &sent);
    if !r.body.is_empty() {
        let body = Value::Object(r.body).to_string();
        steps.push(step("restore_fields", body, "pending", None));
    }
    for what in r.unrestorable {
        steps.push(step(
            "not_reversible",
            "fields".into(),
            "listed",
            Some(what),
        ));
    }
}

/// Tags to remove (added by the run, on the contact before no row saw it) and tags to add
/// back (removed by the run). A row whose result was never written (stopped in doubt) may
/// have added any of its tags the contact lacked: those count as added.
pub fn tag_changes(rows: &[&UndoSource]) -> (Vec<String>, Vec<String>) {
    let mut added: BTreeSet<String> = BTreeSet::new();
    let mut removed: BTreeSet<String> = BTreeSet::new();
    // A tag every row saw before is the contact's own; a row after another saw that one's
    // additions as "before", so the intersection, not the union, is what was there first.
    let mut before: Option<BTreeSet<String>> = None;
    for row in rows {
        let seen: BTreeSet<String> = list(row.tags_before.as_deref())
            .into_iter()
            .map(|t| t.to_lowercase())
            .collect();
        match &row.tags_added {
            Some(json) => added.extend(list(Some(json)).into_iter().map(|t| t.to_lowercase())),
            None => added.extend(
                planned_tags(row.payload_json.as_deref())
                    .into_iter()
                    .filter(|t| !seen.contains(t)),
            ),
        }
        removed.extend(
            list(row.tags_removed.as_deref())
                .into_iter()
                .map(|t| t.to_lowercase()),
        );
        if row.tags_before.is_some() {
            before = Some(match before {
                None => seen,
                Some(b) => b.intersection(&seen).cloned().collect(),
            });
        }
    }
    let before = before.unwrap_or_default();
    let remove = added.difference(&before).cloned().collect();
    let add_back = removed.difference(&added).cloned().collect();
    (remove, add_back)
}

fn planned_tags(payload: Option<&str>) -> Vec<String> {
    payload
        .and_then(|p| serde_json::from_str::<Value>(p).ok())
        .and_then(|v| v.get("tags").cloned())
        .and_then(|t| serde_json::from_value::<Vec<String>>(t).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.to_lowercase())
        .collect()
}

fn list(json: Option<&str>) -> Vec<String> {
    json.and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default()
}

fn json_list(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_default()
}

fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::RowState;
    use serde_json::json;

    fn source(row: u64, contact: &str, created: bool) -> UndoSource {
        UndoSource {
            row,
            state: if created {
                RowState::Created
            } else {
                RowState::Updated
            },
            contact_id: contact.into(),
            created,
            tags_added: Some("[]".into()),
            tags_before: Some("[]".into()),
            ..UndoSource::default()
        }
    }

    #[test]
    fn tags_removed_are_the_added_ones_the_contact_did_not_have_before() {
        let mut first = source(1, "c", false);
        first.tags_before = Some(r#"["vip"]"#.into());
        first.tags_added = Some(r#"["expo","VIP"]"#.into());
        first.tags_removed = Some(r#"["cold"]"#.into());
        // A later row on the same contact saw the first row's tag as "before".
        let mut second = source(2, "c", false);
        second.tags_before = Some(r#"["vip","expo"]"#.into());
        second.tags_added = Some(r#"["trial"]"#.into());
        let (remove, add_back) = tag_changes(&[&first, &second]);
        assert_eq!(remove, ["expo", "trial"]);
        assert_eq!(add_back, ["cold"]);
        // Stopped in doubt: every planned tag the contact lacked may have been added.
        let mut doubt = source(3, "d", false);
        doubt.state = RowState::InDoubt;
        doubt.tags_added = None;
        doubt.tags_before = Some(r#"["a"]"#.into());
        doubt.payload_json = Some(r#"{"tags":["a","b"]}"#.into());
        assert_eq!(tag_changes(&[&doubt]).0, ["b"]);
    }

    #[test]
    fn created_contacts_are_deleted_and_updated_ones_restored_or_listed() {
        let mut created = source(1, "new", true);
        created.note_ids = Some(r#"["n0"]"#.into());
        created.updated_at = Some("2026-11-23T10:00:00Z".into());
        created.write_date = Some("2026-11-23T10:00:00.400Z".into());
        let mut updated = source(2, "old", false);
        updated.note_ids = Some(r#"["n1"]"#.into());
        updated.task_ids = Some(r#"["t1"]"#.into());
        updated.tags_added = Some(r#"["expo"]"#.into());
        let untouched = source(3, "same", false);
        let mut images = Images::default();
        let plan = build(
            &[created.clone(), updated.clone(), untouched.clone()],
            &images,
        );
        let actions: Vec<(&str, &str)> = plan
            .steps
            .iter()
            .map(|s| (s.contact_id.as_str(), s.action.as_str()))
            .collect();
        assert_eq!(
            actions,
            [
                ("new", "delete_contact"),
                ("old", "delete_note"),
                ("old", "delete_task"),
                ("old", "remove_tags"),
                ("old", "not_reversible"),
                ("same", "not_reversible"),
            ]
        );
        assert_eq!(
            plan.contacts[0].written_until.as_deref(),
            Some("2026-11-23T10:00:00.999Z")
        );
        images.undoable = true;
        images
            .by_contact
            .insert("old".into(), json!({"firstName": "Ann"}));
        images
            .by_contact
            .insert("same".into(), json!({"firstName": "Bo"}));
        images.sent.insert(2, json!({"firstName": "Anna"}));
        images.sent.insert(3, json!({"firstName": "Bo"}));
        let plan = build(&[created, updated, untouched], &images);
        let restore = plan
            .steps
            .iter()
            .find(|s| s.action == "restore_fields")
            .unwrap();
        assert_eq!(restore.contact_id, "old");
        assert_eq!(restore.target, r#"{"firstName":"Ann"}"#);
        assert!(plan.steps.iter().all(|s| s.action != "not_reversible"));
        assert_eq!(
            plan.contacts.len(),
            2,
            "a contact with nothing to undo is not planned"
        );
    }
}
