//! The import command end to end: the local pipeline stages the file in the run ledger, then
//! delivery sends the staged rows to HighLevel (or to an in-process sandbox), then the run
//! folder's reports are written again from the ledger. `--resume` skips the first step after
//! checking that the input and the mapping are the ones the run started with.

pub mod delta;
mod estimate;
mod finish;
mod progress;
mod sandbox;

use crate::api::{ApiError, Client, ClientConfig};
use crate::delivery::{
    engine, CustomFieldResolver, DeliveryError, EngineConfig, EngineCounts, StopReason,
};
use crate::ledger::{Ledger, LedgerError};
use crate::mapping::{self, Mapping, MappingError};
use crate::pipeline::{self, PipelineError, ValidateConfig};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

pub use delta::{DeltaOptions, DeltaReport};
pub use finish::DeliverySummary;

/// Where the contacts go.
#[derive(Debug, Clone)]
pub enum Target {
    /// A HighLevel location (or a sandbox started elsewhere).
    Api(Box<ClientConfig>),
    /// A sandbox started in this process, seeded with a few existing contacts.
    Sandbox,
}

/// How the run starts.
#[derive(Debug, Clone)]
pub enum Start {
    /// Stage the file first.
    New(Box<ValidateConfig>),
    /// Continue the run in this folder.
    Resume(PathBuf),
}

/// Everything one import needs, validated by the command line's plan.
#[derive(Debug, Clone)]
pub struct ImportConfig {
    pub start: Start,
    pub target: Target,
    pub engine: EngineConfig,
    /// `--concurrency` given explicitly (otherwise sized from the rate the API reports).
    pub concurrency_fixed: bool,
    /// Progress bar / periodic lines and the human summary on stderr.
    pub progress: bool,
    /// The state file and `--full`.
    pub delta: DeltaOptions,
    /// `--dry-run`: stage, compare with the state file, send the one read-only request that
    /// learns the API's limits, print the estimate, and stop before the first write.
    pub dry_run: bool,
}

/// How an import ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportEnd {
    /// Every row ended created/updated/unchanged/merged.
    Clean,
    /// Finished, with rejected or failed rows.
    WithRejects,
    /// Stopped early and resumable (daily budget, API unreachable).
    Resumable,
    /// Ctrl-C; resumable.
    Interrupted,
}

/// What stops an import as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Delivery(#[from] DeliveryError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error("cannot reach the API: {0}")]
    Api(#[from] ApiError),
    #[error("cannot resume {dir}: {reason}")]
    Resume { dir: PathBuf, reason: String },
    #[error("the in-process sandbox failed: {0}")]
    Sandbox(String),
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
}

/// Runs an import to its end (or to a clean stop).
pub fn run(config: ImportConfig) -> Result<ImportEnd, ImportError> {
    let (run_dir, local_exit) = match &config.start {
        Start::New(validate) => {
            delta::Delta::preflight(&config.delta, &config.target)?;
            let summary = pipeline::run(validate)?;
            if summary.exit_code == 1 {
                return Err(ImportError::Resume {
                    dir: validate.run_dir.clone(),
                    reason: "the staged outcomes do not add up (see summary.json)".into(),
                });
            }
            (validate.run_dir.clone(), summary.exit_code)
        }
        Start::Resume(dir) => {
            tracing::info!(run_dir = %dir.display(), "Resuming the run.");
            (dir.clone(), 0)
        }
    };
    let ledger_path = run_dir.join("ledger.db");
    let resuming = matches!(config.start, Start::Resume(_));
    if resuming {
        refuse_undone(&run_dir)?;
    }
    let opened = Ledger::open_exclusive(&ledger_path).and_then(|ledger| match ledger {
        Some(ledger) => ledger.run_record().map(|record| Some((ledger, record))),
        None => Ok(None),
    });
    let (mut ledger, record) = match opened {
        Ok(Some(opened)) => opened,
        Ok(None) => {
            // Not an error in the run: it goes on in the other process (exit 75, try later).
            eprintln!(
                "Another ghl-bulk process is working on the run in {}; it was left alone. \
                 Resume it once that process has ended.",
                run_dir.display()
            );
            return Ok(ImportEnd::Resumable);
        }
        // Staging writes the ledger without a journal (see `Ledger::create`): a kill in its
        // first instants leaves a file without its tables or its run record. Nothing was sent
        // then, and the user needs to hear that, not SQLite's words alone.
        Err(e) if resuming => {
            return Err(ImportError::Resume {
                dir: run_dir,
                reason: format!(
                    "its ledger has no complete run record ({e}); a run stopped while the file \
                     was being staged leaves it so, and sent nothing: start a new run instead"
                ),
            })
        }
        Err(e) => return Err(e.into()),
    };
    // From here on the mode is the run's: a resume keeps it, even before any row was sent.
    if !resuming {
        ledger.pin_delivery_mode(config.engine.mode.as_str())?;
        ledger.pin_undoable(config.engine.undoable)?;
    }
    let mapping = compiled_mapping(&run_dir, &record, resuming)?;
    // Before the engine starts (and before a resume sends anything): rows already delivered
    // with this very payload cost no request.
    let mut delta = delta::Delta::open(&config.delta, &config.target, &run_dir, &ledger, &mapping)?;
    delta.skip_unchanged(&mut ledger)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ImportError::Sandbox(e.to_string()))?;
    if config.dry_run {
        return runtime.block_on(estimate::dry_run(
            &config, &run_dir, &ledger, &mapping, &delta, local_exit,
        ));
    }
    runtime.block_on(deliver(config, run_dir, ledger, mapping, delta))
}

async fn deliver(
    config: ImportConfig,
    run_dir: PathBuf,
    ledger: Ledger,
    mapping: Mapping,
    mut delta: delta::Delta,
) -> Result<ImportEnd, ImportError> {
    let started = Instant::now();
    let (client, sandbox) = connect(&config, &ledger, &mapping).await?;
    let total = ledger.undelivered()?;
    tracing::info!(
        run_dir = %run_dir.display(),
        rows = total,
        location = client.location_id(),
        "Delivering the staged rows."
    );
    // Before anything else: a custom field read or the probe below are the last requests
    // sent before the estimate, and the first need its answers' limits.
    // Nothing to send (every row unchanged): not even the custom fields are read.
    let resolver = if mapping.custom_refs.is_empty() || total == 0 {
        CustomFieldResolver::default()
    } else {
        let defs = client.custom_fields().await.map_err(classify_first)?;
        CustomFieldResolver::new(&mapping.custom_refs, &defs).map_err(DeliveryError::from)?
    };
    let mut engine_config = config.engine.clone();
    engine_config.task_rule = mapping.task_rule().map(str::to_string);
    // The estimate needs the limits too, so the probe goes out whatever sizes the pool.
    if total > 0 && client.stats().snapshot().total == 0 {
        learn_limits(&client).await;
    }
    if !config.concurrency_fixed {
        engine_config.concurrency = concurrency_for(&client);
        tracing::info!(
            allowed_rate = client.limiter().allowed_rate(),
            concurrency = engine_config.concurrency,
            "Sized the request pool from the rate the API allows."
        );
    }
    // A run keeps whether it takes before-images (`--undoable`) from its start.
    engine_config.undoable = ledger.undoable()?;
    // A run keeps the mode it started with (the engine refuses another).
    if let Some(recorded) = ledger.delivery_mode()? {
        engine_config.mode = recorded
            .parse()
            .map_err(|e: crate::delivery::UnknownMode| ImportError::Resume {
                dir: run_dir.clone(),
                reason: e.to_string(),
            })?;
    }
    let estimate = estimate::announce(&ledger, &mapping, &engine_config, &client, false)?;
    if config.progress && total > 0 {
        eprintln!("{}", estimate.line);
    }
    let ledger = Mutex::new(ledger);
    let (cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let interrupts = tokio::spawn(watch_ctrl_c(cancel_tx));
    let progress = progress::Progress::new(
        config.progress && std::io::stderr().is_terminal(),
        config.progress && total > 0,
        total,
        estimate.breakdown.total(),
        &client,
    );
    let outcome = engine::run(
        &ledger,
        &client,
        &resolver,
        &engine_config,
        cancel,
        &|counts: &EngineCounts| progress.update(counts, &client),
    )
    .await;
    interrupts.abort();
    progress.finish(outcome.as_ref().ok().map(|(_, counts)| counts), &client);
    let mut ledger = ledger.into_inner().map_err(|_| DeliveryError::Poisoned)?;
    // Whatever ended the engine (finished, stopped, or an error such as a revoked token), the
    // rows it delivered are remembered: the next run must not send them again.
    let remembered = delta.remember(&mut ledger);
    let (stop, counts) = match (outcome, remembered) {
        (Ok(done), Ok(())) => done,
        (Err(error), remembered) => {
            if let Err(also) = remembered {
                tracing::warn!(%also, "The delivered rows could not be remembered in the state file.");
            }
            return Err(error.into());
        }
        (Ok(_), Err(error)) => return Err(error),
    };
    let end = finish::write(&finish::Finish {
        run_dir: &run_dir,
        ledger: &ledger,
        mapping: &mapping,
        client: &client,
        stop: &stop,
        counts: &counts,
        elapsed: started.elapsed(),
        print: config.progress,
        delta: Some(delta.report()),
        estimate: Some(&estimate.breakdown),
    })?;
    if let Some(handle) = sandbox {
        handle
            .shutdown()
            .await
            .map_err(|e| ImportError::Sandbox(e.to_string()))?;
    }
    Ok(end)
}

/// The client for the target, and the in-process sandbox behind it when the target is one.
async fn connect(
    config: &ImportConfig,
    ledger: &Ledger,
    mapping: &Mapping,
) -> Result<(Client, Option<ghl_sandbox::Handle>), ImportError> {
    let (client_config, sandbox) = match &config.target {
        Target::Api(client_config) => ((**client_config).clone(), None),
        Target::Sandbox => {
            let (handle, client_config) = sandbox::start(ledger, mapping).await?;
            if config.progress {
                eprintln!(
                    "Started an in-process sandbox at {} (HighLevel's limits, with {} existing contacts).",
                    handle.base_url(),
                    sandbox::SEEDED
                );
            }
            (client_config, Some(handle))
        }
    };
    Ok((Client::new(client_config)?, sandbox))
}

/// The first request's auth errors are fatal with a clear message; others as they are.
fn classify_first(error: ApiError) -> ImportError {
    if error.is_fatal() {
        ImportError::Delivery(DeliveryError::Auth(error))
    } else {
        ImportError::Api(error)
    }
}

/// One small read before the pool is sized, so that it is sized from the limit the API reports
/// rather than the documented default: the engine keeps its pool size for the whole run, and a
/// pool sized for 10 requests/s held a 50/s location to half its rate (docs/BENCHMARKS.md,
/// "Import"). Any answer carries the limit headers; a refusal (a token without the contacts
/// read scope) only leaves the default in place, and the engine reports real errors itself.
async fn learn_limits(client: &Client) {
    let probe = crate::api::models::SearchRequest {
        location_id: client.location_id().to_string(),
        page_limit: 1,
        search_after: None,
        query: None,
        filters: Vec::new(),
        sort: Vec::new(),
    };
    if let Err(error) = client.search(&probe).await {
        tracing::debug!(%error, "The rate-limit probe was refused; sizing from the defaults.");
    }
}

/// In-flight requests: enough to keep the allowed rate busy at half a second of latency, with
/// head-room; the limiter, not the pool, sets the pace.
fn concurrency_for(client: &Client) -> usize {
    let rate = client.limiter().target_rate();
    ((rate * 0.75).ceil() as usize).clamp(4, 64)
}

/// Ctrl-C, or SIGTERM (what `systemctl stop`, `docker stop` and `kill` send): the first asks
/// for a graceful stop, the second aborts at once.
async fn watch_ctrl_c(cancel: tokio::sync::watch::Sender<bool>) {
    if !stop_signal().await {
        return;
    }
    eprintln!("\nStopping after the requests in flight (Ctrl-C again to abort at once; the run can be resumed).");
    let _ = cancel.send(true);
    if stop_signal().await {
        // The ledger is written in transactions: whatever was committed stays consistent.
        eprintln!("Aborted. Resume with: ghl-bulk import --resume <run folder>");
        std::process::exit(130);
    }
}

/// Waits for Ctrl-C or SIGTERM; false when neither can be listened to.
pub(crate) async fn stop_signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                interrupted = tokio::signal::ctrl_c() => interrupted.is_ok(),
                terminated = term.recv() => terminated.is_some(),
            };
        }
    }
    tokio::signal::ctrl_c().await.is_ok()
}

fn compiled_mapping(
    run_dir: &Path,
    record: &crate::ledger::RunRecord,
    resuming: bool,
) -> Result<Mapping, ImportError> {
    let refuse = |reason: String| ImportError::Resume {
        dir: run_dir.to_path_buf(),
        reason,
    };
    let loaded = mapping::load(Path::new(&record.mapping_path))?;
    if resuming {
        if record.summary_json.is_none() {
            return Err(refuse(
                "the run stopped before the file was fully staged, so nothing was sent; \
                 start a new run instead"
                    .into(),
            ));
        }
        if loaded.hash != record.mapping_blake3 {
            return Err(refuse(format!(
                "the mapping {} changed since the run started; start a new run instead",
                record.mapping_path
            )));
        }
        let (_, digest) = pipeline::fingerprint(Path::new(&record.input_path))
            .map_err(|e| refuse(format!("cannot read the input {}: {e}", record.input_path)))?;
        if digest != record.input_blake3 {
            return Err(refuse(format!(
                "the input {} changed since the run started; start a new run instead",
                record.input_path
            )));
        }
    }
    let options: serde_json::Value = serde_json::from_str(&record.options_json).unwrap_or_default();
    let region = options["region"].as_str();
    let mut compiled = Mapping::compile(&loaded.spec, &record.headers, region, &loaded.path)?;
    compiled.rules.today = Some(chrono::Utc::now().format("%Y-%m-%d").to_string());
    Ok(compiled)
}

/// An undo of the run was started (`undo.db` in its folder): resuming the import would write
/// again what the undo takes away, and the undo's plan would no longer match the run.
fn refuse_undone(run_dir: &Path) -> Result<(), ImportError> {
    if run_dir.join(crate::undo::UNDO_LEDGER).exists() {
        return Err(ImportError::Resume {
            dir: run_dir.to_path_buf(),
            reason: "an undo of this run was started (undo.db is in its folder), so the run \
                     cannot be continued; finish the undo with `ghl-bulk undo --resume`, then \
                     import the file again as a new run if you want it"
                .into(),
        });
    }
    Ok(())
}

/// The end of a run as a stop reason says it.
pub(crate) fn end_for(stop: &StopReason, failed_or_rejected: bool) -> ImportEnd {
    match stop {
        StopReason::Interrupted => ImportEnd::Interrupted,
        StopReason::Resumable(_) => ImportEnd::Resumable,
        StopReason::Finished if failed_or_rejected => ImportEnd::WithRejects,
        StopReason::Finished => ImportEnd::Clean,
    }
}
