//! The local import pipeline (issue 3): read → map → normalise/validate → stage in the ledger →
//! dedupe → reports. No network. A reader thread sends chunks of rows over a bounded channel
//! (back-pressure: reading never runs more than a few chunks ahead); rayon normalises each
//! chunk in order; a writer thread stages chunks into the ledger, one transaction each, and a
//! rejects thread writes the rejected rows to rejects.csv/xlsx as they are staged (the same rows
//! and code as the rewrite from the ledger after delivery), so that it finishes while dedupe
//! runs. Dedupe keeps only 128-bit key digests in memory and merges payloads from the ledger
//! afterwards; duplicates.csv and the outcome counts are read from the ledger at the end.

pub mod conflicts;
mod dedupe_stage;
pub(crate) mod failure;
mod reports;
mod rows;
mod summary;
mod warnings;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::ledger::{Ledger, LedgerError, RejectedRow, RunMeta, StagedRow};
use crate::mapping::{LoadedMapping, Mapping, MappingError};
use crate::source::{self, RawRow, SourceError, SourceOptions};

pub use summary::Summary;
pub use warnings::{WarningExample, WarningGroup, WarningSummary};

/// Rows per chunk: large enough to amortise a transaction and rayon's fan-out, small enough
/// that the few chunks in flight stay a few megabytes.
const CHUNK_ROWS: usize = 8192;
/// Chunks the reader may run ahead of normalisation, and normalisation ahead of the ledger.
const CHANNEL_DEPTH: usize = 2;

/// Everything one `validate` (or `import --dry-run`) needs, validated by `cli::plan`.
#[derive(Debug, Clone)]
pub struct ValidateConfig {
    /// The input file.
    pub input: PathBuf,
    /// The loaded mapping.
    pub mapping: LoadedMapping,
    /// Reader options (the mapping's `[source]` with command-line overrides applied).
    pub source: SourceOptions,
    /// Overrides the mapping's `default_region`.
    pub region: Option<String>,
    /// The run folder (created; must not hold a ledger yet).
    pub run_dir: PathBuf,
    /// Show a progress bar (only honoured when stderr is a terminal).
    pub progress: bool,
    /// Print the human summary on stderr.
    pub print_summary: bool,
    /// The command name for the summary (`validate` or `import --dry-run`).
    pub command: String,
    /// The options as JSON, recorded in the ledger.
    pub options_json: String,
}

/// What stops the pipeline. Bad rows never do: they are outcomes.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The input cannot be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The mapping does not fit the file.
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A report or the run folder could not be written.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A pipeline thread died (a bug): reported rather than hidden.
    #[error("internal error: the {0} thread stopped unexpectedly")]
    Thread(&'static str),
    /// Ctrl-C or SIGTERM while the file was read: nothing was sent.
    #[error("interrupted while the file was read")]
    Interrupted,
}

impl PipelineError {
    /// The exit code this error ends the process with: 130 for an interruption, else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            PipelineError::Interrupted => 130,
            _ => 1,
        }
    }
}

/// The usable headers (not the tool's own `_` columns), quoted, for a message.
fn quoted_headers(headers: &[String]) -> String {
    let shown: Vec<String> = headers
        .iter()
        .filter(|h| !h.starts_with('_') && !h.trim().is_empty())
        .map(|h| format!("\"{h}\""))
        .collect();
    shown.join(", ")
}

pub(crate) fn write_err(path: &Path, e: impl std::fmt::Display) -> PipelineError {
    PipelineError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Runs the local pipeline to its end and returns the summary (also written to the run
/// folder). Exit status: `summary.exit_code`. A run that stops once its ledger exists (an
/// unreadable row, Ctrl-C, a full disk) records why in its folder.
pub fn run(config: &ValidateConfig) -> Result<Summary, PipelineError> {
    failure::replace_unsent(&config.run_dir);
    let ledger = config.run_dir.join("ledger.db");
    let fresh = !ledger.exists();
    let result = stage_and_report(config);
    if let Err(error) = &result {
        // Only a ledger this run created is its own to write the failure into.
        if fresh && ledger.exists() {
            failure::record(
                &config.run_dir,
                failure::Stage::Read,
                &error.to_string(),
                error.exit_code(),
            );
        }
    }
    result
}

fn stage_and_report(config: &ValidateConfig) -> Result<Summary, PipelineError> {
    let started = Instant::now();
    let started_at = now_rfc3339();
    // Before the fingerprint thread opens it: a named pipe would hang that thread.
    source::check_input(&config.input)?;
    let input = config.input.clone();
    let fingerprint = thread::spawn(move || fingerprint(&input));

    let mut source = source::open(&config.input, &config.source)?;
    let headers = source.headers().to_vec();
    let format = source.format().name().to_string();
    let dialect = source.dialect();
    tracing::info!(
        command = %config.command,
        input = %config.input.display(),
        format = %format,
        run_dir = %config.run_dir.display(),
        "Reading the input."
    );
    let mut mapping = Mapping::compile(
        &config.mapping.spec,
        &headers,
        config.region.as_deref(),
        &config.mapping.path,
    )?;
    if !mapping.has_identity() {
        return Err(MappingError::Invalid {
            path: config.mapping.path.clone(),
            message: format!(
                "[fields] maps neither email nor phone, so every row would be rejected as \
                 no_identity; map the column that holds them, e.g. email = \"<column>\" \
                 (the file's headers are: {})",
                quoted_headers(&headers)
            ),
        }
        .into());
    }
    // Dates of birth after today are refused; the clock is read here, not in `contact`.
    mapping.rules.today = Some(chrono::Utc::now().format("%Y-%m-%d").to_string());

    std::fs::create_dir_all(&config.run_dir).map_err(|e| write_err(&config.run_dir, e))?;
    let ledger = Ledger::create(&config.run_dir.join("ledger.db"))?;
    let (input_size, input_blake3) = fingerprint
        .join()
        .map_err(|_| PipelineError::Thread("fingerprint"))?
        .map_err(|e| write_err(&config.input, e))?;
    if input_size != source.len_at_open() {
        // The fingerprint a resume checks was taken of another version of the file.
        return Err(PipelineError::Source(SourceError::Changed {
            path: config.input.clone(),
        }));
    }
    ledger.write_run(
        &RunMeta {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            started_at: started_at.clone(),
            input_path: config.input.display().to_string(),
            input_size,
            input_blake3: input_blake3.clone(),
            mapping_path: config.mapping.path.display().to_string(),
            mapping_blake3: config.mapping.hash.clone(),
            options_json: config.options_json.clone(),
            headers_json: serde_json::to_string(&headers).unwrap_or_default(),
        },
        Some(&serde_json::json!({ "format": format, "dialect": dialect }).to_string()),
    )?;

    let progress = Progress::new(config.progress);
    let (chunk_tx, chunk_rx) = sync_channel::<Result<Vec<RawRow>, SourceError>>(CHANNEL_DEPTH);
    // Returns the dialect as it stands once every row is read (a CSV's counts the rows read
    // with the encoding fallback).
    let reader = thread::spawn(move || {
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        for item in source.by_ref() {
            match item {
                Ok(row) => {
                    chunk.push(row);
                    if chunk.len() == CHUNK_ROWS {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_ROWS));
                        if chunk_tx.send(Ok(full)).is_err() {
                            return source.dialect();
                        }
                    }
                }
                Err(e) => {
                    let _ = chunk_tx.send(Err(e));
                    return source.dialect();
                }
            }
        }
        if !chunk.is_empty() {
            let _ = chunk_tx.send(Ok(chunk));
        }
        source.dialect()
    });
    let (stage_tx, stage_rx) = sync_channel::<Vec<StagedRow>>(CHANNEL_DEPTH);
    let writer = thread::spawn(move || stage_all(ledger, stage_rx));
    let (reject_tx, reject_rx) = sync_channel::<Vec<RejectedRow>>(CHANNEL_DEPTH);
    // Set when the loop gives up: the reject files are then left unfinished (their temporary
    // files removed), not put in place as if the file had been read whole.
    let abandon = Arc::new(AtomicBool::new(false));
    let rejects = {
        let rejects = reports::Rejects::create(&config.run_dir, &headers)?;
        let mapping = mapping.clone();
        let abandon = Arc::clone(&abandon);
        thread::spawn(move || write_rejects(rejects, &mapping, reject_rx, &abandon))
    };

    let mut warnings = warnings::Warnings::create(&config.run_dir)?;
    let mut deduper = crate::dedupe::Deduper::new(&mapping.dedupe_keys, mapping.shared_phone);
    let mut rows_read = 0u64;
    let mut issues: BTreeMap<String, u64> = BTreeMap::new();
    let mut failure = None;
    let mut stopped = false;
    for chunk in chunk_rx {
        if crate::stop::requested() {
            failure = Some(PipelineError::Interrupted);
            break;
        }
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                failure = Some(PipelineError::Source(e));
                break;
            }
        };
        let processed = rows::process_chunk(&mapping, chunk);
        let mut staged = Vec::with_capacity(processed.len());
        let mut rejected = Vec::new();
        for p in processed {
            for code in p.codes {
                *issues.entry(code.to_string()).or_default() += 1;
            }
            let s = p.staged;
            if failure.is_none() {
                failure = warnings.add(s.row, &p.warnings).err();
            }
            if s.state == crate::ledger::RowState::Pending {
                deduper.add_digests(s.row, p.keys);
            }
            if let (Some(cells), Some(rejection)) = (p.rejected_cells, &s.rejection) {
                rejected.push(RejectedRow {
                    row: s.row,
                    cells,
                    stage: rejection.stage.clone(),
                    code: rejection.code.clone(),
                    field: rejection.field.clone(),
                    message: rejection.message.clone(),
                    issues_json: s.issues_json.clone(),
                });
            }
            staged.push(s);
        }
        if failure.is_some() {
            break;
        }
        rows_read += staged.len() as u64;
        progress.set(rows_read);
        // A closed channel means that thread failed; its error is collected below.
        if stage_tx.send(staged).is_err()
            || (!rejected.is_empty() && reject_tx.send(rejected).is_err())
        {
            stopped = true;
            break;
        }
    }
    abandon.store(failure.is_some(), Ordering::SeqCst);
    drop(stage_tx);
    drop(reject_tx);
    let staged = writer.join().map_err(|_| PipelineError::Thread("ledger"))?;
    let dialect = reader.join().map_err(|_| PipelineError::Thread("reader"))?;
    let mut ledger = match (failure, staged) {
        (Some(e), _) => {
            // The reject files' thread drops them unfinished (see `abandon`).
            let _ = rejects.join();
            return Err(e);
        }
        (None, Err(e)) => return Err(e.into()),
        (None, Ok(ledger)) => ledger,
    };
    if stopped {
        // Only the rejects thread is left to have closed its channel: its error says why.
        rejects
            .join()
            .map_err(|_| PipelineError::Thread("rejects"))??;
        return Err(PipelineError::Thread("rejects"));
    }
    progress.finish();
    let read_done = started.elapsed();

    // The reject files are finished on their thread meanwhile (they do not depend on dedupe).
    let resolution = deduper.resolve();
    let conflicts = conflicts::apply(&mut ledger, &resolution.conflicts, mapping.shared_phone)?;
    for (code, n) in [
        (conflicts::PHONE_SHARED, conflicts.phone_shared),
        (conflicts::IDENTITY_CONFLICT, conflicts.identity_conflicts),
    ] {
        if n > 0 {
            *issues.entry(code.to_string()).or_default() += n;
        }
    }
    let groups = dedupe_stage::merge_groups(&mut ledger, resolution.groups, &mapping.dedupe_keys)?;
    let dedupe_done = started.elapsed();
    ledger.make_durable()?;
    let durable_done = started.elapsed();

    let outcome_counts = ledger.state_counts()?;
    let mut written = rejects
        .join()
        .map_err(|_| PipelineError::Thread("rejects"))??;
    let mut warnings = warnings.finish()?;
    if conflicts.phone_shared + conflicts.identity_conflicts > conflicts.phone_dropped {
        // Dedupe rejected rows after the staged ones were written: write the files again,
        // from the ledger, in row order (duplicates.csv with them).
        written = reports::write(&ledger, &headers, &mapping, &config.run_dir)?;
        warnings = warnings::Warnings::from_ledger(&ledger, &config.run_dir)?;
    } else {
        reports::write_duplicates(&ledger, &headers, &config.run_dir)?;
    }
    let reports_done = started.elapsed();

    let summary = Summary::build(summary::Inputs {
        command: config.command.clone(),
        config,
        format,
        dialect,
        input_size,
        input_blake3,
        started_at,
        finished_at: now_rfc3339(),
        rows_read,
        state_counts: outcome_counts,
        dedupe_groups: groups,
        conflicts,
        config_shared_phone: mapping.shared_phone,
        xlsx_rows_omitted: written.xlsx_rows_omitted,
        issues,
        warnings,
        durations: [
            ("read_map_normalise_stage", read_done),
            ("dedupe", dedupe_done - read_done),
            ("index_and_wal", durable_done - dedupe_done),
            ("reports", reports_done - durable_done),
            ("total", started.elapsed()),
        ],
    });
    let json = summary.to_json();
    let path = config.run_dir.join("summary.json");
    crate::report::atomic::write(&path, format!("{json}\n").as_bytes())
        .map_err(|e| write_err(&path, e))?;
    ledger.finish_run(&summary.finished_at, summary.exit_code, &json)?;
    crate::report::html::write(&ledger, &config.run_dir)
        .map_err(|e| write_err(&config.run_dir.join(crate::report::html::FILE_NAME), e))?;
    // The end as one event, as import's "Import ended.": with --log-format json the human
    // summary is left out, and this is what a log shipper sees of the run (issue 13 item 11).
    tracing::info!(
        command = %config.command,
        exit_code = summary.exit_code,
        rows_read = summary.rows_read,
        valid = summary.outcome("valid"),
        merged = summary.outcome("merged"),
        rejected = summary.outcome("rejected"),
        run_dir = %config.run_dir.display(),
        "Validation ended."
    );
    // Last: until this mark `runs` says the reports are incomplete.
    ledger.reports_written(&now_rfc3339())?;
    if config.print_summary {
        eprint!("{}", summary.human());
    }
    Ok(summary)
}

/// The reject files' thread: rows arrive in row order, a chunk at a time.
fn write_rejects(
    mut rejects: reports::Rejects,
    mapping: &Mapping,
    rx: Receiver<Vec<RejectedRow>>,
    abandon: &AtomicBool,
) -> Result<reports::Written, PipelineError> {
    for chunk in rx {
        for row in &chunk {
            rejects.write(row, mapping)?;
        }
    }
    if abandon.load(Ordering::SeqCst) {
        // Dropped unfinished: the temporary files go, nothing claims the whole file was read.
        return Ok(reports::Written::default());
    }
    rejects.finish()
}

fn stage_all(mut ledger: Ledger, rx: Receiver<Vec<StagedRow>>) -> Result<Ledger, LedgerError> {
    for chunk in rx {
        ledger.stage(&chunk)?;
    }
    Ok(ledger)
}

/// Size and blake3 digest of the input (read in one pass, on its own thread); a resume checks
/// the input against it.
pub(crate) fn fingerprint(path: &Path) -> std::io::Result<(u64, String)> {
    let mut hasher = blake3::Hasher::new();
    let file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    hasher.update_reader(file)?;
    Ok((size, hasher.finalize().to_hex().to_string()))
}

/// Writes rejects.csv, rejects.xlsx and duplicates.csv from the ledger (again, after delivery
/// added failed rows).
pub(crate) fn write_reports(
    ledger: &Ledger,
    headers: &[String],
    mapping: &Mapping,
    dir: &Path,
) -> Result<(), PipelineError> {
    reports::write(ledger, headers, mapping, dir).map(|_| ())
}

/// The current UTC time, RFC 3339 with seconds.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A row counter on stderr, drawn only when stderr is a terminal.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(wanted: bool) -> Progress {
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new_spinner();
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} {human_pos} rows read ({per_sec})")
        {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(Some(bar))
    }

    fn set(&self, rows: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(rows);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests;
