//! What follows a row's resolved contact: the tags it lacks (added) and the listed tags it has
//! (removed) join bulk groups, so does its business; its notes and task become one job. Then
//! the answers of those requests, per contact. A bulk call the API refuses is halved until the
//! contact that spoils it is alone (the endpoints' size cap is undocumented, HighLevel #315).

use super::batches::{BatchKey, Member, Ready};
use super::engine::{BatchReply, Done, Engine, Job};
use super::followup_keys::DEFAULT_TASK_RULE;
use super::followups::{self, FollowupJob, FollowupsDone};
use super::honest;
use super::resolve::{Resolved, Via};
use super::DeliveryError;
use crate::api::models::UpdateRequest;
use crate::api::{ApiError, Client, TagChange};
use crate::ledger::{ContactSeen, RowState, Warning};
use crate::run::dispatch::{halving_may_help, verdict, Verdict};

impl<'a> Engine<'a> {
    pub(super) fn resolved(&mut self, row: u64, resolved: Resolved) -> Result<(), DeliveryError> {
        let (contact, created, via) = match resolved {
            Resolved::Contact {
                contact,
                created,
                via,
            } => (contact, created, via),
            Resolved::Skipped { contact_id } => {
                if let Some(state) = self.rows.get_mut(&row) {
                    state.result.state = RowState::Unchanged;
                    state.result.created = Some(false);
                    state.result.contact_id = Some(contact_id);
                    state.result.last_status = Some(400);
                }
                self.step_done(row);
                return Ok(());
            }
            Resolved::Unchanged { contact_id } => {
                if let Some(state) = self.rows.get_mut(&row) {
                    state.result.state = RowState::Unchanged;
                    state.result.created = Some(false);
                    state.result.contact_id = Some(contact_id);
                }
                self.step_done(row);
                return Ok(());
            }
            Resolved::ConflictSkipped { contact_id, reason } => {
                if let Some(state) = self.rows.get_mut(&row) {
                    state.result.state = RowState::Unchanged;
                    state.result.created = Some(false);
                    state.result.contact_id = Some(contact_id);
                    state.result.warnings.push(Warning::from((
                        "email/phone".to_string(),
                        "identity_conflict_skipped".to_string(),
                        reason,
                    )));
                }
                self.counts.skipped += 1;
                self.step_done(row);
                return Ok(());
            }
            Resolved::NotFound => {
                self.refuse_row(
                    row,
                    "not_found",
                    "email/phone",
                    "no contact in the location matches this row's email or phone \
                     (--mode update-only creates nobody)"
                        .into(),
                );
                return Ok(());
            }
            Resolved::Refused(refusal) => {
                self.refuse_row(row, refusal.code, refusal.field, refusal.message);
                return Ok(());
            }
        };
        let size = self.config.tag_batch;
        let Some(state) = self.rows.get_mut(&row) else {
            return Ok(());
        };
        let result = &mut state.result;
        result.state = if created {
            RowState::Created
        } else {
            RowState::Updated
        };
        result.created = Some(created);
        result.contact_id = Some(contact.id.clone());
        result.last_status = Some(200);
        let sent = match via {
            Via::Update => Some(UpdateRequest::from_fields(&state.plan.fields).fields),
            Via::Upsert | Via::Create => Some(state.plan.fields.clone()),
            // Nothing was sent for the fields this time: no answer to compare with.
            Via::Known => None,
        };
        if let Some(sent) = sent {
            result.warnings.extend(
                honest::compare(&sent, &contact)
                    .into_iter()
                    .map(Warning::from),
            );
        }
        let followups_only = state.followups_only;
        // A contact this very create made had no tags before it: the ones it has are the
        // row's, sent inline.
        let tags_before = if created && via == Via::Create {
            Vec::new()
        } else {
            contact.tags.clone()
        };
        if !followups_only {
            result.tags_before = Some(tags_before.clone());
            result.tags_added = Some(Vec::new());
        }

        let has = |tag: &str| contact.tags.iter().any(|t| t.eq_ignore_ascii_case(tag));
        let mut to_add: Vec<String> = state
            .plan
            .tags
            .iter()
            .filter(|t| !has(t))
            .cloned()
            .collect();
        to_add.sort();
        // Only tags the contact has, in its own spelling.
        let mut to_remove: Vec<String> = contact
            .tags
            .iter()
            .filter(|t| {
                state
                    .plan
                    .tags_remove
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(t))
            })
            .cloned()
            .collect();
        to_remove.sort();
        to_remove.dedup();
        let business = state
            .plan
            .business_id
            .clone()
            .filter(|b| contact.business_id.as_deref() != Some(b.as_str()));
        let mut keys = Vec::new();
        if followups_only {
            // Nothing of the contact changed since it was delivered: no bulk call for it.
        } else if !to_add.is_empty() {
            keys.push(BatchKey::Add(to_add));
        }
        if !to_remove.is_empty() && !followups_only {
            keys.push(BatchKey::Remove(to_remove));
        }
        if let Some(business) = business.filter(|_| !followups_only) {
            keys.push(BatchKey::Business(business));
        }
        // The ledger learns the contact and its tags at once, before anything else is sent for
        // the row: whatever happens next (a stop, a crash) an undo knows what they were, and a
        // resume goes straight on to what follows instead of sending the row again.
        if via != Via::Known {
            // Handed to the writer with the next batch, which whatever follows waits for.
            self.pending.seen.push(ContactSeen {
                row,
                contact_id: contact.id.clone(),
                created,
                tags_before: tags_before.clone(),
                date_updated: contact.date_updated.clone(),
            });
        }
        state.waiting += keys.len();
        if !state.plan.notes.is_empty() || state.plan.task.is_some() {
            state.waiting += 1;
            let client = self.client;
            let job = FollowupJob {
                contact_id: contact.id.clone(),
                // Made by this very attempt: nothing of it can exist yet. A row sent before
                // may have made notes in the attempt whose answer was lost.
                fresh: created && via != Via::Known && !state.recheck,
                ours: created,
                notes: state.plan.notes.clone(),
                task: state.plan.task.clone(),
                task_key: self
                    .config
                    .task_rule
                    .clone()
                    .unwrap_or_else(|| DEFAULT_TASK_RULE.to_string()),
                known: state.followups_known.clone(),
            };
            self.ready.push_back(Box::pin(async move {
                let done = followups::run(client, &job).await;
                Done::Followups(row, done)
            }));
        }
        for key in keys {
            if let Some(full) = self.batches.add(key, (row, contact.id.clone()), size) {
                self.send(full);
            }
        }
        self.step_done(row);
        Ok(())
    }

    /// Sends every waiting bulk group, rebalancing what each row waits for.
    pub(super) fn flush_batches(&mut self) {
        if self.batches.is_empty() {
            return;
        }
        let (removed, ready) = self.batches.drain(self.config.tag_batch);
        for (_, members) in &ready {
            for (row, _) in members {
                if let Some(state) = self.rows.get_mut(row) {
                    state.waiting += 1;
                }
            }
        }
        for row in removed {
            if let Some(state) = self.rows.get_mut(&row) {
                state.waiting = state.waiting.saturating_sub(1);
            }
        }
        for batch in ready {
            self.send(batch);
        }
    }

    fn send(&mut self, (key, members): Ready) {
        self.ready.push_back(batch_job(self.client, key, members));
    }

    pub(super) fn batch_done(
        &mut self,
        key: BatchKey,
        members: Vec<Member>,
        outcome: Result<BatchReply, ApiError>,
    ) -> Result<(), DeliveryError> {
        let code = match key {
            BatchKey::Add(_) => ("tags_failed", "adding tags failed"),
            BatchKey::Remove(_) => ("tags_remove_failed", "removing tags failed"),
            BatchKey::Business(_) => ("business_failed", "setting the business failed"),
        };
        let error = match outcome {
            Ok(reply) => {
                self.batch_answered(&key, members, reply, code);
                return Ok(());
            }
            Err(error) => error,
        };
        if verdict(&error) == Verdict::Auth {
            return Err(DeliveryError::Auth(error));
        }
        if halving_may_help(&error, members.len()) {
            let (left, right) = members.split_at(members.len() / 2);
            // Each row is in one half: what it waits for does not change.
            for part in [left.to_vec(), right.to_vec()] {
                self.send((key.clone(), part));
            }
            return Ok(());
        }
        if verdict(&error) == Verdict::Resumable {
            self.stop_for(&error);
            for (row, _) in members {
                self.rows.remove(&row);
            }
            return Ok(());
        }
        for (row, _) in members {
            self.fail_row(row, code.0, format!("{}: {}", code.1, error.api_message()));
        }
        Ok(())
    }

    fn batch_answered(
        &mut self,
        key: &BatchKey,
        members: Vec<Member>,
        reply: BatchReply,
        (code, what): (&str, &str),
    ) {
        for (row, contact_id) in members {
            let verdict = match (&reply, key) {
                (BatchReply::Tags(response), BatchKey::Add(tags) | BatchKey::Remove(tags)) => {
                    let entry = response
                        .responses
                        .iter()
                        .find(|r| r.contact_id == contact_id);
                    match entry {
                        Some(entry) if entry.kind == "error" => Err(entry.message.clone()),
                        _ => {
                            let (done, listed) = match key {
                                BatchKey::Add(_) => (entry.map(|e| &e.tags_added), tags),
                                _ => (entry.map(|e| &e.tags_removed), tags),
                            };
                            Ok(done.filter(|d| !d.is_empty()).unwrap_or(listed).clone())
                        }
                    }
                }
                // The API lists the contacts it changed; with no list at all, `success` is all
                // it says (the real endpoint's answer is not documented beyond that).
                (BatchReply::Business(response), _) => {
                    let listed = response.ids.is_empty() || response.ids.contains(&contact_id);
                    if response.success && listed {
                        Ok(Vec::new())
                    } else {
                        Err("the contact was not attached to the business".into())
                    }
                }
                _ => Err("the answer does not match the request".into()),
            };
            let Some(state) = self.rows.get_mut(&row) else {
                continue;
            };
            match verdict {
                Err(message) => {
                    self.fail_row(row, code, format!("{what}: {message}"));
                    continue;
                }
                Ok(tags) => match key {
                    BatchKey::Add(_) => state
                        .result
                        .tags_added
                        .get_or_insert_with(Vec::new)
                        .extend(tags),
                    BatchKey::Remove(_) => state
                        .result
                        .tags_removed
                        .get_or_insert_with(Vec::new)
                        .extend(tags),
                    BatchKey::Business(id) => state.result.business_id = Some(id.clone()),
                },
            }
            self.step_done(row);
        }
    }

    pub(super) fn followups_done(
        &mut self,
        row: u64,
        done: FollowupsDone,
    ) -> Result<(), DeliveryError> {
        if let Some(state) = self.rows.get_mut(&row) {
            state.result.note_ids.extend(done.note_ids);
            state.result.task_ids.extend(done.task_ids);
            state.result.followups.extend(done.records);
        }
        match done.error {
            Some((code, error)) => self.row_error(row, code, error),
            None => {
                self.step_done(row);
                Ok(())
            }
        }
    }
}

fn batch_job<'a>(client: &'a Client, key: BatchKey, members: Vec<Member>) -> Job<'a> {
    Box::pin(async move {
        let ids: Vec<String> = members.iter().map(|(_, id)| id.clone()).collect();
        let outcome = match &key {
            BatchKey::Add(tags) => client
                .bulk_tags(TagChange::Add, &ids, tags)
                .await
                .map(BatchReply::Tags),
            BatchKey::Remove(tags) => client
                .bulk_tags(TagChange::Remove, &ids, tags)
                .await
                .map(BatchReply::Tags),
            BatchKey::Business(id) => client
                .bulk_business(&ids, Some(id))
                .await
                .map(BatchReply::Business),
        };
        Done::Batch(key, members, outcome)
    })
}
