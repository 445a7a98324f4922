//! The staging itself: the reader, normalising, ledger and reject-file threads, then dedupe,
//! the reports and the summary (see the module above for the flow).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use super::{
    conflicts, dedupe_stage, fingerprint, quoted_headers, reports, rows, summary, warnings,
    write_err, PipelineError, StopPoint, Summary, ValidateConfig,
};
use crate::ledger::{Ledger, LedgerError, RejectedRow, RunMeta, StagedRow, StoredPayload};
use crate::mapping::MappingError;
use crate::run::clock;
use crate::run::progress::Progress;
use crate::source::{self, RawRow, SourceError};

/// Rows per chunk: large enough to amortise a transaction and rayon's fan-out, small enough
/// that the few chunks in flight stay a few megabytes.
const CHUNK_ROWS: usize = 8192;
/// Chunks the reader may run ahead of normalisation, and normalisation ahead of the ledger.
const CHANNEL_DEPTH: usize = 2;

pub(super) fn stage_and_report(config: &ValidateConfig) -> Result<Summary, PipelineError> {
    let started = Instant::now();
    let started_at = clock::now_rfc3339();
    // Before the fingerprint thread opens it: a named pipe would hang that thread.
    source::check_input(&config.input)?;
    let stamp = crate::ledger::input_stamp(&config.input);
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
    let mut mapping = config.mapping.compile(&headers, config.region.as_deref())?;
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
    let locations = match &config.location_column {
        None => None,
        Some(column) => {
            Some(
                column
                    .locate(&headers)
                    .ok_or_else(|| PipelineError::NoLocationColumn {
                        column: column.header.clone(),
                        headers: quoted_headers(&headers),
                    })?,
            )
        }
    };
    // Dates of birth after today are refused; the clock is read here, not in `contact`.
    mapping.rules.today = Some(clock::today());

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
    ledger.record_source_options(&config.input, &config.source)?;

    let progress = Progress::spinner(
        config.progress,
        "{spinner} {human_pos} rows read ({per_sec})",
    );
    let (chunk_tx, chunk_rx) = sync_channel::<Result<Vec<RawRow>, SourceError>>(CHANNEL_DEPTH);
    // Rows' cells going back to the reader once mapped, to be decoded into again (issue 20:
    // a string per cell was a fifth of the run's allocations, each freed on another thread).
    let (spare_tx, spare_rx) = sync_channel::<Vec<Vec<String>>>(CHANNEL_DEPTH);
    // Returns the dialect as it stands once every row is read (a CSV's counts the rows read
    // with the encoding fallback).
    let reader = thread::spawn(move || {
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        loop {
            if chunk.is_empty() {
                for cells in spare_rx.try_iter().flatten() {
                    source.reuse(cells);
                }
            }
            let Some(item) = source.next() else { break };
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
    let (stage_tx, stage_rx) =
        sync_channel::<Vec<(StagedRow, Option<StoredPayload>)>>(CHANNEL_DEPTH);
    // Set once every row was sent to the ledger thread: it then builds the state index (see
    // `stage_all`); a run that stopped early leaves it to `make_durable`, if it gets there.
    let staged_whole = Arc::new(AtomicBool::new(false));
    let writer = {
        let staged_whole = Arc::clone(&staged_whole);
        thread::spawn(move || stage_all(ledger, stage_rx, &staged_whole))
    };
    let (reject_tx, reject_rx) = sync_channel::<Vec<RejectedRow>>(CHANNEL_DEPTH);
    // Set when the loop gives up: the reject files are then left unfinished (their temporary
    // files removed), not put in place as if the file had been read whole.
    let abandon = Arc::new(AtomicBool::new(false));
    let rejects = {
        let rejects = reports::Rejects::create(&config.run_dir, &headers)?;
        let mapping = mapping.clone();
        let abandon = Arc::clone(&abandon);
        thread::spawn(move || reports::write_rejects(rejects, &mapping, reject_rx, &abandon))
    };

    let mut warnings = warnings::Warnings::create(&config.run_dir)?;
    // One deduper per location when rows name theirs (`--location-column`): one email in two
    // locations is two contacts.
    let mut deduper = crate::dedupe::Partitioned::new(&mapping.dedupe_keys, mapping.shared_phone);
    let mut rows_read = 0u64;
    let mut issues: BTreeMap<String, u64> = BTreeMap::new();
    let mut failure = None;
    let mut stopped = false;
    for chunk in chunk_rx {
        if (config.stop)(StopPoint::Reading) {
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
        let processed = rows::process_chunk(&mapping, locations.as_ref(), chunk);
        let mut staged = Vec::with_capacity(processed.len());
        let mut rejected = Vec::new();
        let mut spare = Vec::with_capacity(processed.len());
        for mut p in processed {
            spare.extend(p.spare_cells.take());
            for code in p.codes {
                *issues.entry(code.to_string()).or_default() += 1;
            }
            let s = p.staged;
            if failure.is_none() {
                failure = warnings.add(s.row, &p.warnings).err();
            }
            if s.state == crate::ledger::RowState::Pending {
                deduper.add_digests(p.location.as_deref(), s.row, p.keys);
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
            staged.push((s, p.stored));
        }
        if failure.is_some() {
            break;
        }
        rows_read += staged.len() as u64;
        progress.set_position(rows_read);
        // Dropped here when the reader has enough already (or has finished).
        let _ = spare_tx.try_send(spare);
        // A closed channel means that thread failed; its error is collected below.
        if stage_tx.send(staged).is_err()
            || (!rejected.is_empty() && reject_tx.send(rejected).is_err())
        {
            stopped = true;
            break;
        }
    }
    // A stop asked for while the last chunk was processed: still a stop (the reject files are
    // abandoned, nothing claims the whole file was read).
    if failure.is_none() && !stopped && (config.stop)(StopPoint::Reading) {
        failure = Some(PipelineError::Interrupted);
    }
    abandon.store(failure.is_some(), Ordering::SeqCst);
    let whole = failure.is_none() && !stopped;
    staged_whole.store(whole, Ordering::SeqCst);
    drop(stage_tx);
    drop(reject_tx);
    // Dedupe needs only its digests: it resolves the groups while the ledger thread stages the
    // last chunks and builds the state index (issue 20: that build, on its own, was serial).
    let resolution = whole.then(|| deduper.resolve());
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
    // Read whole, and it looks as before it was hashed: the reports below take its digest as
    // read instead of hashing it again.
    crate::ledger::remember_read_whole(&config.input, &stamp, &input_blake3);

    // The reject files are finished on their thread meanwhile (they do not depend on dedupe).
    let Some(resolution) = resolution else {
        // Not reached: a run that stopped early returned above.
        return Err(PipelineError::Thread("dedupe"));
    };
    // From here the file is read whole, but a stop still ends the run as a stop (each step
    // below takes about a second per million rows, so it is looked at between them).
    let stop_checking = |rejects| reports::stopped_after_read(&config.run_dir, &abandon, rejects);
    if (config.stop)(StopPoint::Checking) {
        return Err(stop_checking(rejects));
    }
    let conflicts = conflicts::apply(&mut ledger, &resolution.conflicts, mapping.shared_phone)?;
    for (code, n) in [
        (conflicts::PHONE_SHARED, conflicts.phone_shared),
        (conflicts::IDENTITY_CONFLICT, conflicts.identity_conflicts),
    ] {
        if n > 0 {
            *issues.entry(code.to_string()).or_default() += n;
        }
    }
    if (config.stop)(StopPoint::Checking) {
        return Err(stop_checking(rejects));
    }
    let groups = dedupe_stage::merge_groups(&mut ledger, resolution.groups, &mapping.dedupe_keys)?;
    let dedupe_done = started.elapsed();
    if (config.stop)(StopPoint::Checking) {
        return Err(stop_checking(rejects));
    }
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
    // The reject files are final and kept, even by a stop from here on: now is the time to say
    // what the workbook left out (said by its thread, it came before a stop removed the file,
    // and twice when dedupe's rejections wrote it again).
    written
        .xlsx
        .warn_left_out(&config.run_dir.join("rejects.xlsx"));
    if (config.stop)(StopPoint::Checking) {
        // The reject files are in place and whole: only the summary is not written, and the
        // folder says the run was interrupted.
        return Err(PipelineError::Interrupted);
    }

    let summary = Summary::build(summary::Inputs {
        command: config.command.clone(),
        config,
        format,
        dialect,
        input_size,
        input_blake3,
        started_at,
        finished_at: clock::now_rfc3339(),
        rows_read,
        state_counts: outcome_counts,
        dedupe_groups: groups,
        conflicts,
        config_shared_phone: mapping.shared_phone,
        xlsx_rows_omitted: written.xlsx.rows_omitted,
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
    crate::run::atomic::write(&path, format!("{json}\n").as_bytes())
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
    ledger.reports_written(&clock::now_rfc3339())?;
    Ok(summary)
}

/// The ledger thread: one transaction per chunk, then, once the whole file is staged, the
/// state index in one sorted build (cheaper than keeping it up row by row; it runs here, beside
/// dedupe's resolving on the main thread, instead of alone after it).
fn stage_all(
    mut ledger: Ledger,
    rx: Receiver<Vec<(StagedRow, Option<StoredPayload>)>>,
    staged_whole: &AtomicBool,
) -> Result<Ledger, LedgerError> {
    for chunk in rx {
        ledger.stage_stored(&chunk)?;
    }
    if staged_whole.load(Ordering::SeqCst) {
        ledger.build_indexes()?;
    }
    Ok(ledger)
}
