//! The delta (design.md, "Resume, checkpoint, delta"): before delivery, a row whose payload the
//! state store says was already delivered, to the same contact, becomes `unchanged` at no
//! request; after delivery (or a stop), every row this run delivered is remembered there. Rows
//! are known by identity key (`email:…`, `phone:…`) and compared by a hash of what delivery
//! would send (`hash.rs`).

mod hash;

pub use hash::{identity_keys, PayloadHasher};

use super::{ImportError, Target};
use crate::ledger::{DeltaRow, Ledger};
use crate::mapping::Mapping;
use crate::state::{self, Delivered, DeliveredEntry, StateStore};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Rows read from the ledger at a time: large enough that per-statement costs vanish, small
/// enough that a million rows never sit in memory at once.
const PAGE: usize = 20_000;

/// The state file of a run that talks to a sandbox (in-process or on loopback), in its folder.
const RUN_STATE_FILE: &str = "state.sqlite";

/// Ledger `meta` keys: which state file a run uses and whether it ignores it, so that a resume
/// continues with the same choice.
const META_FILE: &str = "delta.state_file";
const META_SCOPE: &str = "delta.scope";
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
    /// Time the comparison took.
    pub compare_ms: u64,
    /// Delivered rows written to the store after delivery.
    pub remembered: u64,
    /// Time remembering took.
    pub remember_ms: u64,
}

/// An open delta for one run.
pub struct Delta {
    store: StateStore,
    hasher: PayloadHasher,
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
            report: DeltaReport {
                state_file: path.display().to_string(),
                scope,
                full,
                known_before,
                compared: 0,
                unchanged: 0,
                changed: 0,
                compare_ms: 0,
                remembered: 0,
                remember_ms: 0,
            },
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
            for (row, keys, hash, has_notes) in prepared {
                self.report.compared += 1;
                match verdict(&found, &keys, &hash) {
                    Verdict::Unchanged(contact_id) => unchanged.push((row, contact_id)),
                    Verdict::Changed => {
                        self.report.changed += 1;
                        if has_notes {
                            recheck_notes.push(row);
                        }
                    }
                    Verdict::New => {}
                }
            }
            let now = crate::pipeline::now_rfc3339();
            self.report.unchanged += ledger.mark_unchanged(&unchanged, &now)?;
            ledger.mark_notes_recheck(&recheck_notes)?;
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
            for ((_, keys, hash, _), staged) in prepared.into_iter().zip(page.iter()) {
                let Some(contact_id) = &staged.contact_id else {
                    continue;
                };
                for identity in keys {
                    entries.push(DeliveredEntry {
                        identity,
                        contact_id: contact_id.clone(),
                        payload_hash: hash.clone(),
                    });
                }
            }
            let now = crate::pipeline::now_rfc3339();
            // Store first, then the ledger's note of it: a crash in between writes the same
            // entries again on resume, which changes nothing.
            self.store.record_delivered(&entries, &now)?;
            ledger.mark_remembered(&rows)?;
            self.report.remembered += rows.len() as u64;
        }
        self.report.remember_ms += started.elapsed().as_millis() as u64;
        Ok(())
    }

    /// What the store remembers about the keys of a page of rows, looked up in key order
    /// (neighbouring keys share B-tree pages).
    fn look_up(
        &self,
        prepared: &[(u64, Vec<String>, String, bool)],
    ) -> Result<HashMap<String, Delivered>, ImportError> {
        let mut keys: Vec<&str> = prepared
            .iter()
            .flat_map(|p| p.1.iter().map(String::as_str))
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

/// Unchanged only when every identity key of the row is remembered with this very payload and
/// the same contact: keys that point at different contacts (the person's email and phone were
/// last delivered apart) mean HighLevel may now match differently, so the row is sent.
fn verdict(found: &HashMap<String, Delivered>, keys: &[String], hash: &str) -> Verdict {
    let mut contact: Option<&str> = None;
    let mut all_same = !keys.is_empty();
    let mut known = false;
    for key in keys {
        match found.get(key) {
            Some(entry) => {
                known = true;
                let agrees =
                    entry.payload_hash == hash && contact.is_none_or(|c| c == entry.contact_id);
                all_same &= agrees;
                contact.get_or_insert(&entry.contact_id);
            }
            None => all_same = false,
        }
    }
    match contact {
        Some(contact_id) if all_same => Verdict::Unchanged(contact_id.to_string()),
        _ if known => Verdict::Changed,
        _ => Verdict::New,
    }
}

/// Identity keys, hash and whether it creates things without an idempotency key (notes, tasks),
/// for each row (in parallel: hashing a million payloads is the pass's main cost). A payload
/// that cannot be read gets no keys, so it is never skipped (the engine reports it).
fn prepare(hasher: &PayloadHasher, page: &[DeltaRow]) -> Vec<(u64, Vec<String>, String, bool)> {
    page.par_iter()
        .map(
            |r| match serde_json::from_str::<serde_json::Value>(&r.payload_json) {
                Ok(payload) => {
                    let has_notes = ["notes", "tasks"]
                        .iter()
                        .any(|k| payload[k].as_array().is_some_and(|n| !n.is_empty()));
                    (
                        r.row,
                        identity_keys(&payload),
                        hasher.hash(&payload),
                        has_notes,
                    )
                }
                Err(_) => (r.row, Vec::new(), String::new(), false),
            },
        )
        .collect()
}

enum Verdict {
    Unchanged(String),
    Changed,
    New,
}

/// What delivery does with a payload beyond the payload itself. Hashed with every payload, so
/// that a change here sends every row once more instead of skipping rows delivered the old
/// way. Today there is one mode (upsert without tags, tags added, notes created); a mode or a
/// mapping-level list of tags to remove that is not part of the payload belongs here.
const DELIVERY_CONTEXT: &str = "upsert; tags added; notes created";

/// The target's location id, and whether the target is a sandbox.
fn where_to(target: &Target) -> (String, bool) {
    match target {
        Target::Api(client) => (
            client.location_id.clone(),
            is_loopback(client.base_url.as_str()),
        ),
        Target::Sandbox => (ghl_sandbox::DEFAULT_LOCATION_ID.to_string(), true),
    }
}

/// Whether a base URL points at this machine (a sandbox, never HighLevel).
fn is_loopback(base_url: &str) -> bool {
    match url::Url::parse(base_url)
        .ok()
        .as_ref()
        .and_then(|u| u.host())
    {
        Some(url::Host::Domain(host)) => host.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests;
