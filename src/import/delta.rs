//! The delta (docs/ARCHITECTURE.md, "One row", step 6): before delivery, a row whose payload the
//! state store says was already delivered, to the same contact, becomes `unchanged` at no
//! request; after delivery (or a stop), every row this run delivered is remembered there. Rows
//! are known by identity key (`email:…`, `phone:…`) and compared by a hash of what delivery
//! would send (`hash.rs`). A row whose contact part is unchanged but whose notes or task are not
//! goes to delivery for those alone; for every row sent whose contact the store knows, what the
//! store remembers of that contact's notes and tasks is handed to delivery through the ledger,
//! and what delivery made is remembered afterwards (`state::Followup`).

mod compare;
mod hash;

use compare::{prepare, verdict, Prepared, Verdict};

pub use hash::{identity_keys, PayloadHasher};

use super::{ImportError, Target};
use crate::delivery::followup_keys::DEFAULT_TASK_RULE;
use crate::ledger::state::recorded::{META_FILE, META_SCOPE, RUN_STATE_FILE};
use crate::ledger::state::{self, Delivered, DeliveredEntry, FollowupEntry, StateStore};
use crate::ledger::{FollowupRecord, Ledger};
use crate::mapping::Mapping;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Rows read from the ledger at a time: large enough that per-statement costs vanish, small
/// enough that a million rows never sit in memory at once.
const PAGE: usize = 20_000;

/// Ledger `meta` key: whether a run ignores the state file (`--full`), so that a resume
/// continues with the same choice (the file and scope keys are `state::recorded`'s).
const META_FULL: &str = "delta.full";

/// The user's choice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeltaOptions {
    /// `--state FILE`; `None`: the default for the target.
    pub state: Option<PathBuf>,
    /// `--full`: send every row whatever the store says (what is delivered is still remembered).
    pub full: bool,
}

/// Where the state file lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StateScope {
    /// Kept across runs for the location (the user's data folder, or `--state`).
    Location,
    /// In the run folder: the target is a sandbox whose contacts do not outlive it, so nothing
    /// it remembers may be used against another sandbox (or the user's real location).
    Run,
}

/// What the delta did, for summary.json and the human summary.
#[derive(Debug, Clone, Serialize)]
pub struct DeltaReport {
    /// The state file used.
    pub state_file: String,
    /// `location` or `run`.
    pub scope: StateScope,
    /// `--full`: no row was skipped.
    pub full: bool,
    /// Identities the store remembered before this run.
    pub known_before: u64,
    /// Rows compared with the store.
    pub compared: u64,
    /// Rows found unchanged (no request).
    pub unchanged: u64,
    /// Rows whose contact the store knew, with a different payload (sent again).
    pub changed: u64,
    /// Of those, rows whose contact is unchanged: only their notes or task were sent.
    pub followups_only: u64,
    /// Time the comparison took.
    pub compare_ms: u64,
    /// Delivered rows written to the store after delivery.
    pub remembered: u64,
    /// Notes and tasks written to the store after delivery.
    pub followups_remembered: u64,
    /// Time remembering took.
    pub remember_ms: u64,
}

impl DeltaReport {
    /// The report of a delta that has compared and remembered nothing yet.
    pub(super) fn new(
        state_file: String,
        scope: StateScope,
        full: bool,
        known_before: u64,
    ) -> DeltaReport {
        DeltaReport {
            state_file,
            scope,
            full,
            known_before,
            compared: 0,
            unchanged: 0,
            changed: 0,
            followups_only: 0,
            compare_ms: 0,
            remembered: 0,
            followups_remembered: 0,
            remember_ms: 0,
        }
    }
}

/// An open delta for one run.
pub struct Delta {
    store: StateStore,
    hasher: PayloadHasher,
    /// The mapping's task rule (what a row's task is known by).
    task_key: String,
    report: DeltaReport,
}

impl Delta {
    /// Opens the state file the options and the target call for (the one recorded in the
    /// ledger when resuming without `--state`), refusing a file of another location, and records
    /// the choice in the ledger.
    pub fn open(
        options: &DeltaOptions,
        target: &Target,
        run_dir: &Path,
        ledger: &Ledger,
        mapping: &Mapping,
    ) -> Result<Delta, ImportError> {
        let (location, sandbox) = where_to(target);
        let recorded_scope = ledger.meta_value(META_SCOPE)?;
        let recorded_file = ledger.meta_value(META_FILE)?;
        let (path, scope) = match (&options.state, recorded_scope.as_deref(), recorded_file) {
            (Some(path), _, _) => (path.clone(), StateScope::Location),
            // The run folder may have moved since: its state file moved with it.
            (None, Some("run"), _) => (run_dir.join(RUN_STATE_FILE), StateScope::Run),
            (None, Some(_), Some(file)) => (PathBuf::from(file), StateScope::Location),
            (None, _, _) if sandbox => (run_dir.join(RUN_STATE_FILE), StateScope::Run),
            (None, _, _) => (state::default_path(&location)?, StateScope::Location),
        };
        let full = options.full || ledger.meta_value(META_FULL)?.as_deref() == Some("1");
        ledger.prepare_bulk_pass()?;
        let store = StateStore::open(&path, &location)?;
        ledger.set_meta_value(META_FILE, &path.display().to_string())?;
        ledger.set_meta_value(
            META_SCOPE,
            match scope {
                StateScope::Location => "location",
                StateScope::Run => "run",
            },
        )?;
        ledger.set_meta_value(META_FULL, if full { "1" } else { "0" })?;
        let known_before = store.len()?;
        Ok(Delta {
            store,
            hasher: PayloadHasher::new(mapping, DELIVERY_CONTEXT),
            task_key: task_key(mapping),
            report: DeltaReport::new(path.display().to_string(), scope, full, known_before),
        })
    }

    /// Checks, before a new run stages anything, that the state file it will use opens and
    /// belongs to this location: a wrong `--state` is refused before the file is read.
    pub fn preflight(options: &DeltaOptions, target: &Target) -> Result<(), ImportError> {
        let (location, sandbox) = where_to(target);
        if let Some(path) = &options.state {
            StateStore::open(path, &location)?;
        } else if !sandbox {
            StateStore::open(&state::default_path(&location)?, &location)?;
        }
        Ok(())
    }

    /// What the delta did so far.
    pub fn report(&self) -> &DeltaReport {
        &self.report
    }

    /// Marks every deliverable row whose payload was already delivered to the same contact
    /// `unchanged` (nothing with `--full`, or when the store is empty).
    pub fn skip_unchanged(&mut self, ledger: &mut Ledger) -> Result<(), ImportError> {
        let started = Instant::now();
        if self.report.full || self.store.is_empty()? {
            return Ok(());
        }
        let mut after = 0;
        loop {
            let page = ledger.delta_candidates(after, PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.row;
            let prepared = prepare(&self.hasher, &page);
            let found = self.look_up(&prepared)?;
            let mut unchanged = Vec::new();
            let mut recheck_notes = Vec::new();
            let mut only = Vec::new();
            // Rows sent whose contact is known, with their notes and task: their memory is
            // looked up below.
            let mut followups: Vec<(&Prepared, String)> = Vec::new();
            for p in &prepared {
                self.report.compared += 1;
                match verdict(&found, p) {
                    Verdict::Unchanged(contact_id) => unchanged.push((p.row, contact_id)),
                    Verdict::FollowupsOnly(contact_id) => {
                        self.report.changed += 1;
                        self.report.followups_only += 1;
                        only.push((p.row, contact_id.clone()));
                        followups.push((p, contact_id));
                    }
                    Verdict::Changed(contact_id) => {
                        self.report.changed += 1;
                        if p.has_followups() {
                            recheck_notes.push(p.row);
                            if let Some(contact_id) = contact_id {
                                followups.push((p, contact_id));
                            }
                        }
                    }
                    Verdict::New => {}
                }
            }
            let known = self.memory(&followups)?;
            let now = crate::run::clock::now_rfc3339();
            self.report.unchanged += ledger.mark_unchanged(&unchanged, &now)?;
            ledger.mark_notes_recheck(&recheck_notes)?;
            ledger.record_followups_known(&known, &only)?;
        }
        self.report.compare_ms = started.elapsed().as_millis() as u64;
        Ok(())
    }

    /// Writes every row delivered (`created` or `updated`) and not yet remembered to the state
    /// store. Call after the engine, whether it finished or stopped: a failed or in-doubt row
    /// is never written, and a row remembered once is not written again on resume.
    pub fn remember(&mut self, ledger: &mut Ledger) -> Result<(), ImportError> {
        let started = Instant::now();
        let mut after = 0;
        loop {
            let page = ledger.delta_unremembered(after, PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.row;
            let mut entries = Vec::with_capacity(page.len() * 2);
            let rows: Vec<u64> = page.iter().map(|r| r.row).collect();
            let prepared = prepare(&self.hasher, &page);
            for (p, staged) in prepared.into_iter().zip(page.iter()) {
                let Some(contact_id) = &staged.contact_id else {
                    continue;
                };
                for identity in p.keys {
                    entries.push(DeliveredEntry {
                        identity,
                        contact_id: contact_id.clone(),
                        payload_hash: p.hash.clone(),
                        contact_hash: Some(p.contact_hash.clone()),
                    });
                }
            }
            let now = crate::run::clock::now_rfc3339();
            // Store first, then the ledger's note of it: a crash in between writes the same
            // entries again on resume, which changes nothing.
            self.store.record_delivered(&entries, &now)?;
            ledger.mark_remembered(&rows)?;
            self.report.remembered += rows.len() as u64;
        }
        self.remember_followups(ledger)?;
        self.report.remember_ms += started.elapsed().as_millis() as u64;
        Ok(())
    }

    /// Writes every note and task delivery made, updated, adopted or found unchanged (whatever
    /// its row's outcome: a note made by a row that failed later exists all the same) to the
    /// store, so the next run sends nothing for it, or updates it in place.
    fn remember_followups(&mut self, ledger: &mut Ledger) -> Result<(), ImportError> {
        let mut after = 0;
        loop {
            let page = ledger.followups_unremembered(after, PAGE)?;
            let Some((last, _)) = page.last() else { break };
            after = *last;
            let entries: Vec<FollowupEntry> = page
                .iter()
                .map(|(_, r)| FollowupEntry {
                    contact_id: r.contact_id.clone(),
                    key: r.key.clone(),
                    followup: state::Followup {
                        item_id: r.item_id.clone(),
                        content_hash: r.content_hash.clone(),
                        completed: r.completed,
                    },
                })
                .collect();
            let mut rows: Vec<u64> = page.iter().map(|(row, _)| *row).collect();
            rows.dedup();
            let now = crate::run::clock::now_rfc3339();
            self.store.record_followups(&entries, &now)?;
            ledger.mark_followups_remembered(&rows)?;
            self.report.followups_remembered += entries.len() as u64;
        }
        Ok(())
    }

    /// What the store remembers of the notes and task each row carries, for the contact the
    /// store says the row is: (row, record) pairs for the ledger.
    fn memory(
        &self,
        rows: &[(&Prepared, String)],
    ) -> Result<Vec<(u64, FollowupRecord)>, ImportError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let contacts: Vec<&str> = rows.iter().map(|(_, c)| c.as_str()).collect();
        let remembered = self.store.followups_of(&contacts)?;
        let mut out = Vec::new();
        for (p, contact_id) in rows {
            let task = p.has_task.then_some(&self.task_key);
            for key in p.note_keys.iter().chain(task) {
                if let Some(f) = remembered.get(&(contact_id.clone(), key.clone())) {
                    out.push((
                        p.row,
                        FollowupRecord {
                            key: key.clone(),
                            contact_id: contact_id.clone(),
                            item_id: f.item_id.clone(),
                            content_hash: f.content_hash.clone(),
                            completed: f.completed,
                            action: "known".into(),
                        },
                    ));
                }
            }
        }
        Ok(out)
    }

    /// What the store remembers about the keys of a page of rows, looked up in key order
    /// (neighbouring keys share B-tree pages).
    fn look_up(&self, prepared: &[Prepared]) -> Result<HashMap<String, Delivered>, ImportError> {
        let mut keys: Vec<&str> = prepared
            .iter()
            .flat_map(|p| p.keys.iter().map(String::as_str))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let delivered = self.store.delivered_all(&keys)?;
        Ok(keys
            .into_iter()
            .zip(delivered)
            .filter_map(|(key, found)| Some((key.to_string(), found?)))
            .collect())
    }
}

/// What a row's task is known by, for `mapping`.
pub fn task_key(mapping: &Mapping) -> String {
    mapping.task_rule().unwrap_or(DEFAULT_TASK_RULE).to_string()
}

/// What delivery does with a payload beyond the payload itself. Hashed with every payload, so
/// that a change here sends every row once more instead of skipping rows delivered the old
/// way. Today there is one mode (upsert without tags, tags added, notes created); a mode or a
/// mapping-level list of tags to remove that is not part of the payload belongs here.
const DELIVERY_CONTEXT: &str = "upsert; tags added; notes created";

/// The target's location id, and whether the target is a sandbox.
fn where_to(target: &Target) -> (String, bool) {
    match target {
        Target::Api(client) => (client.location_id.clone(), client.base_url.is_loopback()),
        Target::Sandbox => (ghl_sandbox::DEFAULT_LOCATION_ID.to_string(), true),
    }
}

#[cfg(test)]
mod tests;
