//! Delivery of a run's staged rows: the client and the limits learnt, the server view (unless
//! the run is blind), the estimate, the engine, and the run folder's reports written again from
//! the ledger, whatever ended the engine.

use super::connect::{all_refused, classify_first, concurrency_for, connect, learn_limits};
use super::resume::{aborted, target_of};
use super::{delta, estimate, finish, plan_run, progress, Attempt, ImportConfig, ImportError};
use crate::delivery::{
    engine, CustomFieldResolver, DeliveryError, EngineConfig, EngineCounts, StopReason,
};
use crate::ledger::Ledger;
use crate::mapping::Mapping;
use crate::pipeline::failure::Stage;
use crate::run::end::RunEnd;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub(super) async fn deliver(
    config: ImportConfig,
    run_dir: PathBuf,
    mut ledger: Ledger,
    mapping: Mapping,
    mut delta: delta::Delta,
    attempt: &mut Attempt,
) -> Result<RunEnd, ImportError> {
    let started = Instant::now();
    if ledger.target()?.is_none() {
        ledger.set_target(&target_of(&config.target))?;
    }
    let (client, sandbox) = connect(&config, &ledger, &mapping).await?;
    // A plan's rows whose contact changed since it was read are not carried out (a resume of
    // `import --plan` checks the rows it has left).
    if ledger.plan_carried_out()?.is_some() {
        plan_run::reject_changed(&client, &mut ledger, config.progress).await?;
    }
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
    // A run keeps the mode it started with (the engine refuses another).
    if let Some(recorded) = ledger.delivery_mode()? {
        engine_config.mode = recorded
            .parse()
            .map_err(|e: crate::delivery::UnknownMode| ImportError::Resume {
                dir: run_dir.clone(),
                reason: e.to_string(),
            })?;
    }
    // The server view goes first: its survey also learns the API's limits.
    let view = view(
        &config,
        &mut ledger,
        &client,
        &resolver,
        &mut engine_config,
        total,
    )
    .await?;
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
    let estimate = estimate::announce(
        &ledger,
        &mapping,
        &engine_config,
        &client,
        false,
        view.as_ref(),
    )?;
    if config.progress && total > 0 {
        eprintln!("{}", estimate.line);
    }
    // From the first request that can change a contact, the reports describe an older state.
    ledger.reports_stale()?;
    attempt.stage = Stage::Deliver;
    let ledger = Arc::new(Mutex::new(ledger));
    let (cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let interrupts = tokio::spawn(crate::run::signals::graceful(
        cancel_tx,
        "ghl-bulk import --resume <run folder>",
    ));
    let progress = progress::Progress::new(
        config.progress && std::io::stderr().is_terminal(),
        config.progress && total > 0,
        total,
        estimate.breakdown.total(),
        &client,
    );
    if let Some(slot) = &config.board {
        // The board shows the location's rows to deliver from the start, not from its first
        // answers.
        progress.report(slot, &EngineCounts::default(), &client);
    }
    // A second Ctrl-C or SIGTERM drops the requests in flight: each row's state was committed
    // before its request went out, so a resume sorts out what they did.
    // The engine runs as a task of its own: on the runtime's workers, beside the HTTP
    // connections it drives, instead of on the thread that waits for the import (every answer
    // would otherwise wake this thread from a worker).
    let client = Arc::new(client);
    let progress = Arc::new(progress);
    let mut engine_task = {
        let (ledger, client, progress) = (
            Arc::clone(&ledger),
            Arc::clone(&client),
            Arc::clone(&progress),
        );
        let board = config.board.clone();
        tokio::spawn(async move {
            let on_progress = |counts: &EngineCounts| {
                progress.update(counts, &client);
                if let Some(slot) = &board {
                    progress.report(slot, counts, &client);
                }
            };
            engine::run(
                &ledger,
                &client,
                &resolver,
                &engine_config,
                cancel,
                &on_progress,
            )
            .await
        })
    };
    let outcome = tokio::select! {
        outcome = &mut engine_task => Some(joined(outcome)),
        () = crate::run::signals::wait_for(2) => None,
    };
    if outcome.is_none() {
        // Dropped where it waits: its ledger writer commits what it was handed, then lets go.
        engine_task.abort();
        let _ = engine_task.await;
    }
    interrupts.abort();
    let Some(outcome) = outcome else {
        progress.finish(None, &client);
        let ledger = unshare(ledger)?;
        return aborted(&run_dir, ledger, &mut delta);
    };
    progress.finish(outcome.as_ref().ok().map(|(_, counts)| counts), &client);
    let mut ledger = unshare(ledger)?;
    // Whatever ended the engine (finished, stopped, or an error such as a revoked token), the
    // rows it delivered are remembered: the next run must not send them again.
    let remembered = delta.remember(&mut ledger);
    let (stop, counts) = match (outcome, remembered) {
        (Ok(done), Ok(())) => done,
        (Err(error), remembered) => {
            if let Err(also) = remembered {
                tracing::warn!(%also, "The delivered rows could not be remembered in the state file.");
            }
            if all_refused(&client) {
                // Every request got a refusal back (a wrong token answers the first ones with
                // 401): nothing changed in HighLevel, so the rows are not in doubt, and the run
                // counts as one that sent nothing (it can be run again into its folder).
                ledger.undo_in_doubt()?;
            }
            return Err(error.into());
        }
        (Ok(_), Err(error)) => return Err(error),
    };
    attempt.stage = Stage::Reports;
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
        view: view.as_ref(),
    })?;
    if let Some(handle) = sandbox {
        handle
            .shutdown()
            .await
            .map_err(|e| ImportError::Sandbox(e.to_string()))?;
    }
    Ok(end)
}

/// The server view (`view`), unless the run is blind: it reads the location for the rows still
/// to deliver and records each one's verdict, which delivery then carries out. Only the default
/// mode (upsert) is planned; `create` and `update-only` keep their own rules. The run keeps its
/// first choice (planned or blind) and its `--on-conflict`.
async fn view(
    config: &ImportConfig,
    ledger: &mut Ledger,
    client: &crate::api::Client,
    resolver: &CustomFieldResolver,
    engine: &mut EngineConfig,
    total: u64,
) -> Result<Option<crate::view::ViewSummary>, ImportError> {
    let wanted = !config.blind && engine.mode == crate::delivery::Mode::Upsert;
    let pinned = ledger.pin_view_setting("view", if wanted { "planned" } else { "blind" })?;
    if pinned != "planned" || total == 0 {
        return Ok(None);
    }
    let options = crate::view::ViewOptions {
        on_conflict: engine.on_conflict,
        custom: resolver.clone(),
    };
    // A long reading (a large snapshot) says where it is, every 50 requests.
    let report = config.progress;
    let progress = |p: &crate::view::ViewProgress| {
        if report && p.planned > 50 && (p.requests.is_multiple_of(50) || p.requests == p.planned) {
            eprintln!(
                "Reading the location: {} of {} requests.",
                p.requests, p.planned
            );
        }
    };
    let summary = crate::view::read_and_decide(ledger, client, &options, &progress)
        .await
        .map_err(|e| match e {
            crate::view::ViewError::Api(api)
            | crate::view::ViewError::Read(crate::view::read::ReadError::Api(api)) => {
                classify_first(api)
            }
            other => ImportError::View(other),
        })?;
    engine.on_conflict = summary.on_conflict;
    Ok(Some(summary))
}

/// The ledger back from the engine, which has ended (its writer thread joined) by now.
fn unshare(ledger: Arc<Mutex<Ledger>>) -> Result<Ledger, DeliveryError> {
    Arc::try_unwrap(ledger)
        .map_err(|_| DeliveryError::Poisoned)?
        .into_inner()
        .map_err(|_| DeliveryError::Poisoned)
}

/// The engine task's outcome; its panic goes on as this thread's.
fn joined(
    outcome: Result<Result<(StopReason, EngineCounts), DeliveryError>, tokio::task::JoinError>,
) -> Result<(StopReason, EngineCounts), DeliveryError> {
    match outcome {
        Ok(outcome) => outcome,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // Only an abort cancels the task, and the import aborts it only once it gave up on it.
        Err(_) => Err(DeliveryError::Poisoned),
    }
}
