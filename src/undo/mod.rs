//! `ghl-bulk undo RUN_DIR`: reverses what an import run did, from its ledger. `plan` decides
//! the steps per contact (with `restore` for the fields), `preview` counts and words them before
//! the question, `check` is the safety check that leaves alone contacts someone changed since,
//! `run` sends the steps through the one client, `report` writes `undo-report.csv` and
//! `undo-summary.json`; the consent asked before anything is sent is `run::consent` (shared
//! with `delete`). The undo keeps its own ledger, `undo.db` in the run folder, while holding the
//! run's lock (`ledger.db`, exclusive): it resumes after a stop, a finished undo sends nothing
//! again, and the import cannot be resumed once an undo has started.

mod check;
pub mod plan;
mod preview;
pub mod report;
pub mod restore;
mod run;

use std::path::PathBuf;
use std::time::Instant;

use crate::api::{ApiError, Client, ClientConfig, Estimate};
use crate::ledger::{Ledger, LedgerError, UndoLedger};
use crate::run::clock;
use crate::run::consent::{self, Consent};
use crate::run::end::RunEnd;
use crate::run::progress::Progress;
use preview::describe;
pub use preview::requests;
pub use run::Stop;

pub use crate::ledger::UNDO_LEDGER;

/// What `undo` was asked to do.
#[derive(Debug, Clone)]
pub struct UndoConfig {
    /// The import's run folder.
    pub run_dir: PathBuf,
    /// Where to send.
    pub client: ClientConfig,
    /// Print the plan and the estimate only.
    pub dry_run: bool,
    /// Consent given on the command line.
    pub yes: bool,
    /// Undo contacts changed since the run as well.
    pub force: bool,
    /// Continue a stopped undo.
    pub resume: bool,
    /// Progress and the human summary on stderr.
    pub progress: bool,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Contacts per bulk tags request.
    pub tag_batch: usize,
}

/// What stops an undo as a whole.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("cannot reach the API: {0}")]
    Api(#[from] ApiError),
    #[error("{}", .0.fatal_text())]
    Auth(ApiError),
    /// The command line asks for something impossible (exit 2).
    #[error("{0}")]
    Usage(String),
    #[error("cannot undo {dir}: {reason}")]
    Refused { dir: PathBuf, reason: String },
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
    #[error("cannot start the runtime: {0}")]
    Runtime(String),
}

/// Runs an undo to its end, a clean stop, or a refusal.
pub fn run(config: UndoConfig) -> Result<RunEnd, UndoError> {
    consent::can_ask("undo", config.yes, config.dry_run)
        .map_err(|e| UndoError::Usage(e.to_string()))?;
    let refuse = |reason: String| UndoError::Refused {
        dir: config.run_dir.clone(),
        reason,
    };
    let ledger_path = config.run_dir.join("ledger.db");
    if !ledger_path.is_file() {
        return Err(refuse("it is not a run folder (no ledger.db in it)".into()));
    }
    let Some(import) = Ledger::open_exclusive(&ledger_path)? else {
        eprintln!(
            "Another ghl-bulk process is working on the run in {}; it was left alone. Try again once it has ended.",
            config.run_dir.display()
        );
        return Ok(RunEnd::Resumable);
    };
    let undo_path = config.run_dir.join(UNDO_LEDGER);
    let existing = undo_path.exists();
    let mut undo = if existing {
        Some(UndoLedger::open(&undo_path)?)
    } else {
        None
    };
    let planned = match &undo {
        Some(u) => u.undo_meta("planned_at")?,
        None => None,
    };
    if let (Some(u), Some(_)) = (&undo, &planned) {
        // A finished undo sends nothing again, unless `--resume --force` is to undo the
        // contacts it left alone because someone had changed them.
        let changed = u
            .undo_contacts()?
            .iter()
            .any(|c| c.verdict.as_deref() == Some("changed"));
        if let Some(finished) = u.undo_meta("finished_at")? {
            if !(config.force && changed && config.resume) {
                eprintln!("This run was undone already (finished {finished}); nothing to send.");
                if changed {
                    eprintln!(
                        "Contacts changed since the run were left alone; `--resume --force` \
                         undoes them too."
                    );
                }
                return Ok(RunEnd::Ok);
            }
        }
        if !config.resume {
            return Err(refuse(format!(
                "an undo of this run was started and has not finished; continue it with \
                 `ghl-bulk undo {} --resume`",
                config.run_dir.display()
            )));
        }
    } else if config.resume {
        return Err(refuse("there is no undo of this run to resume".into()));
    }
    let plan = match planned {
        Some(_) => None,
        None => Some(build_plan(&import)?),
    };
    if let Some(p) = &plan {
        if p.steps.is_empty() {
            eprintln!("The run changed nothing that can be undone; nothing to send.");
            return Ok(RunEnd::Ok);
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| UndoError::Runtime(e.to_string()))?;
    runtime.block_on(async {
        let client = Client::new(config.client.clone())?;
        learn_limits(&client).await;
        let (contacts, steps) = match (&plan, undo.as_mut()) {
            (Some(p), _) => (p.contacts.clone(), p.steps.clone()),
            (None, Some(u)) => {
                // Failed steps are tried again; with --force, contacts left alone as changed
                // too (a dry run only looks).
                if !config.dry_run {
                    u.reopen_undo(config.force)?;
                }
                (u.undo_contacts()?, u.undo_steps()?)
            }
            (None, None) => return Err(refuse("undo.db vanished".into())),
        };
        let estimate = Estimate::new(
            requests(&contacts, &steps, config.tag_batch),
            client.limiter(),
        );
        eprint!("{}", describe(&contacts, &steps, plan.is_none()));
        eprintln!("{estimate}");
        if config.dry_run {
            return Ok(RunEnd::Ok);
        }
        if consent::ask(config.yes, "Undo these changes?") == Consent::Refused {
            eprintln!("Nothing was sent.");
            return Ok(RunEnd::Ok);
        }
        let mut undo = match (undo.take(), &plan) {
            (Some(u), None) => u,
            (existing, Some(p)) => {
                let mut u = match existing {
                    Some(u) => u,
                    None => UndoLedger::open(&undo_path)?,
                };
                u.store_undo_plan(&p.contacts, &p.steps, &clock::now_rfc3339())?;
                u
            }
            (None, None) => return Err(refuse("undo.db vanished".into())),
        };
        forget_in_state(&import, &config, &undo)?;
        execute(&config, &client, &mut undo).await
    })
}

/// Before the first change: the import's state file forgets the run's contacts, so that
/// importing the same file again after the undo sends its rows instead of calling them
/// unchanged. Done first because forgetting errs the safe way: a crash after it costs a resend,
/// never a row skipped against a contact that is gone.
fn forget_in_state(
    import: &Ledger,
    config: &UndoConfig,
    undo: &UndoLedger,
) -> Result<(), UndoError> {
    let Some(path) = crate::ledger::state::recorded_state_file(import, &config.run_dir)
        .map_err(|e| refuse_state(config, e.to_string()))?
    else {
        return Ok(());
    };
    let ids: Vec<String> = undo
        .undo_contacts()?
        .into_iter()
        .map(|c| c.contact_id)
        .collect();
    let forgotten = crate::ledger::state::forget_contacts(&path, &config.client.location_id, &ids)
        .map_err(|e| refuse_state(config, e.to_string()))?;
    tracing::info!(state = %path.display(), forgotten, "The state file forgot the run's contacts.");
    Ok(())
}

fn refuse_state(config: &UndoConfig, reason: String) -> UndoError {
    UndoError::Refused {
        dir: config.run_dir.clone(),
        reason: format!("its state file cannot forget the run's contacts: {reason}"),
    }
}

async fn execute(
    config: &UndoConfig,
    client: &Client,
    undo: &mut UndoLedger,
) -> Result<RunEnd, UndoError> {
    let started = Instant::now();
    let pending = undo
        .undo_steps()?
        .iter()
        .filter(|s| s.state == "pending")
        .count() as u64;
    let progress = Progress::steps(config.progress, pending, "steps");
    let (cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let interrupts = tokio::spawn(crate::run::signals::graceful(
        cancel_tx,
        "ghl-bulk undo RUN_DIR --resume",
    ));
    let mut exec = run::Exec::new(client, undo, cancel, &progress);
    exec.concurrency = config.concurrency;
    exec.tag_batch = config.tag_batch.max(1);
    exec.force = config.force;
    // A second Ctrl-C or SIGTERM stops at once: each step's state is committed before its
    // request goes out, and the resume checks what is in doubt.
    let stop = tokio::select! {
        stop = exec.execute() => stop,
        () = crate::run::signals::wait_for(2) => Ok(Stop::Interrupted),
    };
    interrupts.abort();
    progress.finish();
    let stop = stop?;
    let tally = report::Tally::read(undo)?;
    let end = match &stop {
        Stop::Interrupted => RunEnd::Interrupted,
        Stop::Resumable(_) => RunEnd::Resumable,
        Stop::Finished if tally.in_state("failed") > 0 || tally.in_state("pending") > 0 => {
            RunEnd::Rejects
        }
        Stop::Finished if tally.contacts.get("changed").copied().unwrap_or(0) > 0 => {
            RunEnd::Rejects
        }
        Stop::Finished => RunEnd::Ok,
    };
    let exit_code = end.code();
    // Finished when nothing is left to retry: a later undo then sends nothing.
    if stop == Stop::Finished && tally.in_state("failed") == 0 && tally.in_state("pending") == 0 {
        undo.set_undo_meta("finished_at", &clock::now_rfc3339())?;
    }
    report::write_report(undo, &config.run_dir)?;
    let summary = report::write_summary(
        undo,
        &tally,
        &report::Ending {
            dir: &config.run_dir,
            stop: &stop,
            exit_code,
            client,
            elapsed: started.elapsed(),
            print: config.progress,
        },
    )?;
    undo.set_undo_meta("summary_json", &summary)?;
    Ok(end)
}

/// The plan from the import's ledger and its before-images.
fn build_plan(import: &Ledger) -> Result<plan::Plan, UndoError> {
    let sources = import.undo_sources()?;
    let mut images = plan::Images {
        undoable: import.undoable()?,
        ..plan::Images::default()
    };
    for source in &sources {
        if let Some(sent) = import.sent_fields(source.row)? {
            images
                .sent
                .insert(source.row, serde_json::from_str(&sent).unwrap_or_default());
        }
        if !images.by_contact.contains_key(&source.contact_id) {
            if let Some(image) = import.before_image(&source.contact_id)? {
                let value = serde_json::from_str(&image.contact_json).unwrap_or_default();
                images.by_contact.insert(source.contact_id.clone(), value);
            }
        }
    }
    Ok(plan::build(&sources, &images))
}

/// One small read, so the estimate and the pace follow the limit the API reports.
async fn learn_limits(client: &Client) {
    if let Err(error) = client
        .search_any(&[crate::api::removal::Identity::Id("_".into())])
        .await
    {
        tracing::debug!(%error, "The rate-limit probe was refused; using the defaults.");
    }
}
