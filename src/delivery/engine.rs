//! The async engine: a bounded set of in-flight requests fed from the ledger. Each row is
//! upserted (without tags), then its tags join a group of rows needing the same tags, sent as
//! one bulk call when the group is full (or has waited long enough), then its notes are created.
//! A row's result is written when all its requests are done. Rows are marked `in_doubt` in the
//! ledger before their first request leaves, so a stop at any instant loses nothing.

use super::custom_fields::CustomFieldResolver;
use super::honest;
use super::plan::{plan_row, RowPlan};
use super::DeliveryError;
use crate::api::models::{BulkTagsResponse, UpsertResponse};
use crate::api::{ApiError, Client, TagChange};
use crate::ledger::{DeliveryResult, Ledger};
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Contacts per bulk tags call.
    pub tag_batch: usize,
    /// Rows read (and marked in doubt) from the ledger at a time.
    pub read_ahead: usize,
    /// A tag group that has not filled up is sent after this long.
    pub tag_flush_after: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            concurrency: 32,
            tag_batch: 100,
            read_ahead: 256,
            tag_flush_after: Duration::from_secs(5),
        }
    }
}

/// Why the engine stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// Every deliverable row has a result.
    Finished,
    /// Ctrl-C: in-flight requests were finished, the rest waits for a resume.
    Interrupted,
    /// The daily budget reached the reserve, or the API stayed unreachable: resumable.
    Resumable(String),
}

/// Counts of one engine run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineCounts {
    pub created: u64,
    pub updated: u64,
    pub failed: u64,
}

type Job<'a> = Pin<Box<dyn Future<Output = Done> + Send + 'a>>;

enum Done {
    Upsert(u64, Box<Result<UpsertResponse, ApiError>>),
    Tags(
        Vec<String>,
        Vec<(u64, String)>,
        Result<BulkTagsResponse, ApiError>,
    ),
    Notes(u64, Vec<String>, Option<ApiError>),
}

/// Rows (with their contact ids) waiting for the same tags, and since when.
type TagGroup = (Vec<(u64, String)>, Instant);

struct Row {
    plan: RowPlan,
    recheck_notes: bool,
    result: DeliveryResult,
    waiting: usize,
}

/// Delivers every deliverable row of the ledger, or stops early (see [`StopReason`]).
pub async fn run(
    ledger: &Mutex<Ledger>,
    client: &Client,
    custom: &CustomFieldResolver,
    config: &EngineConfig,
    mut cancel: watch::Receiver<bool>,
    on_progress: &(dyn Fn(&EngineCounts) + Sync),
) -> Result<(StopReason, EngineCounts), DeliveryError> {
    let mut engine = Engine {
        ledger,
        client,
        config,
        rows: HashMap::new(),
        groups: BTreeMap::new(),
        ready: VecDeque::new(),
        finished: Vec::new(),
        counts: EngineCounts::default(),
        stop: None,
    };
    with_ledger(ledger, |l| l.prepare_delivery())?;
    let mut queue: VecDeque<(RowPlan, bool)> = VecDeque::new();
    let mut after = 0u64;
    let mut drained = false;
    let mut inflight: FuturesUnordered<Job<'_>> = FuturesUnordered::new();
    let mut last_write = Instant::now();
    loop {
        if *cancel.borrow() && engine.stop.is_none() {
            engine.stop = Some(StopReason::Interrupted);
        }
        let stopping = engine.stop.is_some();
        while inflight.len() < config.concurrency {
            if let Some(job) = engine.ready.pop_front() {
                inflight.push(job);
                continue;
            }
            if stopping {
                break;
            }
            if queue.is_empty() && !drained {
                let batch = with_ledger(ledger, |l| l.deliverable(after, config.read_ahead))?;
                if batch.is_empty() {
                    drained = true;
                    break;
                }
                after = batch.last().map_or(after, |r| r.row);
                let rows: Vec<u64> = batch.iter().map(|r| r.row).collect();
                let now = crate::pipeline::now_rfc3339();
                with_ledger(ledger, |l| l.mark_in_doubt(&rows, &now))?;
                for staged in batch {
                    let recheck = staged.attempts > 0 || staged.note_ids_json.is_some();
                    match plan_row(staged.row, &staged.payload_json, custom) {
                        Ok(plan) => queue.push_back((plan, recheck)),
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
            }
            let Some((plan, recheck_notes)) = queue.pop_front() else {
                break;
            };
            inflight.push(engine.upsert(plan, recheck_notes));
        }
        let upserts_left = !queue.is_empty() || !drained;
        engine.flush_groups(stopping || !upserts_left);
        if inflight.is_empty() {
            if engine.ready.is_empty() && engine.groups.is_empty() {
                break;
            }
            if !engine.ready.is_empty() {
                continue;
            }
        }
        tokio::select! {
            Some(done) = inflight.next(), if !inflight.is_empty() => engine.handle(done)?,
            _ = tokio::time::sleep(config.tag_flush_after / 4) => {}
            _ = cancel.changed() => {}
        }
        if engine.finished.len() >= 64 || last_write.elapsed() >= Duration::from_millis(500) {
            engine.write()?;
            on_progress(&engine.counts);
            last_write = Instant::now();
        }
    }
    engine.write()?;
    on_progress(&engine.counts);
    Ok((engine.stop.unwrap_or(StopReason::Finished), engine.counts))
}

struct Engine<'a> {
    ledger: &'a Mutex<Ledger>,
    client: &'a Client,
    config: &'a EngineConfig,
    rows: HashMap<u64, Row>,
    /// Rows waiting for the same tags: tags → (row, contact id), and when the group started.
    groups: BTreeMap<Vec<String>, TagGroup>,
    ready: VecDeque<Job<'a>>,
    finished: Vec<DeliveryResult>,
    counts: EngineCounts,
    stop: Option<StopReason>,
}

impl<'a> Engine<'a> {
    fn upsert(&mut self, plan: RowPlan, recheck_notes: bool) -> Job<'a> {
        let client = self.client;
        let row = plan.row;
        let fields = plan.fields.clone();
        self.rows.insert(
            row,
            Row {
                result: DeliveryResult {
                    row,
                    warnings: plan.warnings.clone(),
                    ..DeliveryResult::default()
                },
                plan,
                recheck_notes,
                waiting: 1,
            },
        );
        Box::pin(async move { Done::Upsert(row, Box::new(client.upsert(&fields).await)) })
    }

    fn handle(&mut self, done: Done) -> Result<(), DeliveryError> {
        match done {
            Done::Upsert(row, outcome) => self.upserted(row, *outcome),
            Done::Tags(tags, members, outcome) => self.tagged(tags, members, outcome),
            Done::Notes(row, ids, error) => {
                if let Some(error) = error {
                    self.row_error(row, "note_failed", error)?;
                } else if let Some(state) = self.rows.get_mut(&row) {
                    state.result.note_ids.extend(ids);
                    self.step_done(row);
                }
                Ok(())
            }
        }
    }

    fn upserted(
        &mut self,
        row: u64,
        outcome: Result<UpsertResponse, ApiError>,
    ) -> Result<(), DeliveryError> {
        let response = match outcome {
            Ok(response) => response,
            Err(error) => return self.row_error(row, "api_refused", error),
        };
        let Some(state) = self.rows.get_mut(&row) else {
            return Ok(());
        };
        let contact = response.contact;
        state.result.state = if response.new { "created" } else { "updated" };
        state.result.created = Some(response.new);
        state.result.contact_id = Some(contact.id.clone());
        state.result.last_status = Some(200);
        state
            .result
            .warnings
            .extend(honest::compare(&state.plan.fields, &contact));
        let before: Vec<String> = contact.tags.iter().map(|t| t.to_lowercase()).collect();
        let mut to_add: Vec<String> = state
            .plan
            .tags
            .iter()
            .filter(|t| !before.contains(&t.to_lowercase()))
            .cloned()
            .collect();
        to_add.sort();
        state.result.tags_before = Some(contact.tags.clone());
        state.result.tags_added = Some(Vec::new());
        if !to_add.is_empty() {
            state.waiting += 1;
            let group = self
                .groups
                .entry(to_add)
                .or_insert_with(|| (Vec::new(), Instant::now()));
            group.0.push((row, contact.id.clone()));
        }
        if !state.plan.notes.is_empty() {
            state.waiting += 1;
            let job = notes_job(
                self.client,
                row,
                contact.id,
                state.plan.notes.clone(),
                state.recheck_notes,
            );
            self.ready.push_back(job);
        }
        self.step_done(row);
        Ok(())
    }

    fn tagged(
        &mut self,
        tags: Vec<String>,
        members: Vec<(u64, String)>,
        outcome: Result<BulkTagsResponse, ApiError>,
    ) -> Result<(), DeliveryError> {
        match outcome {
            Ok(response) => {
                for (row, contact_id) in members {
                    let entry = response
                        .responses
                        .iter()
                        .find(|r| r.contact_id == contact_id);
                    match entry {
                        Some(entry) if entry.kind == "error" => {
                            let message = format!("adding tags failed: {}", entry.message);
                            self.fail_row(row, "tags_failed", message);
                        }
                        _ => {
                            if let Some(state) = self.rows.get_mut(&row) {
                                let added = entry
                                    .map(|e| e.tags_added.clone())
                                    .filter(|added| !added.is_empty())
                                    .unwrap_or_else(|| tags.clone());
                                state.result.tags_added = Some(added);
                            }
                            self.step_done(row);
                        }
                    }
                }
                Ok(())
            }
            // A batch the API refuses may hold one bad id: halve it until the culprit is alone
            // (the bulk endpoint's size cap is undocumented, HighLevel issue #315).
            Err(error)
                if error.status().is_some_and(|s| s < 500)
                    && members.len() > 1
                    && !error.is_auth() =>
            {
                let half = members.len() / 2;
                let (left, right) = members.split_at(half);
                for part in [left.to_vec(), right.to_vec()] {
                    let job = tags_job(self.client, tags.clone(), part);
                    self.ready.push_back(job);
                }
                Ok(())
            }
            Err(error) => {
                if error.is_auth() {
                    return Err(DeliveryError::Auth(error));
                }
                if error.is_resumable_stop() {
                    self.stop_for(&error);
                    for (row, _) in members {
                        self.rows.remove(&row);
                    }
                    return Ok(());
                }
                for (row, _) in members {
                    self.fail_row(
                        row,
                        "tags_failed",
                        format!("adding tags failed: {}", error.api_message()),
                    );
                }
                Ok(())
            }
        }
    }

    fn row_error(&mut self, row: u64, code: &str, error: ApiError) -> Result<(), DeliveryError> {
        if error.is_auth() {
            return Err(DeliveryError::Auth(error));
        }
        if error.is_resumable_stop() {
            // The row stays in doubt in the ledger; the resume sends it again.
            self.stop_for(&error);
            self.rows.remove(&row);
            return Ok(());
        }
        let code = match error.status() {
            Some(status) => format!("{code}_{status}"),
            None => code.to_string(),
        };
        if let Some(state) = self.rows.get_mut(&row) {
            state.result.last_status = error.status();
        }
        self.fail_row(row, &code, error.api_message());
        Ok(())
    }

    fn stop_for(&mut self, error: &ApiError) {
        if self.stop.is_none() {
            tracing::warn!(%error, "Stopping: the run can be resumed later.");
            self.stop = Some(StopReason::Resumable(error.to_string()));
        }
    }

    fn fail_row(&mut self, row: u64, code: &str, message: String) {
        if let Some(state) = self.rows.remove(&row) {
            self.fail(state.result, code, message);
        }
    }

    fn fail(&mut self, mut result: DeliveryResult, code: &str, message: String) {
        result.state = "failed";
        result.error = Some((code.to_string(), String::new(), message));
        self.counts.failed += 1;
        self.finished.push(result);
    }

    fn step_done(&mut self, row: u64) {
        let Some(state) = self.rows.get_mut(&row) else {
            return;
        };
        state.waiting -= 1;
        if state.waiting > 0 {
            return;
        }
        if let Some(state) = self.rows.remove(&row) {
            match state.result.state {
                "created" => self.counts.created += 1,
                _ => self.counts.updated += 1,
            }
            self.finished.push(state.result);
        }
    }

    /// Sends full groups, groups that waited long enough, and every group when `all`.
    fn flush_groups(&mut self, all: bool) {
        let batch = self.config.tag_batch.max(1);
        let due: Vec<Vec<String>> = self
            .groups
            .iter()
            .filter(|(_, (members, since))| {
                all || members.len() >= batch || since.elapsed() >= self.config.tag_flush_after
            })
            .map(|(tags, _)| tags.clone())
            .collect();
        for tags in due {
            let Some((members, _)) = self.groups.remove(&tags) else {
                continue;
            };
            for chunk in members.chunks(batch) {
                let job = tags_job(self.client, tags.clone(), chunk.to_vec());
                self.ready.push_back(job);
            }
        }
    }

    fn write(&mut self) -> Result<(), DeliveryError> {
        if self.finished.is_empty() {
            return Ok(());
        }
        let results = std::mem::take(&mut self.finished);
        let now = crate::pipeline::now_rfc3339();
        with_ledger(self.ledger, |l| l.record_delivery(&results, &now))?;
        Ok(())
    }
}

fn tags_job<'a>(client: &'a Client, tags: Vec<String>, members: Vec<(u64, String)>) -> Job<'a> {
    Box::pin(async move {
        let ids: Vec<String> = members.iter().map(|(_, id)| id.clone()).collect();
        let outcome = client.bulk_tags(TagChange::Add, &ids, &tags).await;
        Done::Tags(tags, members, outcome)
    })
}

fn notes_job<'a>(
    client: &'a Client,
    row: u64,
    contact_id: String,
    notes: Vec<String>,
    recheck: bool,
) -> Job<'a> {
    Box::pin(async move {
        let mut created = Vec::new();
        // A resumed row may have created some of its notes before the stop: read them first so
        // none is created twice (notes have no idempotency key).
        let existing: Vec<String> = if recheck {
            match client.list_notes(&contact_id).await {
                Ok(notes) => notes.into_iter().map(|n| n.body).collect(),
                Err(error) => return Done::Notes(row, created, Some(error)),
            }
        } else {
            Vec::new()
        };
        for body in notes {
            if existing.iter().any(|e| e == &body) {
                continue;
            }
            match create_note_once(client, &contact_id, &body).await {
                Ok(id) => created.push(id),
                Err(error) => return Done::Notes(row, created, Some(error)),
            }
        }
        Done::Notes(row, created, None)
    })
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

fn with_ledger<T>(
    ledger: &Mutex<Ledger>,
    f: impl FnOnce(&mut Ledger) -> Result<T, crate::ledger::LedgerError>,
) -> Result<T, DeliveryError> {
    tokio::task::block_in_place(|| {
        let mut guard = ledger.lock().map_err(|_| DeliveryError::Poisoned)?;
        f(&mut guard).map_err(DeliveryError::from)
    })
}
