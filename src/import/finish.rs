//! The end of an import: the run folder's files written again from the ledger (rejects with
//! the failed rows, success.csv, summary.json with the delivery figures), and the human
//! summary.

use super::{end_for, ImportError};
use crate::api::stats::RequestCounts;
use crate::api::Client;
use crate::delivery::{EngineCounts, StopReason};
use crate::ledger::{Ledger, RowState, StateCounts};
use crate::mapping::Mapping;
use crate::report::{SuccessCsv, SuccessRow, WarningRow, WarningsCsv};
use crate::run::end::RunEnd;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// The delivery part of summary.json.
#[derive(Debug, Clone, Default, Serialize)]
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
    /// The most requests sent inside one window of the limit's interval: what the API's own
    /// count saw at its busiest (`None` for a run too long for the series to tell).
    pub busiest_window: Option<u64>,
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
    /// What the server view read and decided (`None` for a blind run or a resume that
    /// decided nothing new).
    pub view: Option<&'a crate::view::ViewSummary>,
}

pub(super) fn write(f: &Finish<'_>) -> Result<RunEnd, ImportError> {
    let record = f.ledger.run_record()?;
    crate::pipeline::write_reports(f.ledger, &record.headers, f.mapping, f.run_dir)?;
    write_success(f.ledger, &record.headers, f.run_dir)?;

    let states = f.ledger.state_counts()?;
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
        busiest_window: f.client.stats().series().busiest(interval),
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
    let bad = states.get(RowState::Rejected) + states.get(RowState::Failed);
    let end = end_for(f.stop, bad > 0);
    let exit_code = end.code();

    let mut summary = record.summary().unwrap_or_else(|| serde_json::json!({}));
    let rows_read = summary["rows_read"].as_u64().unwrap_or(0);
    let total = states.total();
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
    if let Some(view) = f.view {
        let decisions: BTreeMap<String, u64> = view
            .counts
            .iter()
            .map(|(action, n)| (action.to_string(), *n))
            .collect();
        summary["view"] = serde_json::json!({
            "method": view.method.map(|m| m.as_str()),
            "location_total": view.location_total,
            "requests": view.requests,
            "matched_contacts": view.matched_contacts,
            "decisions": decisions,
            "on_conflict": view.on_conflict.as_str(),
            "conflicts_skipped": f.counts.skipped,
        });
    }
    summary["exit_code"] = exit_code.into();
    summary["finished_at"] = crate::run::clock::now_rfc3339().into();
    let get = |state: RowState| states.get(state);
    tracing::info!(
        stop = %delivery.stop,
        exit_code,
        created = get(RowState::Created),
        updated = get(RowState::Updated),
        unchanged = get(RowState::Unchanged),
        merged = get(RowState::Merged),
        rejected = get(RowState::Rejected),
        failed = get(RowState::Failed),
        requests = delivery.requests.total,
        throttled_ms = delivery.throttled_ms,
        "Import ended."
    );
    crate::run::summary::save(f.ledger, f.run_dir, exit_code, &summary)?;
    crate::report::html::write_after_delivery(f.ledger, f.run_dir, f.client, &delivery.stop)
        .map_err(|e| ImportError::Write {
            path: f.run_dir.join(crate::report::html::FILE_NAME),
            message: e.to_string(),
        })?;
    // Last: a kill before this leaves the run "reports incomplete", and a resume rewrites them.
    f.ledger
        .reports_written(&crate::run::clock::now_rfc3339())?;
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
    ledger.each_success(|(row, cells, outcome, contact_id, warnings)| {
        out.write(&SuccessRow {
            row,
            cells: &cells,
            outcome: &outcome,
            contact_id: contact_id.as_deref(),
            warnings: &warnings,
        })
        .map_err(fail)
    })?;
    out.finish().map_err(fail)?;
    write_warnings(ledger, dir)
}

/// warnings.csv again, with the delivery's warnings beside validate's.
fn write_warnings(ledger: &Ledger, dir: &Path) -> Result<(), ImportError> {
    let path = dir.join(crate::report::WARNINGS_FILE);
    let fail = |e: crate::report::ReportError| ImportError::Write {
        path: path.clone(),
        message: e.to_string(),
    };
    let mut out = WarningsCsv::create(&path).map_err(fail)?;
    ledger.each_warning(|w| {
        out.write(&WarningRow {
            row: w.row,
            field: &w.field,
            code: &w.code,
            message: &w.message,
        })
        .map_err(fail)
    })?;
    out.finish().map_err(fail)
}

pub(super) fn write_atomically(path: &Path, text: &str) -> Result<(), ImportError> {
    crate::run::atomic::write(path, text.as_bytes()).map_err(|e| ImportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// The pace against the limit, counted as the API counts it: requests in the busiest window
/// of the limit's interval, against the limit (a rate over a short run read above the limit
/// while no window was: issue 13 item 11); a rate only when the series cannot tell.
pub fn pace(d: &DeliverySummary) -> String {
    let interval = crate::format::human(std::time::Duration::from_millis(d.limit_interval_ms));
    match d.busiest_window {
        Some(busiest) => format!(
            "at most {} requests in any {interval} (limit {})",
            crate::format::thousands(busiest),
            d.limit_max
        ),
        None => format!(
            "{:.1} req/s of {:.1} allowed",
            d.achieved_rate, d.allowed_rate
        ),
    }
}

fn human(d: &DeliverySummary, states: &StateCounts, dir: &Path) -> String {
    let get = |state: RowState| states.get(state);
    let n = crate::format::thousands;
    let mut text = format!(
        "Delivered in {:.1} s: {} created, {} updated, {} failed; {} ({:.2} per row), \
         {}, {:.1} s throttled, {} rate-limited (429).\n",
        d.elapsed_ms as f64 / 1000.0,
        n(d.created),
        n(d.updated),
        n(d.failed),
        crate::format::counted(d.requests.total, "request", "requests"),
        d.requests_per_row,
        pace(d),
        d.throttled_ms as f64 / 1000.0,
        n(d.requests.throttled),
    );
    // After a stop the rows not sent yet are an outcome too: without them the counts do not
    // add up to the rows read (issue 13 item 11).
    let unsent = get(RowState::Pending) + get(RowState::InDoubt);
    let unsent = if unsent > 0 {
        format!(", {} not sent yet", n(unsent))
    } else {
        String::new()
    };
    text.push_str(&format!(
        "Run outcomes: {} created, {} updated, {} unchanged, {} merged, {} rejected, {} failed{unsent}.\n",
        n(get(RowState::Created)),
        n(get(RowState::Updated)),
        n(get(RowState::Unchanged)),
        n(get(RowState::Merged)),
        n(get(RowState::Rejected)),
        n(get(RowState::Failed)),
    ));
    if !d.warnings.is_empty() {
        let list: Vec<String> = d.warnings.iter().map(|(c, n)| format!("{c} {n}")).collect();
        text.push_str(&format!(
            "Warnings from HighLevel's answers (see warnings.csv): {}.\n",
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
    // The delta runs before the server view: "skipped none" is all it can say. Saying "every
    // row was sent" read wrong beside a run whose view then found 81 of 82 rows unchanged.
    let what = if d.full {
        "--full: the state file was not consulted, no row skipped".to_string()
    } else if d.known_before == 0 {
        "the state file was empty (a first run), no row skipped".to_string()
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
        "Delta: {what}; {} remembered in {}{scope}.\n",
        crate::format::counted(d.remembered, "delivered row", "delivered rows"),
        d.state_file
    )
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
#[cfg(test)]
mod tests {
    use super::*;

    /// A second import against a location that already held the rows: the delta (first run of
    /// this state file) skipped none, and the server view then found 81 of 82 unchanged. The
    /// line said "every row was sent".
    #[test]
    fn the_delta_line_claims_no_sending_it_did_not_do() {
        let report = |full: bool, known_before: u64| super::super::DeltaReport {
            remembered: 1,
            ..super::super::DeltaReport::new(
                "state.sqlite".into(),
                super::super::delta::StateScope::Location,
                full,
                known_before,
            )
        };
        for line in [
            human_delta(&report(false, 0)),
            human_delta(&report(true, 5)),
        ] {
            assert!(!line.contains("sent"), "{line}");
            assert!(line.contains("no row skipped"), "{line}");
        }
    }

    /// Issue 13 item 11: after Ctrl-C the outcomes left out the rows not sent yet (they did
    /// not add up), counts had no thousands separator, one request read "1 requests", and a
    /// short run's rate read above the limit ("10.6 req/s of 10.0") while no window was.
    #[test]
    fn the_summary_counts_unsent_rows_and_paces_as_the_limit_counts() {
        let d = DeliverySummary {
            stop: "interrupted".into(),
            requests: RequestCounts {
                total: 1,
                ..RequestCounts::default()
            },
            limit_max: 100,
            limit_interval_ms: 10_000,
            busiest_window: Some(96),
            achieved_rate: 10.6,
            allowed_rate: 10.0,
            ..DeliverySummary::default()
        };
        let states = StateCounts::from_iter([
            (RowState::Created, 1_200),
            (RowState::Pending, 30),
            (RowState::InDoubt, 2),
        ]);
        let text = human(&d, &states, Path::new("runs/x"));
        assert!(text.contains("Run outcomes: 1,200 created"), "{text}");
        assert!(text.contains(", 32 not sent yet.\n"), "{text}");
        assert!(text.contains("; 1 request ("), "{text}");
        assert!(
            text.contains("at most 96 requests in any 10 s (limit 100)") && !text.contains("10.6"),
            "{text}"
        );
    }
}
