//! `report.html`: one self-contained page per run folder, written from the ledger alone
//! (outcome bar, top reject reasons with example rows, dedupe groups, honest-result warnings,
//! issues, requests over time against the limit, time throttled, and the resume command when
//! the run can go on). Inline CSS and SVG only: no script, no font, no URL, so it opens
//! offline and from an e-mail attachment alike. Aggregates, never every row: a million-row
//! run gives a page of the same size as a hundred-row one.
//!
//! This module owns gathering (`facts`, SQL over the ledger), drawing (`chart`) and the page
//! (`page`, `status`, `sections`, `requests`, `plan_section`); it does not decide when a report
//! is written (validate's and import's ends call [`write`] and [`write_after_delivery`]).

mod chart;
mod facts;
mod page;
mod plan_section;
mod requests;
mod sections;
mod status;
pub(crate) mod text;

use std::path::{Path, PathBuf};

use crate::api::Client;
use crate::ledger::{Ledger, LedgerError, RequestSession};

/// The report's file name in the run folder.
pub const FILE_NAME: &str = "report.html";

/// Why the report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    /// Reading the ledger (or recording the session's requests in it) failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// Writing the file failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The report file (or its temporary twin).
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// The page for the run of this ledger; `run_dir` is how the page names the run folder (and
/// the folder in its resume command).
pub fn render(ledger: &Ledger, run_dir: &Path) -> Result<String, HtmlError> {
    let facts = facts::gather(ledger, &run_dir.display().to_string())?;
    Ok(page::render(&facts))
}

/// Writes `report.html` into the run folder from the ledger, atomically (a temporary file,
/// synced, renamed over the old report): a reader never sees half a page. Returns its path.
pub fn write(ledger: &Ledger, run_dir: &Path) -> Result<PathBuf, HtmlError> {
    let started = tokio::time::Instant::now();
    let html = render(ledger, run_dir)?;
    let path = run_dir.join(FILE_NAME);
    crate::run::atomic::write(&path, html.as_bytes()).map_err(|source| HtmlError::Io {
        path: path.clone(),
        source,
    })?;
    tracing::debug!(
        bytes = html.len(),
        ms = started.elapsed().as_millis() as u64,
        "Wrote report.html."
    );
    Ok(path)
}

/// At the end of a delivery session (a run or a resume): records the session's requests over
/// time in the ledger (nothing when it sent none), then writes `report.html`.
pub fn write_after_delivery(
    ledger: &Ledger,
    run_dir: &Path,
    client: &Client,
    stop: &str,
) -> Result<PathBuf, HtmlError> {
    let counts = client.stats().snapshot();
    if counts.total > 0 {
        let series = client.stats().series();
        let (limit_max, interval) = client.limiter().limits();
        ledger.record_request_session(&RequestSession {
            session: 0,
            finished_at: crate::run::clock::now_rfc3339(),
            stop: stop.to_string(),
            requests: counts.total,
            status_429: counts.throttled,
            retries: counts.retries,
            throttled_ms: client.limiter().throttled().as_millis() as u64,
            limit_max,
            limit_interval_ms: interval.as_millis() as u64,
            endpoints_json: serde_json::to_string(&counts.by_endpoint).unwrap_or_default(),
            bucket_ms: series.bucket.as_millis() as u64,
            span_ms: series.span.as_millis() as u64,
            buckets: series.buckets,
        })?;
    }
    write(ledger, run_dir)
}

#[cfg(test)]
mod tests;
