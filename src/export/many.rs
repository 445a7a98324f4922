//! `export --locations ID,…|all`: every chosen location read side by side in one runtime,
//! each with its own client (rate limiter, daily budget, concurrency, state file), at most
//! [`LOCATIONS_AT_ONCE`] at a time, one progress board, and the exit code the worst of the
//! locations'. Two outputs:
//!
//! - `--out FILE`: one file with a first `location_id` column, the locations in the order
//!   listed (`all`: sorted by id), each in the order its own export reads. All or nothing (the
//!   safer reading of a file a job picks up): each location's rows go to a part first, and the
//!   file is written, atomically, only when every location is complete; if any fails, the
//!   previous file is left as it was and no location's watermark moves.
//! - `--out-dir DIR`: one file per location, `DIR/<location_id>.<ext>`, each its own export
//!   (lock, atomic commit, watermark): a failed location leaves the others' files in place.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};

use super::board::Board;
use super::combine::{self, Part, PartsDir};
use super::destination::{Destination, Mark};
use super::many_summary::{human, write_summary, ManyReport};
use super::output::{resolved, TargetLock};
use super::run::{export, finish_report, new_report};
use super::summary::Report;
use super::writer::Shape;
use super::{ExportConfig, ExportEnd, ExportError, Source};
use crate::api::location_choice::{resolve, Choice};
use crate::api::SharedTokens;
use crate::run::end::{worst, RunEnd};

/// Locations read at the same time. Each has its own limiter, so they do not slow each
/// other; the bound keeps memory (a few pages per location) and open connections in check
/// for an agency with hundreds of locations.
pub const LOCATIONS_AT_ONCE: usize = 8;

/// How often the board of every location's progress is printed.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// Where an export over many locations writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManyOutput {
    /// One file, a `location_id` column first.
    OneFile(PathBuf),
    /// One file per location in this folder, named `<location_id>.<ext>`.
    PerLocation(PathBuf),
}

/// An export over many locations: the settings every location shares (`base.out` is the
/// combined file, or unused with a folder; the client's location id is replaced by each
/// location's), the choice and the output.
#[derive(Debug, Clone)]
pub struct ManyConfig {
    pub base: ExportConfig,
    pub choice: Choice,
    pub output: ManyOutput,
}

/// Runs the export of every chosen location; the end is the worst of theirs.
pub fn run(config: ManyConfig) -> Result<RunEnd, ExportError> {
    let Source::Api(client) = &config.base.source else {
        return Err(ExportError::Internal(
            "--locations reads from HighLevel (or a sandbox served apart); the in-process \
             --sandbox has one location"
                .into(),
        ));
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ExportError::Internal(format!("cannot start the runtime: {e}")))?;
    // Every id is checked before anything is read or written.
    let ids = runtime.block_on(resolve(client, &config.choice))?;
    let board = Board::default();
    // One agency, one token state: the company refresh token rotates on every refresh.
    let shared = SharedTokens::default();
    let configs: Vec<ExportConfig> = ids
        .iter()
        .map(|id| location_config(&config, id, &shared, &board))
        .collect();
    let printer = (config.base.progress && !config.base.dry_run).then(|| {
        let board = board.clone();
        runtime.spawn(async move {
            let mut every = tokio::time::interval(PROGRESS_EVERY);
            every.tick().await;
            loop {
                every.tick().await;
                eprint!("{}", board.render());
            }
        })
    });
    let result = match &config.output {
        ManyOutput::OneFile(out) => runtime.block_on(one_file(&config, out, configs)),
        ManyOutput::PerLocation(_) => Ok(runtime.block_on(per_location(configs))),
    };
    if let Some(printer) = printer {
        printer.abort();
    }
    let (reports, written) = result?;
    let end = worst(reports.iter().map(|r| RunEnd::from_code(r.exit_code)));
    if config.base.dry_run {
        return Ok(end);
    }
    let many = ManyReport {
        command: "export",
        status: match end {
            RunEnd::Ok => "complete",
            RunEnd::Interrupted => "interrupted",
            _ => "failed",
        },
        exit_code: end.code(),
        out: match &config.output {
            ManyOutput::OneFile(out) => Some(out),
            ManyOutput::PerLocation(_) => None,
        },
        out_dir: match &config.output {
            ManyOutput::OneFile(_) => None,
            ManyOutput::PerLocation(dir) => Some(dir),
        },
        contacts_written: written,
        requests: reports.iter().map(|r| r.requests.total).sum(),
        locations: &reports,
    };
    if config.base.progress {
        eprint!("{}", human(&many));
    }
    if let Some(path) = &config.base.summary {
        write_summary(path, &many)?;
    }
    Ok(end)
}

/// One location's settings: its own client (location id, the shared agency tokens) and, with
/// a folder, its own file.
fn location_config(
    config: &ManyConfig,
    id: &str,
    shared: &SharedTokens,
    board: &Board,
) -> ExportConfig {
    let mut one = config.base.clone();
    if let Source::Api(client) = &mut one.source {
        client.location_id = id.to_string();
        client.shared_tokens = Some(shared.clone());
    }
    if let ManyOutput::PerLocation(dir) = &config.output {
        one.out = dir.join(format!("{id}.{}", one.format.name()));
    }
    // One location's bar or lines would garble the others': its figures go to the board.
    one.progress = false;
    one.summary = None;
    one.label = Some(id.to_string());
    one.slot = Some(board.slot(id));
    one
}

/// The report of a location's export, its end filled in.
fn ended(
    config: &ExportConfig,
    mut report: Report,
    result: &Result<ExportEnd, ExportError>,
    started: Instant,
) -> Report {
    finish_report(&mut report, result, started);
    report.location_id = config.label.clone();
    if let Some(slot) = &config.slot {
        slot.state(match report.status.as_str() {
            "complete" => "done",
            "dry-run" => "estimated",
            "interrupted" => "interrupted",
            _ => "failed",
        });
    }
    report
}

/// `--out-dir`: each location its own export, lock and commit.
async fn per_location(configs: Vec<ExportConfig>) -> (Vec<Report>, u64) {
    let runs = configs.into_iter().map(|config| async move {
        let started = Instant::now();
        let mut report = new_report(&config);
        if let Some(slot) = &config.slot {
            slot.state("reading");
        }
        let result = if crate::run::signals::requested() {
            Ok(ExportEnd::Interrupted)
        } else {
            let lock = match config.dry_run {
                true => Ok(None),
                false => TargetLock::acquire(&resolved(&config.out)).map(Some),
            };
            match lock {
                Err(e) => Err(e),
                Ok(_lock) => export(&config, &mut report, &Destination::Out)
                    .await
                    .map(|e| e.end),
            }
        };
        ended(&config, report, &result, started)
    });
    let reports: Vec<Report> = stream::iter(runs)
        .buffered(LOCATIONS_AT_ONCE)
        .collect()
        .await;
    let written = reports
        .iter()
        .filter(|r| r.status == "complete")
        .map(|r| r.contacts_written)
        .sum();
    (reports, written)
}

/// `--out FILE`: every location into its part, then the parts into the file, all or nothing.
async fn one_file(
    config: &ManyConfig,
    out: &Path,
    configs: Vec<ExportConfig>,
) -> Result<(Vec<Report>, u64), ExportError> {
    let out = resolved(out);
    // Held until the summary is written: the next run to the file owns both.
    let _lock = match config.base.dry_run {
        true => None,
        false => Some(TargetLock::acquire(&out)?),
    };
    let parts_dir = match config.base.dry_run {
        true => None,
        false => Some(PartsDir::create(&out)?),
    };
    let runs = configs.into_iter().map(|config| {
        let destination = match &parts_dir {
            Some(dir) => Destination::Part {
                path: dir.part(config.label.as_deref().unwrap_or_default()),
                location: config.label.clone().unwrap_or_default(),
            },
            None => Destination::Out,
        };
        async move {
            let started = Instant::now();
            let mut report = new_report(&config);
            if let Some(slot) = &config.slot {
                slot.state("reading");
            }
            let result = match crate::run::signals::requested() {
                true => Ok(None),
                false => export(&config, &mut report, &destination).await.map(Some),
            };
            let (end, part) = match result {
                Ok(Some(exported)) => (Ok(exported.end), exported.part),
                Ok(None) => (Ok(ExportEnd::Interrupted), None),
                Err(e) => (Err(e), None),
            };
            let part = part.zip(match &destination {
                Destination::Part { path, location } => Some((path.clone(), location.clone())),
                Destination::Out => None,
            });
            (ended(&config, report, &end, started), part)
        }
    });
    let done: Vec<_> = stream::iter(runs)
        .buffered(LOCATIONS_AT_ONCE)
        .collect()
        .await;
    let (mut reports, parts): (Vec<Report>, Vec<_>) = done.into_iter().unzip();
    if config.base.dry_run {
        return Ok((reports, 0));
    }
    if reports.iter().any(|r| r.status != "complete") {
        // All or nothing: the locations that did complete are not written either.
        for report in reports.iter_mut().filter(|r| r.status == "complete") {
            report.status = "discarded".into();
            report.out = out.clone();
        }
        return Ok((reports, 0));
    }
    let mut marks: Vec<Option<Mark>> = Vec::new();
    let mut files: Vec<Part> = Vec::new();
    for (done, (path, location)) in parts.into_iter().flatten() {
        files.push(Part {
            location,
            path,
            headers: done.headers,
        });
        marks.push(done.mark);
    }
    let shape = match &config.base.mapping {
        Some(mapping) => Shape::for_source(&mapping.spec.source)?,
        None => Shape::default(),
    };
    let format = config.base.format;
    let written = tokio::task::spawn_blocking({
        let out = out.clone();
        move || combine::write(&out, format, &shape, &files)
    })
    .await
    .map_err(|e| ExportError::Internal(format!("the writer stopped: {e}")))??;
    drop(parts_dir);
    // Only now, with the file in place, do the locations' watermarks move.
    for (report, mark) in reports.iter_mut().zip(marks) {
        if let Some(mark) = mark {
            report.watermark_after = Some(mark.set()?);
        }
    }
    Ok((reports, written))
}
