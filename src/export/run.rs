//! One export from start to end: lock, client, columns, window, the three stages, commit,
//! watermark, summary. See the module docs of `export` for the flow.

use std::path::Path;
use std::time::Instant;

use tokio::sync::mpsc;

use super::columns::Layout;
use super::destination::{
    beside_output, beside_output_of, target_key, Destination, Exported, Mark, PartDone, StateHome,
};
use super::output::{PendingFile, TargetLock};
use super::summary::{self, Report};
use super::watermark::{Stored, Tracker, Window};
use super::write_stage::WriterJob;
use super::writer::Shape;
use super::{
    fetch, related, Batch, ExportConfig, ExportEnd, ExportError, Since, Source, StateChoice,
};
use crate::api::{BaseUrl, Client, ClientConfig, Credentials, Secret};
use crate::ledger::state::{self, StateStore};

/// Pages (or batches) waiting between two stages: enough to keep the next stage busy, few
/// enough that memory does not depend on the location's size.
const CHANNEL_PAGES: usize = 4;
/// Contacts the in-process sandbox (`--sandbox`) starts with.
pub const SANDBOX_CONTACTS: usize = 1_000;

/// Runs an export to its end. The summary file (if asked for) is written whatever the end,
/// except when the target is locked: the running export owns it then.
pub fn run(config: ExportConfig) -> Result<ExportEnd, ExportError> {
    let started = Instant::now();
    let mut report = new_report(&config);
    // Held until the summary is written too: the next run to the target owns both files. A
    // dry run writes nothing, so it takes no lock either.
    let _lock = match config.dry_run {
        true => None,
        false => Some(TargetLock::acquire(&super::output::resolved(&config.out))?),
    };
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ExportError::Internal(format!("cannot start the runtime: {e}")))
        .and_then(|runtime| runtime.block_on(export(&config, &mut report, &Destination::Out)))
        .map(|exported| exported.end);
    if matches!(result, Ok(ExportEnd::DryRun)) {
        return result;
    }
    finish_report(&mut report, &result, started);
    if config.progress {
        eprintln!("{}", report.line());
    }
    if let Some(path) = &config.summary {
        if let Err(e) = summary::write(path, &report) {
            // The export's own error is the one to report; a summary failure after a
            // complete export still fails the run, as a monitor relies on the file.
            if result.is_ok() {
                return Err(e);
            }
            tracing::warn!(error = %e, "Cannot write the summary.");
        }
    }
    result
}

/// The report of an export starting now.
pub(super) fn new_report(config: &ExportConfig) -> Report {
    Report {
        command: "export",
        out: config.out.clone(),
        format: config.format.name().into(),
        mapping: config.mapping.as_ref().map(|m| m.path.clone()),
        with_notes: config.with_notes,
        with_tasks: config.with_tasks,
        with_appointments: config.with_appointments,
        started_at: crate::run::clock::now_rfc3339(),
        ..Report::default()
    }
}

/// Fills the report's end: times, rates, status, exit code and error.
pub(super) fn finish_report(
    report: &mut Report,
    result: &Result<ExportEnd, ExportError>,
    started: Instant,
) {
    report.finished_at = crate::run::clock::now_rfc3339();
    report.elapsed_seconds = started.elapsed().as_secs_f64();
    report.requests_per_second = report.requests.total as f64 / report.elapsed_seconds.max(1e-9);
    report.sending_rate = report.requests.sending_rate();
    let (status, code) = match result {
        Ok(ExportEnd::Complete) => ("complete", 0),
        Ok(ExportEnd::DryRun) => ("dry-run", 0),
        Ok(ExportEnd::Interrupted) => ("interrupted", 130),
        Err(e) if e.is_resumable() => ("failed", 75),
        Err(_) => ("failed", 1),
    };
    report.status = status.into();
    report.exit_code = code;
    report.error = result.as_ref().err().map(|e| e.to_string());
}

/// Writes `--summary` for an export that could not start (bad flags, an unreadable mapping,
/// no credentials), so a monitor reading the file never mistakes last night's for tonight's.
pub fn write_failed_summary(path: &Path, out: &Path, error: &str) -> Result<(), ExportError> {
    let now = crate::run::clock::now_rfc3339();
    let report = Report {
        command: "export",
        status: "failed".into(),
        exit_code: 1,
        error: Some(error.to_string()),
        out: out.to_path_buf(),
        started_at: now.clone(),
        finished_at: now,
        ..Report::default()
    };
    summary::write(path, &report)
}

/// Runs one export in the current runtime (the caller holds the target's lock).
pub(super) async fn export(
    config: &ExportConfig,
    report: &mut Report,
    destination: &Destination,
) -> Result<Exported, ExportError> {
    let (client_config, sandbox) = match &config.source {
        Source::Api(client) => ((**client).clone(), None),
        Source::Sandbox => {
            let (handle, client) = start_sandbox().await?;
            if config.progress {
                eprintln!(
                    "Started an in-process sandbox at {} with {SANDBOX_CONTACTS} generated contacts.",
                    handle.base_url()
                );
            }
            (client, Some(handle))
        }
    };
    // A loopback API is a sandbox started apart (`ghl-bulk sandbox`): a trial as well.
    let kept = match (&sandbox, client_config.base_url.is_loopback()) {
        (Some(_), _) => StateHome::None,
        (None, true) => StateHome::BesideOutput,
        (None, false) => StateHome::DataFolder,
    };
    let client = Client::new(client_config)?;
    let result = export_with(config, report, &client, kept, destination).await;
    report.requests = client.stats().snapshot();
    report.throttled_seconds = client.limiter().throttled().as_secs_f64();
    let (max, interval) = client.limiter().limits();
    report.rate_limit = Some((max, interval.as_millis() as u64));
    if let Some(handle) = sandbox {
        handle
            .shutdown()
            .await
            .map_err(|e| ExportError::Sandbox(e.to_string()))?;
    }
    result
}

async fn export_with(
    config: &ExportConfig,
    report: &mut Report,
    client: &Client,
    kept: StateHome,
    destination: &Destination,
) -> Result<Exported, ExportError> {
    let ended = |end| Ok(Exported { end, part: None });
    let part_of = match destination {
        Destination::Out => None,
        Destination::Part { location, .. } => Some(location.as_str()),
    };
    // The first request: a wrong token or scope stops here, before the output is touched.
    let defs = client.custom_fields().await.map_err(|e| {
        if e.is_fatal() {
            ExportError::Auth(e)
        } else {
            ExportError::Api(e)
        }
    })?;
    let (layout, shape) = match &config.mapping {
        Some(mapping) => (
            Layout::from_mapping(&mapping.spec, &defs, &config.related_kinds())?,
            Shape::for_source(&mapping.spec.source)?,
        ),
        None => (
            Layout::standard(&defs, &config.related_kinds()),
            Shape::default(),
        ),
    };

    // The user's real data folder is never touched by a sandbox run unless --state says so.
    let state_path = match (&config.state, kept) {
        (StateChoice::File(path), _) => Some(path.clone()),
        (StateChoice::Default, StateHome::DataFolder) => {
            Some(state::default_path(client.location_id())?)
        }
        (StateChoice::Default, StateHome::BesideOutput) => Some(match part_of {
            None => beside_output(&config.out),
            Some(location) => beside_output_of(&config.out, location),
        }),
        (StateChoice::Default, StateHome::None) => None,
    };
    // A dry run reads an existing watermark but creates no state file.
    let store = state_path
        .as_deref()
        .filter(|p| !config.dry_run || p.exists())
        .map(|p| StateStore::open(p, client.location_id()))
        .transpose()?;
    report.state_file = state_path;
    let mut target = target_key(config);
    if part_of.is_some() {
        // A combined file is another target than a file of one location at the same path.
        target.push_str("|locations");
    }
    let previous = match &store {
        Some(store) => store.watermark(&target)?.and_then(|t| Stored::parse(&t)),
        None => None,
    };
    report.watermark_before = previous.as_ref().map(|p| p.date_updated.clone());
    let overlap_ms = i64::try_from(config.overlap.as_millis()).unwrap_or(i64::MAX / 4);
    let window = match (&config.since, &previous) {
        (Since::Full, _) => Window::default(),
        (Since::Last, Some(previous)) => Window::after(previous, overlap_ms),
        (Since::Last, None) => {
            if config.progress {
                eprintln!(
                    "No earlier complete export to {} is recorded: exporting every contact.",
                    config.out.display()
                );
            }
            Window::default()
        }
        (Since::Date(from), _) => Window {
            from: Some(from.clone()),
            ..Window::default()
        },
    };
    report.since = match config.since {
        Since::Full => "full",
        Since::Last => "last",
        Since::Date(_) => "date",
    }
    .into();
    report.updated_from = window.from.clone();
    let mut query = config.query.clone();
    query.since = window.from.clone();

    let kinds = config.related_kinds();
    let concurrency = config
        .concurrency
        .unwrap_or_else(|| concurrency_for(client));
    // The estimate costs one small search; it is made when someone will read it.
    if config.progress || config.dry_run {
        let (total, estimate) = fetch::estimate(client, &query, &kinds, concurrency).await?;
        report.search_requests += 1;
        report.estimated_requests = Some(estimate.requests);
        let mut text = summary::announce(total, &kinds, &estimate);
        if let Some(label) = &config.label {
            text = format!("{label}: {text}");
        }
        if config.dry_run {
            println!("{text}");
            return ended(ExportEnd::DryRun);
        }
        eprintln!("{text}");
    }

    let (pending, file, temp) = match destination {
        Destination::Out => {
            let (pending, file) = PendingFile::create(&super::output::resolved(&config.out))?;
            let temp = pending.temp_path().to_path_buf();
            (Some(pending), file, temp)
        }
        Destination::Part { path, .. } => {
            let file = std::fs::File::create(path).map_err(|source| ExportError::Io {
                path: path.clone(),
                source,
            })?;
            (None, file, path.clone())
        }
    };
    let headers: Vec<String> = layout.headers().iter().map(|h| h.to_string()).collect();
    let progress = summary::progress(config.progress, !kinds.is_empty());
    let (page_tx, page_rx) = mpsc::channel::<Batch>(CHANNEL_PAGES);
    let (writer_rx, related_stage) = if kinds.is_empty() {
        (page_rx, None)
    } else {
        let (tx, rx) = mpsc::channel::<Batch>(CHANNEL_PAGES);
        let stage = related::attach(client, &kinds, concurrency, page_rx, tx);
        (rx, Some(stage))
    };
    let job = WriterJob {
        format: config.format,
        temp,
        part: part_of.is_some(),
        layout,
        shape,
        window,
        tracker: Tracker::new(overlap_ms),
        progress: progress.clone(),
        slot: config.slot.clone(),
    };
    let writer = tokio::task::spawn_blocking(move || job.run(file, writer_rx));
    let fetching = async {
        let pages = fetch::pages(client, &query, concurrency, page_tx);
        match related_stage {
            Some(stage) => tokio::try_join!(pages, stage).map(|(pages, ())| pages),
            None => pages.await,
        }
    };
    let fetched = tokio::select! {
        result = fetching => Some(result),
        () = crate::run::signals::wait_for(1) => None,
    };
    // The stages are gone, so the writer's channel is closed: it ends on its own.
    let written = writer
        .await
        .map_err(|e| ExportError::Internal(format!("the writer stopped: {e}")));
    progress.finish();
    let pages = match fetched {
        None => return ended(ExportEnd::Interrupted),
        Some(result) => result?,
    };
    let done = written??;
    report.search_requests += pages;
    report.contacts_written = done.written;
    report.duplicates_skipped = done.duplicates;
    report.total_reported = done.total;
    let mark = match (store, done.tracker.finish(previous.as_ref())) {
        (Some(store), Some(stored)) => Some(Mark {
            store,
            target,
            stored,
        }),
        _ => None,
    };
    let Some(pending) = pending else {
        return Ok(Exported {
            end: ExportEnd::Complete,
            part: Some(PartDone { headers, mark }),
        });
    };
    pending.commit(done.file)?;
    // Only now, with the file complete and in place, does the watermark move.
    if let Some(mark) = mark {
        report.watermark_after = Some(mark.set()?);
    }
    ended(ExportEnd::Complete)
}

/// Requests in flight (notes; search cursors up to `fetch::MAX_SLICES`): enough to keep the
/// allowed rate busy at half a second of latency (as the import sizes its pool); the limiter,
/// not the pool, sets the pace.
fn concurrency_for(client: &Client) -> usize {
    ((client.limiter().target_rate() * 0.75).ceil() as usize).clamp(4, 64)
}

async fn start_sandbox() -> Result<(ghl_sandbox::Handle, ClientConfig), ExportError> {
    let fail = |e: String| ExportError::Sandbox(e);
    let config = ghl_sandbox::Config {
        generate: SANDBOX_CONTACTS,
        ..ghl_sandbox::Config::default()
    };
    let handle = ghl_sandbox::spawn(config)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let base = BaseUrl::parse(&handle.base_url()).map_err(|e| fail(e.to_string()))?;
    let client = ClientConfig::new(
        base,
        ghl_sandbox::DEFAULT_LOCATION_ID.to_string(),
        Credentials::Token(Secret::new(ghl_sandbox::DEFAULT_TOKEN)),
    );
    Ok((handle, client))
}
