//! `ghl-bulk delete FILE --mapping M`: deletes the contacts a spreadsheet names, by an id
//! column (`contact_id` in the mapping) or by email/phone looked up many at a time. Rows that
//! match nothing or more than one contact go to `rejects.csv` (`not_found`, `ambiguous`).
//! Same run folder as an import (ledger.db, summary.json, rejects.csv/xlsx), the same lock,
//! resume, consent (y/N on a terminal, `--yes` otherwise) and exit codes.

mod finish;
pub mod run;
pub mod stage;

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::api::{ApiError, Client, ClientConfig, Estimate};
use crate::ledger::{Ledger, LedgerError};
use crate::mapping::{self, MappingError};
use crate::pipeline::failure::{self, Stage};
use crate::run::clock;
use crate::run::consent::{self, Consent};
use crate::run::end::{RunEnd, Stop};
use crate::run::progress::Progress;
use finish::{rows, write_summary, Finish};
pub use stage::NewDelete;

/// The ledger's `meta` key that marks the folder of a `delete --dry-run`: it deleted nothing
/// and must never be resumed into deleting (issue 13 item 9: a resume of a dry run deleted
/// every contact it had looked up).
pub const DRY_RUN_META: &str = "delete_dry_run";

/// How a delete starts.
#[derive(Debug, Clone)]
pub enum DeleteStart {
    /// Read a file into a new run folder.
    New(Box<NewDelete>),
    /// Continue the delete run in this folder.
    Resume(PathBuf),
}

/// What `delete` was asked to do.
#[derive(Debug, Clone)]
pub struct DeleteConfig {
    /// New or resumed.
    pub start: DeleteStart,
    /// Where to send.
    pub client: ClientConfig,
    /// Read, resolve and print the estimate only.
    pub dry_run: bool,
    /// Consent given on the command line.
    pub yes: bool,
    /// Progress and the human summary on stderr.
    pub progress: bool,
    /// Requests in flight at most.
    pub concurrency: usize,
}

/// What stops a delete as a whole.
#[derive(Debug, thiserror::Error)]
pub enum DeleteError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Summary(#[from] crate::run::summary::SummaryError),
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error(transparent)]
    Pipeline(#[from] crate::pipeline::PipelineError),
    #[error("cannot reach the API: {0}")]
    Api(ApiError),
    #[error("{}", .0.fatal_text())]
    Auth(ApiError),
    /// The command line or the mapping asks for something impossible (exit 2).
    #[error("{0}")]
    Usage(String),
    #[error("cannot continue {dir}: {reason}")]
    Refused { dir: PathBuf, reason: String },
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
    /// The state file could not forget the contacts about to be deleted.
    #[error("the state file cannot forget the contacts to delete: {0}")]
    State(String),
    #[error("cannot start the runtime: {0}")]
    Runtime(String),
}

/// Runs a delete to its end, a clean stop, or a refusal. A fatal error in a run folder this
/// delete made (or continued) is recorded there; Ctrl-C or SIGTERM while the file is read ends
/// as `Interrupted`.
pub fn run(config: DeleteConfig) -> Result<RunEnd, DeleteError> {
    consent::can_ask("delete", config.yes, config.dry_run)
        .map_err(|e| DeleteError::Usage(e.to_string()))?;
    // A new run folder is this delete's as soon as its ledger exists; a resumed one once its
    // lock is held (see `attempt`).
    let mut owned = match &config.start {
        DeleteStart::New(new) if !new.run_dir.join("ledger.db").exists() => {
            Some(new.run_dir.clone())
        }
        _ => None,
    };
    let mut stage = Stage::Read;
    let secret = match &config.client.credentials {
        crate::api::Credentials::Token(token) => token.expose().to_string(),
        crate::api::Credentials::OAuth(oauth) => oauth.client_secret.expose().to_string(),
    };
    let result = attempt(&config, &mut owned, &mut stage);
    let interrupted = matches!(
        result,
        Err(DeleteError::Pipeline(
            crate::pipeline::PipelineError::Interrupted
        ))
    );
    if let (Err(error), Some(dir)) = (&result, &owned) {
        let text = failure::redact(&error.to_string(), &[&secret]);
        failure::record(dir, stage, &text, if interrupted { 130 } else { 1 });
    }
    if interrupted {
        eprintln!("Interrupted while the file was read and checked; nothing was deleted.");
        return Ok(RunEnd::Interrupted);
    }
    result
}

fn attempt(
    config: &DeleteConfig,
    owned: &mut Option<PathBuf>,
    stage: &mut Stage,
) -> Result<RunEnd, DeleteError> {
    let (run_dir, mapping) = match &config.start {
        DeleteStart::New(new) => {
            // Staging leaves the file unlocked; the run's lock is taken below, as on resume.
            let (_, mapping, read) = stage::stage(new)?;
            if config.progress {
                eprintln!("Read {read} rows into {}.", new.run_dir.display());
            }
            (new.run_dir.clone(), Some(mapping))
        }
        DeleteStart::Resume(dir) => (dir.clone(), None),
    };
    let refuse = |reason: String| DeleteError::Refused {
        dir: run_dir.clone(),
        reason,
    };
    let path = run_dir.join("ledger.db");
    if !path.is_file() {
        return Err(refuse("it is not a run folder (no ledger.db in it)".into()));
    }
    let Some(mut ledger) = Ledger::open_exclusive(&path)? else {
        eprintln!(
            "Another ghl-bulk process is working on the run in {}; it was left alone.",
            run_dir.display()
        );
        return Ok(RunEnd::Resumable);
    };
    let record = ledger.run_record()?;
    let options: serde_json::Value = serde_json::from_str(&record.options_json).unwrap_or_default();
    if options["command"].as_str() != Some("delete") {
        return Err(refuse("it is not the folder of a delete run".into()));
    }
    let dry_run = match &config.start {
        DeleteStart::New(_) => {
            if config.dry_run {
                ledger.set_meta_value(DRY_RUN_META, "1")?;
            }
            config.dry_run
        }
        DeleteStart::Resume(_) => {
            if ledger.meta_value(DRY_RUN_META)?.is_some() {
                return Err(refuse(
                    "it is the folder of a dry run (delete --dry-run), which deletes nothing \
                     and cannot be resumed: run the delete again without --dry-run"
                        .into(),
                ));
            }
            false
        }
    };
    let target = crate::ledger::Target::of_api(&config.client);
    match ledger.target()? {
        Some(recorded) if recorded != target => {
            return Err(refuse(format!(
                "the run looked up and deleted in {} (location {}), this resume would in {} \
                 (location {}); resume with the run's base URL and location",
                recorded.base_url, recorded.location, target.base_url, target.location
            )))
        }
        Some(_) => {}
        None => ledger.set_target(&target)?,
    }
    ledger.clear_failure()?;
    *owned = Some(run_dir.clone());
    *stage = Stage::Deliver;
    let mapping = match mapping {
        Some(m) => m,
        None => mapping::load(Path::new(&record.mapping_path))?
            .compile(&record.headers, options["region"].as_str())?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| DeleteError::Runtime(e.to_string()))?;
    let started = Instant::now();
    let (end, client) = runtime.block_on(async {
        let client = Client::new(config.client.clone()).map_err(DeleteError::Api)?;
        let end = deliver(config, &client, &mut ledger).await?;
        Ok::<_, DeleteError>((end, client))
    })?;
    *stage = Stage::Reports;
    crate::pipeline::write_reports(&ledger, &record.headers, &mapping, &run_dir)?;
    let finish = Finish {
        dir: &run_dir,
        client: &client,
        started,
        print: config.progress,
        dry_run,
    };
    let code = write_summary(&ledger, &finish, end)?;
    let stop = if dry_run { "dry run" } else { "finished" };
    crate::report::html::write_after_delivery(&ledger, &run_dir, &client, stop).map_err(|e| {
        DeleteError::Write {
            path: run_dir.join(crate::report::html::FILE_NAME),
            message: e.to_string(),
        }
    })?;
    // Last: until here `runs` shows the run's reports as incomplete.
    ledger.reports_written(&clock::now_rfc3339())?;
    Ok(code)
}

async fn deliver(
    config: &DeleteConfig,
    client: &Client,
    ledger: &mut Ledger,
) -> Result<Option<Stop>, DeleteError> {
    let (cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let interrupts = tokio::spawn(crate::run::signals::graceful(
        cancel_tx,
        "ghl-bulk delete --resume RUN_DIR",
    ));
    let outcome = async {
        ledger.reports_stale()?;
        if let Some(stop) = run::resolve(client, ledger, &cancel).await? {
            return Ok(Some(stop));
        }
        let ids = resolved_contacts(ledger)?;
        let contacts = ids.len() as u64;
        let estimate = Estimate::new(contacts, client.limiter());
        let refused = ledger.rejected()?.len() as u64;
        let will = if config.dry_run {
            "would be"
        } else {
            "will be"
        };
        eprintln!(
            "{} {will} deleted; {} match nothing, match several contacts or are invalid \
             (rejects.csv).\n{estimate}",
            finish::contacts(contacts),
            rows(refused),
        );
        if config.dry_run || contacts == 0 {
            return Ok(None);
        }
        if consent::ask(config.yes, "Delete these contacts?") == Consent::Refused {
            eprintln!("Nothing was deleted.");
            return Ok(None);
        }
        forget_in_state(config, &ids)?;
        let progress = Progress::steps(config.progress, contacts, "contacts");
        let stop = run::delete(client, ledger, &cancel, config.concurrency, &progress).await;
        progress.finish();
        stop
    };
    // A second Ctrl-C or SIGTERM stops at once: each row's state is committed before its
    // request goes out, and the resume looks up what is in doubt.
    let outcome = tokio::select! {
        outcome = outcome => outcome,
        () = crate::run::signals::wait_for(2) => Ok(Some(Stop::Interrupted)),
    };
    interrupts.abort();
    outcome
}

/// Before the first delete: the location's state file forgets the contacts, so that a later
/// import of their rows creates them again instead of calling them unchanged (forgetting first
/// errs the safe way). A loopback target (a sandbox) has no state file in the user's folder.
fn forget_in_state(config: &DeleteConfig, ids: &[String]) -> Result<(), DeleteError> {
    if config.client.base_url.is_loopback() {
        return Ok(());
    }
    let location = &config.client.location_id;
    let path = crate::ledger::state::default_path(location)
        .map_err(|e| DeleteError::State(e.to_string()))?;
    let forgotten = crate::ledger::state::forget_contacts(&path, location, ids)
        .map_err(|e| DeleteError::State(e.to_string()))?;
    tracing::info!(state = %path.display(), forgotten, "The state file forgot the deleted contacts.");
    Ok(())
}

/// The distinct contacts the file's rows resolved to.
fn resolved_contacts(ledger: &Ledger) -> Result<Vec<String>, DeleteError> {
    let mut ids = std::collections::BTreeSet::new();
    let mut after = 0;
    loop {
        let rows = ledger.removal_rows(after, 10_000, true)?;
        let Some(last) = rows.last() else {
            return Ok(ids.into_iter().collect());
        };
        after = last.row;
        ids.extend(rows.into_iter().filter_map(|r| r.contact_id));
    }
}
