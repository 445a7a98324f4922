//! The import's estimate: the requests delivery is about to send, counted from the ledger once
//! the delta has decided which rows are unchanged, and before the first write. It is an honest
//! floor, counted per row still to deliver:
//!
//! - the contact: one upsert or create, two for `update-only` (lookup, then `PUT`) and for a
//!   row naming its contact id with an email or phone (search, then `PUT`); none for a
//!   row whose contact is unchanged (only its notes or task go out) or already resolved by an
//!   earlier attempt of a resumed run;
//! - bulk tag additions: one call per `tag_batch` rows sharing a tag set (none in `create`
//!   mode, where tags go inline). A contact that already has some of the tags forms a group of
//!   its own, which only the answers tell; removals (`[tags_remove]`) are sent only where the
//!   contact has the tag and are not counted;
//! - business joins: one call per `tag_batch` rows sharing a business;
//! - notes and the task: nothing for what the state store remembers unchanged, one `PUT` for a
//!   remembered task whose content changed and one more when its completion changed, one create
//!   for anything new; plus one read of the contact's notes or tasks when the contact is known
//!   to exist and something is not remembered. A contact the upsert finds existing (not known
//!   from the store) also has its lists read; that is not counted;
//! - the custom field definitions: one read when the mapping has custom fields;
//! - a row the server view decided (`view`): one create with its tags inline, an update's one
//!   write when a field differs (its missing tags join the bulk groups), nothing for an
//!   unchanged row or a conflict rejected or skipped (`--on-conflict update`: a blind row).
//!
//! Retries, and 429s from a server that counts differently, come on top. The requests sent
//! before the estimate (the probe that learns the limits, the custom field read) are not in it.

use super::delta::Delta;
use super::{ImportConfig, ImportError};
use crate::api::{Client, Estimate};
use crate::contact::TaskPayload;
use crate::delivery::followup_keys::{note_key, task_hash};
use crate::delivery::EngineConfig;
use crate::delivery::{Mode, OnConflict};
use crate::format::thousands;
use crate::ledger::{Action, Decision, FollowupContext, Ledger, LedgerError};
use crate::mapping::Mapping;
use crate::run::end::RunEnd;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// Rows read from the ledger at a time.
const PAGE: usize = 20_000;

/// The requests an import is about to send, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    /// Rows still to deliver.
    pub rows: u64,
    /// Upserts, creates, lookups and updates of contacts.
    pub contacts: u64,
    /// Bulk tag additions.
    pub tags: u64,
    /// Bulk business joins.
    pub business: u64,
    /// Notes to create.
    pub notes: u64,
    /// Tasks to create.
    pub task_creates: u64,
    /// Task updates and completions.
    pub task_updates: u64,
    /// Reads of a contact's notes or tasks.
    pub list_reads: u64,
    /// Reads of the custom field definitions.
    pub custom_fields: u64,
    /// Rows still to deliver by the server view's verdict (none for a blind run).
    pub actions: std::collections::BTreeMap<String, u64>,
}

impl Breakdown {
    /// Every request counted.
    pub fn total(&self) -> u64 {
        self.contacts
            + self.tags
            + self.business
            + self.notes
            + self.task_creates
            + self.task_updates
            + self.list_reads
            + self.custom_fields
    }
}

/// What delivery settings the count depends on.
#[derive(Debug, Clone)]
pub struct Settings<'a> {
    pub mode: Mode,
    pub tag_batch: usize,
    /// The mapping's task rule (`delta::task_key`).
    pub task_key: &'a str,
    /// The mapping names custom fields.
    pub custom_fields: bool,
    /// What a row the view found in conflict becomes.
    pub on_conflict: OnConflict,
}

/// The parts of a staged payload the count reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Shape {
    /// The contact id the row names: updated by id whatever the mode.
    id: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    tags: Vec<String>,
    notes: Vec<String>,
    task: Option<TaskPayload>,
    business_id: Option<String>,
}

/// One row's share, before the bulk calls are grouped.
#[derive(Debug, Default)]
struct RowCount {
    contacts: u64,
    notes: u64,
    task_creates: u64,
    task_updates: u64,
    list_reads: u64,
    /// The sorted tag set to add, when the row's tags go through the bulk endpoint.
    tag_set: Option<String>,
    business: Option<String>,
}

/// Bulk tag calls as the engine sends them (`delivery::batches`): by identical tag set, or one
/// tag at a time, whichever takes fewer requests. Regression: counting by tag set alone gave
/// 38 for the quick start, which sent 11.
fn tag_requests(sets: &HashMap<String, u64>, batch: u64) -> u64 {
    let by_set: u64 = sets.values().map(|n| n.div_ceil(batch)).sum();
    let mut per_tag: HashMap<&str, u64> = HashMap::new();
    for (set, rows) in sets {
        for tag in set.split('\u{1f}') {
            *per_tag.entry(tag).or_default() += rows;
        }
    }
    let by_tag: u64 = per_tag.values().map(|n| n.div_ceil(batch)).sum();
    by_set.min(by_tag)
}

/// Counts the requests delivering the ledger's remaining rows will send.
pub fn count(ledger: &Ledger, settings: &Settings<'_>) -> Result<Breakdown, LedgerError> {
    let mut total = Breakdown::default();
    let mut tag_groups: HashMap<String, u64> = HashMap::new();
    let mut business_groups: HashMap<String, u64> = HashMap::new();
    let mut after = 0;
    loop {
        let page = ledger.deliverable(after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.row;
        let numbers: Vec<u64> = page.iter().map(|r| r.row).collect();
        let contexts = ledger.followup_context(&numbers)?;
        // A page's decisions at a time: a million of them would not fit in memory.
        let mut decisions: HashMap<u64, Decision> = HashMap::new();
        for &row in &numbers {
            if let Some(d) = ledger.decision(row)? {
                decisions.insert(row, d);
            }
        }
        let counts: Vec<RowCount> = page
            .par_iter()
            .map(|r| {
                let shape: Shape = serde_json::from_str(&r.payload_json).unwrap_or_default();
                let resolved =
                    r.attempts > 0 && r.contact_id.is_some() && r.tags_before_json.is_some();
                let decision = decisions.get(&r.row).filter(|_| !resolved);
                match decision {
                    Some(d) => decided_count(&shape, d, contexts.get(&r.row), settings),
                    None => row_count(&shape, contexts.get(&r.row), resolved, settings),
                }
            })
            .collect();
        for r in &page {
            if let Some(d) = decisions.get(&r.row) {
                *total.actions.entry(d.action.to_string()).or_default() += 1;
            }
        }
        for c in counts {
            total.rows += 1;
            total.contacts += c.contacts;
            total.notes += c.notes;
            total.task_creates += c.task_creates;
            total.task_updates += c.task_updates;
            total.list_reads += c.list_reads;
            if let Some(set) = c.tag_set {
                *tag_groups.entry(set).or_default() += 1;
            }
            if let Some(business) = c.business {
                *business_groups.entry(business).or_default() += 1;
            }
        }
    }
    let batch = settings.tag_batch.max(1) as u64;
    total.tags = tag_requests(&tag_groups, batch);
    total.business = business_groups.values().map(|n| n.div_ceil(batch)).sum();
    total.custom_fields = u64::from(settings.custom_fields && total.rows > 0);
    Ok(total)
}

/// A decided row's share: its verdict says what its contact costs.
fn decided_count(
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

fn row_count(
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

/// The estimate as announced: its figures and its line.
#[derive(Debug, Clone)]
pub struct Announced {
    /// The requests by kind.
    pub breakdown: Breakdown,
    /// `Estimate: … requests, about … at the limit the API reports (…).` and what they are.
    pub line: String,
}

/// Counts the requests still to send and words them at the limits `client` has learned.
/// `custom_fields`: the custom field definitions are still to be read.
pub(super) fn announce(
    ledger: &Ledger,
    mapping: &Mapping,
    engine: &EngineConfig,
    client: &Client,
    custom_fields: bool,
    view: Option<&crate::view::ViewSummary>,
) -> Result<Announced, ImportError> {
    let task_key = super::delta::task_key(mapping);
    let breakdown = count(
        ledger,
        &Settings {
            mode: engine.mode,
            tag_batch: engine.tag_batch,
            task_key: &task_key,
            custom_fields,
            on_conflict: engine.on_conflict,
        },
    )?;
    let estimate = Estimate::new(breakdown.total(), client.limiter());
    let b = &breakdown;
    let line = format!(
        "{estimate}\n  {} to send: {} contact, {} tag, {} business, {} note, {} task create, \
         {} task update and {} list requests (a floor: retries come on top).",
        crate::format::counted(b.rows, "row", "rows"),
        thousands(b.contacts),
        thousands(b.tags),
        thousands(b.business),
        thousands(b.notes),
        thousands(b.task_creates),
        thousands(b.task_updates),
        thousands(b.list_reads),
    );
    let line = match view {
        Some(view) => format!("{line}\n  {}", view.line()),
        None => line,
    };
    Ok(Announced { breakdown, line })
}

/// `import --dry-run`: everything up to the first write. The file is staged and compared with
/// the state file as for a real run; the one request sent is the read-only probe that learns
/// the API's limits (with `--sandbox`, to the in-process sandbox). The estimate is printed on
/// stdout and recorded in summary.json (`estimate_requests`, `estimate`, `delta`).
pub(super) async fn dry_run(
    config: &ImportConfig,
    run_dir: &Path,
    ledger: &Ledger,
    mapping: &Mapping,
    delta: &Delta,
    local_exit: u8,
) -> Result<RunEnd, ImportError> {
    let (client, sandbox) = super::connect::connect(config, ledger, mapping).await?;
    let mut engine = config.engine.clone();
    if let Some(Ok(mode)) = ledger.delivery_mode()?.map(|m| m.parse::<Mode>()) {
        engine.mode = mode;
    }
    let planned = !config.blind
        && engine.mode == Mode::Upsert
        && ledger.view_setting("view")?.as_deref() != Some("blind");
    // The view's survey is the one request: it also learns the limits.
    let mut view = None;
    if ledger.undelivered()? > 0 {
        if planned {
            view = crate::view::survey_only(ledger, &client)
                .await
                .map_err(ImportError::View)?;
        }
        if view.is_none() {
            super::connect::learn_limits(&client).await;
        }
    }
    let announced = announce(
        ledger,
        mapping,
        &engine,
        &client,
        !mapping.custom_refs.is_empty(),
        None,
    )?;
    println!("{}", announced.line);
    if let Some(choice) = &view {
        println!(
            "  View: the import will read the location by {} ({} contacts there): {} more \
             search requests, then decide each row (create, update, unchanged, conflict).",
            choice.method,
            thousands(choice.location_total),
            thousands(choice.requests),
        );
    }

    let path = run_dir.join("summary.json");
    let mut summary: serde_json::Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    summary["command"] = "import --dry-run".into();
    summary["estimate_requests"] = announced.breakdown.total().into();
    summary["estimate"] = serde_json::to_value(&announced.breakdown).unwrap_or_default();
    summary["delta"] = serde_json::to_value(delta.report()).unwrap_or_default();
    if let Some(choice) = &view {
        summary["view"] = serde_json::json!({
            "method": choice.method.as_str(),
            "location_total": choice.location_total,
            "requests": choice.requests,
        });
    }
    let json = serde_json::to_string_pretty(&summary).unwrap_or_default();
    super::finish::write_atomically(&path, &format!("{json}\n"))?;
    if let Some(handle) = sandbox {
        handle
            .shutdown()
            .await
            .map_err(|e| ImportError::Sandbox(e.to_string()))?;
    }
    Ok(if local_exit == 3 {
        RunEnd::Rejects
    } else {
        RunEnd::Ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_calls_are_counted_the_cheaper_way_as_the_engine_sends_them() {
        let sets = |pairs: &[(&str, u64)]| -> HashMap<String, u64> {
            pairs
                .iter()
                .map(|(s, n)| (s.replace('+', "\u{1f}"), *n))
                .collect()
        };
        // Small sets of the same few tags: one call per tag (2) beats one per set (3).
        let mixed = sets(&[("a", 3), ("b", 4), ("a+b", 5)]);
        assert_eq!(tag_requests(&mixed, 100), 2);
        // One big set: by set.
        assert_eq!(tag_requests(&sets(&[("a+b+c", 250)]), 100), 3);
    }
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
