//! The import command end to end: the local pipeline stages the file in the run ledger, then
//! delivery sends the staged rows to HighLevel (or to an in-process sandbox), then the run
//! folder's reports are written again from the ledger. `--resume` skips the first step after
//! checking that the input and the mapping are the ones the run started with; `--plan RUN_DIR`
//! skips it too and carries out the decisions a `ghl-bulk plan` run wrote (see `plan_run`).

mod connect;
mod deliver;
pub mod delta;
mod estimate;
mod finish;
mod plan_run;
mod progress;
mod resume;
mod sandbox;

use crate::api::{ApiError, ClientConfig};
use crate::delivery::{DeliveryError, EngineConfig, StopReason};
use crate::ledger::{Ledger, LedgerError};
use crate::mapping::MappingError;
use crate::pipeline::failure::{self, Stage};
use crate::pipeline::{self, PipelineError, ValidateConfig};
use crate::run::end::RunEnd;
use std::path::PathBuf;

use resume::{check_target, compiled_mapping, refuse_undone};

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
    /// Carry out the plan a `ghl-bulk plan` run wrote in this folder.
    Plan(PathBuf),
    /// Deliver a run whose file was staged into this folder already (one location of a run over
    /// many: the file is staged once, then each location's folder gets its copy of the ledger).
    Staged(PathBuf),
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
    /// `--blind`: no server view; each row is sent as the mode says (the behaviour before the
    /// view). A run keeps its choice on resume.
    pub blind: bool,
    /// In a run over many locations: where this location's delivery reports its progress
    /// (the top run prints them all together).
    pub board: Option<crate::run::board::Slot>,
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
    Summary(#[from] crate::run::summary::SummaryError),
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error("cannot reach the API: {0}")]
    Api(#[from] ApiError),
    #[error("cannot resume {dir}: {reason}")]
    Resume { dir: PathBuf, reason: String },
    /// `import --plan` refused before sending anything (exit 4).
    #[error("cannot carry out the plan in {dir}: {reason}")]
    PlanRefused { dir: PathBuf, reason: String },
    #[error("the in-process sandbox failed: {0}")]
    Sandbox(String),
    #[error(transparent)]
    State(#[from] crate::ledger::state::StateError),
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
    #[error(transparent)]
    View(crate::view::ViewError),
}

/// How far an attempt got, so that a failure is recorded in the run folder it stopped in, and
/// only in one this attempt owns (a refused resume leaves the run as it was).
struct Attempt {
    /// The run folder, once this attempt staged it or took over a resumed run.
    owned: Option<PathBuf>,
    stage: Stage,
}

/// Runs an import to its end (or to a clean stop). A fatal error after the file was staged is
/// recorded in the run folder (exit code, stage, error) before it is returned; Ctrl-C or
/// SIGTERM while staging ends as `Interrupted`.
pub fn run(config: ImportConfig) -> Result<RunEnd, ImportError> {
    let secrets = secrets(&config.target);
    let mut attempt = Attempt {
        owned: None,
        stage: Stage::Read,
    };
    let result = attempt_run(config, &mut attempt);
    settle(result, &attempt, &secrets)
}

/// Delivers a run already staged ([`Start::Staged`]) or continues one ([`Start::Resume`]) on
/// the caller's runtime, so that many locations' deliveries run side by side in one process.
/// Failures are recorded in the run folder as [`run`] records them.
pub async fn run_staged(config: ImportConfig) -> Result<RunEnd, ImportError> {
    let secrets = secrets(&config.target);
    let mut attempt = Attempt {
        owned: None,
        stage: Stage::Connect,
    };
    let run_dir = match &config.start {
        Start::Staged(dir) | Start::Resume(dir) => dir.clone(),
        Start::New(_) | Start::Plan(_) => {
            return Err(ImportError::Sandbox(
                "run_staged needs a staged or resumed run".into(),
            ))
        }
    };
    let result = continue_run(config, run_dir, 0, &mut attempt).await;
    settle(result, &attempt, &secrets)
}

/// How an attempt's result ends the run: an interrupted staging and a refused plan are ends,
/// not errors; any other error is recorded in the folder the attempt owned.
fn settle(
    result: Result<RunEnd, ImportError>,
    attempt: &Attempt,
    secrets: &[String],
) -> Result<RunEnd, ImportError> {
    match result {
        // Recorded by the pipeline, which owns the folder while it stages.
        Err(ImportError::Pipeline(PipelineError::Interrupted)) => {
            eprintln!("Interrupted while the file was read and checked; nothing was sent.");
            Ok(RunEnd::Interrupted)
        }
        // Its own exit code: a scheduler running `plan` then `import --plan` learns the plan
        // is out of date (nothing was sent; the folder is left as it was).
        Err(error @ ImportError::PlanRefused { .. }) => {
            eprintln!("error: {error}");
            Ok(RunEnd::PlanRefused)
        }
        Err(error) => {
            if let Some(dir) = &attempt.owned {
                let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
                let text = failure::redact(&error.to_string(), &secrets);
                failure::record(dir, attempt.stage, &text, 1);
            }
            Err(error)
        }
        ended => ended,
    }
}

/// The secrets the client holds, to be kept out of what is recorded.
pub(crate) fn secrets(target: &Target) -> Vec<String> {
    match target {
        Target::Sandbox => Vec::new(),
        Target::Api(config) => match &config.credentials {
            crate::api::Credentials::Token(token) => vec![token.expose().to_string()],
            crate::api::Credentials::OAuth(oauth) => vec![oauth.client_secret.expose().to_string()],
        },
    }
}

fn attempt_run(config: ImportConfig, attempt: &mut Attempt) -> Result<RunEnd, ImportError> {
    let (run_dir, local_exit) = match &config.start {
        Start::New(validate) => {
            delta::Delta::preflight(&config.delta, &config.target)?;
            let summary = pipeline::run(validate)?;
            if validate.print_summary {
                eprint!("{}", summary.human());
            }
            attempt.owned = Some(validate.run_dir.clone());
            attempt.stage = Stage::Connect;
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
        Start::Plan(dir) => {
            tracing::info!(run_dir = %dir.display(), "Carrying out the plan.");
            (dir.clone(), 0)
        }
        Start::Staged(dir) => (dir.clone(), 0),
    };
    // One worker: the engine's task and the connections it sends on wake each other on every
    // answer, and on one thread that is a queue push instead of a futex and an eventfd
    // between two (issue 20: 154 → 122 µs of client CPU per request, and a higher rate). The
    // ledger has its own writer thread, staging its rayon pool; `block_in_place` still works.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| ImportError::Sandbox(e.to_string()))?;
    runtime.block_on(continue_run(config, run_dir, local_exit, attempt))
}

/// Everything after staging: the ledger opened, the run's settings pinned, then the dry run's
/// estimate or the delivery.
async fn continue_run(
    config: ImportConfig,
    run_dir: PathBuf,
    local_exit: u8,
    attempt: &mut Attempt,
) -> Result<RunEnd, ImportError> {
    if let Start::Staged(dir) = &config.start {
        delta::Delta::preflight(&config.delta, &config.target)?;
        attempt.owned = Some(dir.clone());
    }
    let ledger_path = run_dir.join("ledger.db");
    let resuming = matches!(config.start, Start::Resume(_));
    let planned = matches!(config.start, Start::Plan(_));
    if resuming || planned {
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
            return Ok(RunEnd::Resumable);
        }
        // Staging writes the ledger without a journal (see `Ledger::create`): a kill in its
        // first instants leaves a file without its tables or its run record. Nothing was sent
        // then, and the user needs to hear that, not SQLite's words alone.
        Err(e) if planned => {
            return Err(ImportError::PlanRefused {
                dir: run_dir,
                reason: format!("its ledger cannot be read ({e})"),
            })
        }
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
    if planned {
        plan_run::take(&run_dir, &ledger, &record, &config.target)?;
        ledger.clear_failure()?;
        attempt.owned = Some(run_dir.clone());
        attempt.stage = Stage::Connect;
    }
    let mapping = compiled_mapping(&run_dir, &record, resuming)?;
    if resuming {
        check_target(&run_dir, &ledger, &config.target)?;
        // The resume is a new attempt: the last one's failure no longer describes the run.
        ledger.clear_failure()?;
        attempt.owned = Some(run_dir.clone());
        attempt.stage = Stage::Connect;
    }
    // Before the engine starts (and before a resume sends anything): rows already delivered
    // with this very payload cost no request.
    let mut delta = delta::Delta::open(&config.delta, &config.target, &run_dir, &ledger, &mapping)?;
    // A plan is carried out as it was written: the state file does not overrule its decisions
    // (what is delivered is still remembered in it).
    if ledger.plan_carried_out()?.is_none() {
        delta.skip_unchanged(&mut ledger)?;
    }

    if config.dry_run {
        return estimate::dry_run(&config, &run_dir, &ledger, &mapping, &delta, local_exit).await;
    }
    deliver::deliver(config, run_dir, ledger, mapping, delta, attempt).await
}

/// The end of a run as a stop reason says it.
pub(crate) fn end_for(stop: &StopReason, failed_or_rejected: bool) -> RunEnd {
    match stop {
        StopReason::Interrupted => RunEnd::Interrupted,
        StopReason::Resumable(_) => RunEnd::Resumable,
        StopReason::Finished if failed_or_rejected => RunEnd::Rejects,
        StopReason::Finished => RunEnd::Ok,
    }
}
