//! Executing a stored undo plan through the one client (limiter, retries): the safety check of
//! every contact not checked yet, then the per-contact requests (contact, note and task
//! deletes, field restores) in a bounded pool, then the tag changes in bulk groups shared by
//! many contacts (grouped as the import groups its tag adds). Each result is written to
//! `undo.db` as it arrives (in small transactions), so a stop at any instant loses at most
//! requests that are safe to send again: every undo request is idempotent (a delete of what is
//! gone is done).

use std::collections::{HashMap, HashSet, VecDeque};
use tokio::sync::watch;

use super::check;
use super::UndoError;
use crate::api::models::BulkTagsResponse;
use crate::api::removal::{is_not_found, SEARCH_BATCH};
use crate::api::{ApiError, Client, TagChange};
use crate::delivery::batches::{BatchKey, Batches, Ready};
use crate::ledger::{UndoLedger, UndoStep};
use crate::run::dispatch::{halving_may_help, verdict, Dispatch, Verdict};
use crate::run::progress::Progress;

pub use crate::run::end::Stop;

/// The executor's state.
pub(super) struct Exec<'a> {
    pub client: &'a Client,
    pub ledger: &'a mut UndoLedger,
    pub cancel: watch::Receiver<bool>,
    pub concurrency: usize,
    pub tag_batch: usize,
    pub force: bool,
    pub progress: &'a Progress,
    pub stop: Option<Stop>,
    results: Vec<(i64, &'static str, Option<String>)>,
    done: u64,
}

/// Actions sent one request per step.
const SINGLE: &[&str] = &[
    "delete_contact",
    "delete_note",
    "delete_task",
    "restore_fields",
];

impl<'a> Exec<'a> {
    pub(super) fn new(
        client: &'a Client,
        ledger: &'a mut UndoLedger,
        cancel: watch::Receiver<bool>,
        progress: &'a Progress,
    ) -> Self {
        Exec {
            client,
            ledger,
            cancel,
            concurrency: 8,
            tag_batch: 100,
            force: false,
            progress,
            stop: None,
            results: Vec::new(),
            done: 0,
        }
    }

    /// Runs every pending step; returns how it ended.
    pub(super) async fn execute(mut self) -> Result<Stop, UndoError> {
        self.checks().await?;
        let ok: HashSet<String> = self
            .ledger
            .undo_contacts()?
            .into_iter()
            .filter(|c| c.verdict.as_deref() == Some("ok"))
            .map(|c| c.contact_id)
            .collect();
        let steps: Vec<UndoStep> = self
            .ledger
            .undo_steps()?
            .into_iter()
            .filter(|s| s.state == "pending" && ok.contains(&s.contact_id))
            .collect();
        let (single, tags): (Vec<UndoStep>, Vec<UndoStep>) = steps
            .into_iter()
            .partition(|s| SINGLE.contains(&s.action.as_str()));
        self.singles(single).await?;
        self.tags(tags).await?;
        self.flush()?;
        Ok(self.stop.unwrap_or(Stop::Finished))
    }

    /// Whether to take no new work: a stop asked for (the run's end unless a resumable stop came
    /// first) or a resumable stop.
    fn stopping(&mut self) -> bool {
        if *self.cancel.borrow() && self.stop.is_none() {
            self.stop = Some(Stop::Interrupted);
        }
        self.stop.is_some()
    }

    async fn checks(&mut self) -> Result<(), UndoError> {
        let pending: HashSet<String> = self
            .ledger
            .undo_steps()?
            .into_iter()
            .filter(|s| s.state == "pending")
            .map(|s| s.contact_id)
            .collect();
        let contacts: Vec<_> = self
            .ledger
            .undo_contacts()?
            .into_iter()
            .filter(|c| c.verdict.is_none() && pending.contains(&c.contact_id))
            .collect();
        let refs: Vec<_> = contacts.iter().collect();
        for chunk in refs.chunks(SEARCH_BATCH) {
            if self.stopping() {
                return Ok(());
            }
            match check::check(self.client, chunk, self.force).await {
                Ok(verdicts) => {
                    let now = crate::run::clock::now_rfc3339();
                    self.ledger.record_verdicts(&verdicts, &now)?;
                }
                Err(error) => {
                    self.fail_all(error)?;
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// An error that ends the phase: fatal for auth, a stop otherwise (steps stay pending).
    fn fail_all(&mut self, error: ApiError) -> Result<(), UndoError> {
        if verdict(&error) == Verdict::Auth {
            return Err(UndoError::Auth(error));
        }
        tracing::warn!(%error, "Stopping the undo: it can be resumed.");
        if self.stop.is_none() {
            self.stop = Some(Stop::Resumable(error.to_string()));
        }
        Ok(())
    }

    async fn singles(&mut self, steps: Vec<UndoStep>) -> Result<(), UndoError> {
        let client = self.client;
        let send = |step: UndoStep| async move {
            let result = single(client, &step).await;
            (step, result)
        };
        let mut queue = steps.into_iter();
        let mut pool = Dispatch::new(self.concurrency, self.cancel.clone());
        loop {
            if self.stopping() {
                pool.halt();
            }
            let Some((step, result)) = pool.next_from(&mut queue, send).await else {
                break;
            };
            self.settle(&step, result)?;
            if self.results.len() >= 32 {
                self.flush()?;
            }
        }
        self.flush()
    }

    fn settle(&mut self, step: &UndoStep, result: Result<(), ApiError>) -> Result<(), UndoError> {
        let (state, reason) = match result {
            Ok(()) => ("done", None),
            Err(e) if is_not_found(&e) && step.action.starts_with("delete_") => {
                ("done", Some("already gone".to_string()))
            }
            Err(e) if is_not_found(&e) => ("skipped", Some("the contact no longer exists".into())),
            Err(e) => match verdict(&e) {
                Verdict::Auth => return Err(UndoError::Auth(e)),
                Verdict::Resumable => return self.fail_all(e),
                Verdict::RowFailure => ("failed", Some(e.api_message())),
            },
        };
        self.results.push((step.id, state, reason));
        Ok(())
    }

    fn flush(&mut self) -> Result<(), UndoError> {
        if self.results.is_empty() {
            return Ok(());
        }
        let results = std::mem::take(&mut self.results);
        self.done += results.len() as u64;
        self.ledger
            .record_steps(&results, &crate::run::clock::now_rfc3339())?;
        self.progress.update(self.done, self.client);
        Ok(())
    }

    async fn tags(&mut self, steps: Vec<UndoStep>) -> Result<(), UndoError> {
        let by_id: HashMap<i64, UndoStep> = steps.iter().map(|s| (s.id, s.clone())).collect();
        let mut batches = Batches::default();
        let mut queue: VecDeque<Ready> = VecDeque::new();
        for step in &steps {
            let tags: Vec<String> = serde_json::from_str(&step.target).unwrap_or_default();
            let key = if step.action == "add_tags" {
                BatchKey::Add(tags)
            } else {
                BatchKey::Remove(tags)
            };
            let member = (step.id as u64, step.contact_id.clone());
            queue.extend(batches.add(key, member, self.tag_batch));
        }
        queue.extend(batches.drain(self.tag_batch).1);
        // Split by tag, a step is in several requests: it is done when all of them are.
        let mut waiting: HashMap<i64, usize> = HashMap::new();
        for (_, members) in &queue {
            for (id, _) in members {
                *waiting.entry(*id as i64).or_default() += 1;
            }
        }
        let mut failed: HashSet<i64> = HashSet::new();
        let client = self.client;
        let send = |(key, members): Ready| async move {
            let result = bulk(client, &key, &members).await;
            (key, members, result)
        };
        let mut pool = Dispatch::new(self.concurrency, self.cancel.clone());
        loop {
            if self.stopping() {
                pool.halt();
            }
            let next = pool
                .next_from(&mut std::iter::from_fn(|| queue.pop_front()), send)
                .await;
            let Some((key, members, result)) = next else {
                break;
            };
            let response = match result {
                Ok(response) => response,
                Err(e) if halving_may_help(&e, members.len()) => {
                    let (left, right) = members.split_at(members.len() / 2);
                    queue.push_back((key.clone(), left.to_vec()));
                    queue.push_back((key, right.to_vec()));
                    continue;
                }
                // Sorted before the error is copied for each member: a copy keeps only its text.
                Err(e) if verdict(&e) == Verdict::Auth => return Err(UndoError::Auth(e)),
                Err(e) => {
                    for (id, _) in &members {
                        if let Some(step) = by_id.get(&(*id as i64)) {
                            self.settle(step, Err(clone_error(&e)))?;
                            failed.insert(step.id);
                        }
                    }
                    continue;
                }
            };
            for (id, contact_id) in &members {
                let id = *id as i64;
                let entry = response
                    .responses
                    .iter()
                    .find(|r| &r.contact_id == contact_id);
                match entry {
                    Some(e) if e.kind == "error" && !e.message.contains("deleted") => {
                        if failed.insert(id) {
                            self.results.push((id, "failed", Some(e.message.clone())));
                        }
                    }
                    _ => {
                        let left = waiting.entry(id).or_default();
                        *left = left.saturating_sub(1);
                        if *left == 0 && !failed.contains(&id) {
                            self.results.push((id, "done", None));
                        }
                    }
                }
            }
            self.flush()?;
        }
        self.flush()
    }
}

/// One request of a single step.
async fn single(client: &Client, step: &UndoStep) -> Result<(), ApiError> {
    let id = step.contact_id.as_str();
    match step.action.as_str() {
        "delete_contact" => client.delete_contact(id).await.map(|_| ()),
        "delete_note" => client.delete_note(id, &step.target).await.map(|_| ()),
        "delete_task" => client.delete_task(id, &step.target).await.map(|_| ()),
        "restore_fields" => {
            let body: serde_json::Value = serde_json::from_str(&step.target)
                .map_err(|e| ApiError::Build(format!("the planned restore is unreadable: {e}")))?;
            client.update_contact_raw(id, &body).await.map(|_| ())
        }
        other => Err(ApiError::Build(format!("unknown undo action {other}"))),
    }
}

async fn bulk(
    client: &Client,
    key: &BatchKey,
    members: &[(u64, String)],
) -> Result<BulkTagsResponse, ApiError> {
    let ids: Vec<String> = members.iter().map(|(_, id)| id.clone()).collect();
    match key {
        BatchKey::Add(tags) => client.bulk_tags(TagChange::Add, &ids, tags).await,
        BatchKey::Remove(tags) => client.bulk_tags(TagChange::Remove, &ids, tags).await,
        BatchKey::Business(_) => Err(ApiError::Build("an undo sends no business change".into())),
    }
}

/// The same error for each member of a failed bulk request (`ApiError` is not `Clone`).
fn clone_error(error: &ApiError) -> ApiError {
    match error {
        ApiError::Status {
            endpoint,
            status,
            body,
        } => ApiError::Status {
            endpoint,
            status: *status,
            body: body.clone(),
        },
        ApiError::Exhausted {
            endpoint,
            attempts,
            last,
        } => ApiError::Exhausted {
            endpoint,
            attempts: *attempts,
            last: last.clone(),
        },
        ApiError::RateLimited { endpoint, times } => ApiError::RateLimited {
            endpoint,
            times: *times,
        },
        ApiError::DailyBudget(reached) => ApiError::DailyBudget(*reached),
        other => ApiError::Build(other.to_string()),
    }
}
