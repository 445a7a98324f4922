//! What an undo leaves in the run folder, written from `undo.db` at every end (finished or
//! stopped): `undo-report.csv` (one line per step: the import's rows, the contact, the action,
//! its result and why) and `undo-summary.json` (counts, requests, exit code), and the human
//! summary on stderr.

use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use super::run::Stop;
use super::UndoError;
use crate::api::Client;
use crate::ledger::UndoLedger;
use crate::report::neutralise;

/// The report file's name.
pub const REPORT: &str = "undo-report.csv";
/// The summary file's name.
pub const SUMMARY: &str = "undo-summary.json";

/// Counts of an undo, from its ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Steps per `action:state`.
    pub steps: BTreeMap<String, u64>,
    /// Contacts per verdict (`ok`, `changed`, `gone`, `unchecked`).
    pub contacts: BTreeMap<String, u64>,
}

impl Tally {
    /// Reads the counts.
    pub fn read(undo: &UndoLedger) -> Result<Tally, UndoError> {
        let mut contacts = BTreeMap::new();
        for c in undo.undo_contacts()? {
            let verdict = c.verdict.unwrap_or_else(|| "unchecked".into());
            *contacts.entry(verdict).or_insert(0) += 1;
        }
        Ok(Tally {
            steps: undo.undo_counts()?.into_iter().collect(),
            contacts,
        })
    }

    /// Steps in `state`, any action.
    pub fn in_state(&self, state: &str) -> u64 {
        self.steps
            .iter()
            .filter(|(k, _)| k.ends_with(&format!(":{state}")))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Writes `undo-report.csv` from the ledger.
pub fn write_report(undo: &UndoLedger, dir: &Path) -> Result<(), UndoError> {
    let path = dir.join(REPORT);
    let fail = |message: String| UndoError::Write {
        path: path.clone(),
        message,
    };
    let rows: HashMap<String, String> = undo
        .undo_contacts()?
        .into_iter()
        .map(|c| {
            let rows: Vec<String> = c.rows.iter().map(u64::to_string).collect();
            (c.contact_id, rows.join(" "))
        })
        .collect();
    let (pending, file) =
        crate::run::atomic::AtomicFile::create(&path).map_err(|e| fail(e.to_string()))?;
    let mut out = csv::Writer::from_writer(file);
    out.write_record(["row", "contact_id", "action", "target", "result", "reason"])
        .map_err(|e| fail(e.to_string()))?;
    for step in undo.undo_steps()? {
        let target = match step.action.as_str() {
            // A restore body is the before-image's values: the report names the fields only.
            "restore_fields" => serde_json::from_str::<serde_json::Value>(&step.target)
                .ok()
                .and_then(|v| {
                    v.as_object()
                        .map(|o| o.keys().cloned().collect::<Vec<_>>().join(" "))
                })
                .unwrap_or_default(),
            _ => step.target.clone(),
        };
        let row = rows.get(&step.contact_id).cloned().unwrap_or_default();
        let reason = step.reason.clone().unwrap_or_default();
        let cells = [
            &row,
            &step.contact_id,
            &step.action,
            &target,
            &step.state,
            &reason,
        ];
        out.write_record(cells.iter().map(|c| neutralise(c).into_owned()))
            .map_err(|e| fail(e.to_string()))?;
    }
    let file = out.into_inner().map_err(|e| fail(e.to_string()))?;
    pending.commit(Some(file)).map_err(|e| fail(e.to_string()))
}

/// What the summary needs besides the ledger.
pub struct Ending<'a> {
    pub dir: &'a Path,
    pub stop: &'a Stop,
    pub exit_code: u8,
    pub client: &'a Client,
    pub elapsed: Duration,
    pub print: bool,
}

/// Writes `undo-summary.json` and says how the undo went.
pub fn write_summary(
    undo: &UndoLedger,
    tally: &Tally,
    end: &Ending<'_>,
) -> Result<String, UndoError> {
    let path = end.dir.join(SUMMARY);
    let requests = end.client.stats().snapshot();
    let resume = (end.exit_code == 75 || end.exit_code == 130 || tally.in_state("failed") > 0)
        .then(|| format!("ghl-bulk undo {} --resume", end.dir.display()));
    let summary = json!({
        "command": "undo",
        "run_dir": end.dir.display().to_string(),
        "stop": match end.stop {
            Stop::Finished => "finished".to_string(),
            Stop::Interrupted => "interrupted".to_string(),
            Stop::Resumable(why) => format!("stopped: {why}"),
        },
        "contacts": tally.contacts,
        "steps": tally.steps,
        "requests": requests,
        "throttled_ms": end.client.limiter().throttled().as_millis() as u64,
        "elapsed_ms": end.elapsed.as_millis() as u64,
        "planned_at": undo.undo_meta("planned_at")?,
        "finished_at": undo.undo_meta("finished_at")?,
        "exit_code": end.exit_code,
        "resume": resume,
    });
    let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
    crate::run::atomic::write(&path, format!("{text}\n").as_bytes()).map_err(|e| {
        UndoError::Write {
            path: path.clone(),
            message: e.to_string(),
        }
    })?;
    if end.print {
        eprint!(
            "{}",
            human(tally, requests.total, end.dir, resume.as_deref())
        );
    }
    Ok(text)
}

fn human(tally: &Tally, requests: u64, dir: &Path, resume: Option<&str>) -> String {
    let get = |k: &str| tally.steps.get(k).copied().unwrap_or(0);
    let contact = |k: &str| tally.contacts.get(k).copied().unwrap_or(0);
    let mut text = format!(
        "Undo: {} contacts deleted, {} restored, {} tag changes reverted, {} notes and {} tasks \
         deleted; {} steps failed; {requests} requests.\n",
        get("delete_contact:done"),
        get("restore_fields:done"),
        get("remove_tags:done") + get("add_tags:done"),
        get("delete_note:done"),
        get("delete_task:done"),
        tally.in_state("failed"),
    );
    if contact("changed") + contact("gone") > 0 {
        text.push_str(&format!(
            "Left alone: {} contacts changed by someone else since the run, {} no longer exist \
             (see {}).\n",
            contact("changed"),
            contact("gone"),
            REPORT
        ));
    }
    let listed = tally.in_state("listed");
    if listed > 0 {
        text.push_str(&format!(
            "Not reversible: {listed} (fields written without a before-image, or that the API \
             cannot restore; listed in {REPORT}).\n"
        ));
    }
    if let Some(resume) = resume {
        text.push_str(&format!("Continue with:\n  {resume}\n"));
    }
    text.push_str(&format!("Run folder: {}\n", dir.display()));
    text
}
