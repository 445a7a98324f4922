//! The end of an import: the run folder's files written again from the ledger (rejects with
//! the failed rows, success.csv, summary.json with the delivery figures), the human summary,
//! and the progress shown while delivering.

use super::{end_for, ImportEnd, ImportError};
use crate::api::stats::RequestCounts;
use crate::api::Client;
use crate::delivery::{EngineCounts, StopReason};
use crate::ledger::Ledger;
use crate::mapping::Mapping;
use crate::report::{SuccessCsv, SuccessRow};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The delivery part of summary.json.
#[derive(Debug, Clone, Serialize)]
pub struct DeliverySummary {
    /// `finished`, `interrupted`, or `stopped: <why>` (resumable).
    pub stop: String,
    /// Rows this run (or this resume) delivered or failed.
    pub created: u64,
    pub updated: u64,
    pub failed: u64,
    /// `create --on-duplicate skip` rows that met an existing contact.
    pub unchanged: u64,
    /// `update-only` rows that matched no contact.
    pub rejected: u64,
    /// Every request sent, by endpoint and status.
    pub requests: RequestCounts,
    /// Requests per delivered or failed row.
    pub requests_per_row: f64,
    /// Time requests waited for the rate limiter.
    pub throttled_ms: u64,
    /// The limit the API reported: requests per interval.
    pub limit_max: u32,
    pub limit_interval_ms: u64,
    /// Requests per second the API allows.
    pub allowed_rate: f64,
    /// Requests per second between the first request sent and the last: the pace the limiter
    /// kept (the run's start-up and the last answer's latency are not sending).
    pub achieved_rate: f64,
    /// Requests per second over the whole delivery, start-up and last answers included.
    pub overall_rate: f64,
    /// From the first request sent to the last.
    pub sending_ms: u64,
    /// Daily budget left, as last reported.
    pub daily_remaining: Option<u64>,
    pub elapsed_ms: u64,
    /// Honest-result warnings by code.
    pub warnings: BTreeMap<String, u64>,
    /// How to continue a stopped run.
    pub resume: Option<String>,
}

pub(super) struct Finish<'a> {
    pub run_dir: &'a Path,
    pub ledger: &'a Ledger,
    pub mapping: &'a Mapping,
    pub client: &'a Client,
    pub stop: &'a StopReason,
    pub counts: &'a EngineCounts,
    pub elapsed: Duration,
    pub print: bool,
    /// What the delta did (`None` when no state file was used).
    pub delta: Option<&'a super::DeltaReport>,
    /// The requests announced before the first write (`estimate.rs`).
    pub estimate: Option<&'a super::estimate::Breakdown>,
}

pub(super) fn write(f: &Finish<'_>) -> Result<ImportEnd, ImportError> {
    let record = f.ledger.run_record()?;
    crate::pipeline::write_reports(f.ledger, &record.headers, f.mapping, f.run_dir)?;
    write_success(f.ledger, &record.headers, f.run_dir)?;

    let states: BTreeMap<String, u64> = f.ledger.state_counts()?.into_iter().collect();
    let requests = f.client.stats().snapshot();
    let (limit_max, interval) = f.client.limiter().limits();
    let rows_done = f.counts.done();
    let secs = f.elapsed.as_secs_f64().max(0.001);
    let resumable = !matches!(f.stop, StopReason::Finished);
    let delivery = DeliverySummary {
        stop: match f.stop {
            StopReason::Finished => "finished".into(),
            StopReason::Interrupted => "interrupted".into(),
            StopReason::Resumable(why) => format!("stopped: {why}"),
        },
        created: f.counts.created,
        updated: f.counts.updated,
        failed: f.counts.failed,
        unchanged: f.counts.unchanged,
        rejected: f.counts.rejected,
        requests_per_row: if rows_done == 0 {
            0.0
        } else {
            requests.total as f64 / rows_done as f64
        },
        throttled_ms: f.client.limiter().throttled().as_millis() as u64,
        limit_max,
        limit_interval_ms: interval.as_millis() as u64,
        allowed_rate: round2(f.client.limiter().allowed_rate()),
        achieved_rate: round2(requests.sending_rate()),
        overall_rate: round2(requests.total as f64 / secs),
        sending_ms: requests.sending.as_millis() as u64,
        daily_remaining: f.client.limiter().daily().map(|(remaining, _)| remaining),
        elapsed_ms: f.elapsed.as_millis() as u64,
        warnings: f.ledger.warning_counts()?.into_iter().collect(),
        resume: resumable.then(|| format!("ghl-bulk import --resume {}", f.run_dir.display())),
        requests,
    };
    let bad =
        states.get("rejected").copied().unwrap_or(0) + states.get("failed").copied().unwrap_or(0);
    let end = end_for(f.stop, bad > 0);
    let exit_code = match end {
        ImportEnd::Clean => 0,
        ImportEnd::WithRejects => 3,
        ImportEnd::Resumable => 75,
        ImportEnd::Interrupted => 130,
    };

    let mut summary: serde_json::Value = record
        .summary_json
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    let rows_read = summary["rows_read"].as_u64().unwrap_or(0);
    let total: u64 = states.values().sum();
    summary["command"] = "import".into();
    summary["outcomes"] = serde_json::to_value(&states).unwrap_or_default();
    summary["outcomes_add_up"] = (total == rows_read).into();
    summary["delivery"] = serde_json::to_value(&delivery).unwrap_or_default();
    if let Some(delta) = f.delta {
        summary["delta"] = serde_json::to_value(delta).unwrap_or_default();
    }
    if let Some(estimate) = f.estimate {
        // Beside `delivery.requests.total`, so a benchmark can compare the two.
        summary["estimate_requests"] = estimate.total().into();
        summary["estimate"] = serde_json::to_value(estimate).unwrap_or_default();
    }
    summary["exit_code"] = exit_code.into();
    summary["finished_at"] = crate::pipeline::now_rfc3339().into();
    let get = |k: &str| states.get(k).copied().unwrap_or(0);
    tracing::info!(
        stop = %delivery.stop,
        exit_code,
        created = get("created"),
        updated = get("updated"),
        unchanged = get("unchanged"),
        merged = get("merged"),
        rejected = get("rejected"),
        failed = get("failed"),
        requests = delivery.requests.total,
        throttled_ms = delivery.throttled_ms,
        "Import ended."
    );
    let json = serde_json::to_string_pretty(&summary).unwrap_or_default();
    let path = f.run_dir.join("summary.json");
    write_atomically(&path, &format!("{json}\n"))?;
    f.ledger
        .update_summary(exit_code, &json, &crate::pipeline::now_rfc3339())?;
    crate::report::html::write_after_delivery(f.ledger, f.run_dir, f.client, &delivery.stop)
        .map_err(|e| ImportError::Write {
            path: f.run_dir.join(crate::report::html::FILE_NAME),
            message: e.to_string(),
        })?;
    // Last: a kill before this leaves the run "reports incomplete", and a resume rewrites them.
    f.ledger.reports_written(&crate::pipeline::now_rfc3339())?;
    if f.print {
        if let Some(delta) = f.delta {
            eprint!("{}", human_delta(delta));
        }
        eprint!("{}", human(&delivery, &states, f.run_dir));
    }
    Ok(end)
}

fn write_success(ledger: &Ledger, headers: &[String], dir: &Path) -> Result<(), ImportError> {
    let path = dir.join("success.csv");
    let fail = |e: crate::report::ReportError| ImportError::Write {
        path: path.clone(),
        message: e.to_string(),
    };
    let mut out = SuccessCsv::create(&path, headers).map_err(fail)?;
    ledger.each_success(|(row, cells, outcome, contact_id)| {
        out.write(&SuccessRow {
            row,
            cells: &cells,
            outcome: &outcome,
            contact_id: contact_id.as_deref(),
        })
        .map_err(fail)
    })?;
    out.finish().map_err(fail)
}

pub(super) fn write_atomically(path: &Path, text: &str) -> Result<(), ImportError> {
    crate::report::atomic::write(path, text.as_bytes()).map_err(|e| ImportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn human(d: &DeliverySummary, states: &BTreeMap<String, u64>, dir: &Path) -> String {
    let get = |k: &str| states.get(k).copied().unwrap_or(0);
    let mut text = format!(
        "Delivered in {:.1} s: {} created, {} updated, {} failed; {} requests ({:.2} per row), \
         {:.1} req/s of {:.1} allowed, {:.1} s throttled, {} rate-limited (429).\n",
        d.elapsed_ms as f64 / 1000.0,
        d.created,
        d.updated,
        d.failed,
        d.requests.total,
        d.requests_per_row,
        d.achieved_rate,
        d.allowed_rate,
        d.throttled_ms as f64 / 1000.0,
        d.requests.throttled,
    );
    text.push_str(&format!(
        "Run outcomes: {} created, {} updated, {} unchanged, {} merged, {} rejected, {} failed.\n",
        get("created"),
        get("updated"),
        get("unchanged"),
        get("merged"),
        get("rejected"),
        get("failed"),
    ));
    if !d.warnings.is_empty() {
        let list: Vec<String> = d.warnings.iter().map(|(c, n)| format!("{c} {n}")).collect();
        text.push_str(&format!(
            "Warnings (see success.csv and summary.json): {}.\n",
            list.join(", ")
        ));
    }
    if let Some(resume) = &d.resume {
        text.push_str(&format!(
            "The run stopped early ({}). Resume with:\n  {resume}\n",
            d.stop
        ));
    }
    text.push_str(&format!("Run folder: {}\n", dir.display()));
    text
}

fn human_delta(d: &super::DeltaReport) -> String {
    let what = if d.full {
        "--full: every row was sent".to_string()
    } else if d.known_before == 0 {
        "the state file was empty (a first run), every row was sent".to_string()
    } else {
        format!(
            "{} rows unchanged since they were last delivered (no request), {} changed",
            d.unchanged, d.changed
        )
    };
    let scope = match d.scope {
        super::delta::StateScope::Location => "",
        super::delta::StateScope::Run => " (in the run folder: the target is a sandbox)",
    };
    format!(
        "Delta: {what}; {} delivered rows remembered in {}{scope}.\n",
        d.remembered, d.state_file
    )
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Progress while delivering: a bar on a terminal, a line every ten seconds otherwise.
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    lines: bool,
    last_line: Mutex<Instant>,
    total: u64,
    started: Instant,
}

impl Progress {
    pub(super) fn new(bar: bool, lines: bool, total: u64) -> Self {
        let bar = bar.then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} rows  {per_sec}  ETA {eta}  {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Progress {
            bar,
            lines,
            last_line: Mutex::new(Instant::now()),
            total,
            started: Instant::now(),
        }
    }

    pub(super) fn update(&self, counts: &EngineCounts, client: &Client) {
        let done = counts.done();
        let throttled = client.limiter().throttled().as_secs_f64();
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            bar.set_message(format!("throttled {throttled:.0} s"));
            return;
        }
        if !self.lines {
            return;
        }
        let Ok(mut last) = self.last_line.lock() else {
            return;
        };
        if last.elapsed() >= Duration::from_secs(10) {
            *last = Instant::now();
            let rate = done as f64 / self.started.elapsed().as_secs_f64().max(0.001);
            eprintln!(
                "Delivered {done} of {} rows ({rate:.1} rows/s, {throttled:.0} s throttled, {} requests).",
                self.total,
                client.stats().snapshot().total
            );
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
