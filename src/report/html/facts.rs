//! What the HTML report shows: the ledger's aggregate answers (counts per outcome, per reject
//! reason, per warning code and per dedupe group size, with a handful of example rows for each;
//! `ledger::overview`) and what the run's recorded summary says. Nothing here reads every row
//! into memory, so a million-row run costs a few indexed scans and the page stays the same size.

use serde_json::Value;

pub(crate) use crate::ledger::{Example, Merges, Reason, TOP_REASONS};
use crate::ledger::{Ledger, LedgerError, RequestSession, RunOverview, StateCounts};

/// Everything the page shows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Facts {
    /// The run folder (the ledger's folder).
    pub run_dir: String,
    /// The `run` table and summary.json, as recorded.
    pub run: RunFacts,
    /// The input's header row.
    pub headers: Vec<String>,
    /// Rows per ledger state.
    pub outcomes: StateCounts,
    /// Rejected and failed rows by reason.
    pub rejects: Vec<Reason>,
    /// Merged rows and their groups.
    pub merges: Merges,
    /// Honest-result warnings (what HighLevel kept differently) by code and field.
    pub warnings: Vec<Reason>,
    /// Rows with at least one honest-result warning.
    pub rows_with_warnings: u64,
    /// Issue code → times found while validating (summary.json's `issues`).
    pub issues: Vec<(String, u64)>,
    /// Warnings found while validating on rows that were kept, by code and field, with
    /// examples (summary.json's `warnings`).
    pub validate_warnings: Vec<Reason>,
    /// Rows with at least one such warning.
    pub rows_with_validate_warnings: u64,
    /// Delivery sessions (none for a local run).
    pub sessions: Vec<RequestSession>,
    /// What `ghl-bulk plan` decided and what carrying it out costs (planned runs only).
    pub plan: Option<super::plan_section::PlanFacts>,
}

/// The run's identity and end, from the `run` table and the recorded summary.
#[derive(Debug, Clone, Default)]
pub(crate) struct RunFacts {
    /// The version of ghl-bulk that started the run.
    pub tool_version: String,
    /// Rows sharing a phone with another person, and how many of them were imported without
    /// it (issue 21.1), from the summary.
    pub shared_phone: Option<(u64, u64)>,
    /// `validate`, `import --dry-run`, `import`.
    pub command: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// RFC 3339, UTC; `None` while the run has not ended.
    pub finished_at: Option<String>,
    /// The input file, as given.
    pub input_path: String,
    /// Its size in bytes.
    pub input_size: u64,
    /// `csv`, `xlsx`, …
    pub input_format: Option<String>,
    /// The mapping file, as given.
    pub mapping_path: String,
    /// The process's exit code, once it ended.
    pub exit_code: Option<u8>,
    /// Data rows read.
    pub rows_read: u64,
    /// Whether delivery ran (the summary has a `delivery` part).
    pub delivered: bool,
    /// How the last delivery session ended.
    pub stop: Option<String>,
    /// The last session's elapsed time, or the local pipeline's total, in milliseconds.
    pub elapsed_ms: Option<u64>,
    /// Requests per second the API allows, as last reported.
    pub allowed_rate: Option<f64>,
    /// Daily budget left, as last reported.
    pub daily_remaining: Option<u64>,
    /// A `delete` run: (contacts deleted, contacts left to delete, a dry run).
    pub deletion: Option<(u64, u64, bool)>,
    /// How the run's last attempt failed, when it did (it overrides what the exit code of an
    /// earlier step would say).
    pub failure: Option<crate::ledger::Failure>,
}

/// Gathers the facts of the run whose ledger this is.
pub(crate) fn gather(ledger: &Ledger, run_dir: &str) -> Result<Facts, LedgerError> {
    let overview = ledger.run_overview()?;
    let summary: Value = overview
        .as_ref()
        .and_then(|o| o.summary_json.as_deref())
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null);
    let counts: Vec<_> = ledger.decision_counts()?.into_iter().collect();
    let plan = super::plan_section::plan_facts(&counts, &summary, ledger.plan_carried_out()?);
    let mut recorded = run_facts(overview);
    recorded.run.failure = ledger.failure()?;
    Ok(Facts {
        run_dir: run_dir.to_string(),
        run: recorded.run,
        headers: recorded.headers,
        outcomes: ledger.state_counts()?,
        rejects: ledger.reject_reasons()?,
        merges: ledger.merge_overview()?,
        warnings: ledger.delivery_warning_reasons()?,
        rows_with_warnings: ledger.rows_with_delivery_warnings()?,
        issues: recorded.issues,
        validate_warnings: recorded.validate_warnings,
        rows_with_validate_warnings: recorded.rows_with_validate_warnings,
        sessions: ledger.request_sessions()?,
        plan,
    })
}

/// What the `run` table and its summary say.
#[derive(Default)]
struct Recorded {
    run: RunFacts,
    issues: Vec<(String, u64)>,
    validate_warnings: Vec<Reason>,
    rows_with_validate_warnings: u64,
    headers: Vec<String>,
}

fn run_facts(overview: Option<RunOverview>) -> Recorded {
    let Some(overview) = overview else {
        return Recorded::default();
    };
    let mut run = RunFacts {
        tool_version: overview.tool_version,
        started_at: overview.started_at,
        finished_at: overview.finished_at,
        input_path: overview.input_path,
        input_size: overview.input_size,
        mapping_path: overview.mapping_path,
        exit_code: overview.exit_code,
        ..RunFacts::default()
    };
    let (summary, headers) = (overview.summary_json, overview.headers_json);
    // The summary is our own JSON; a field missing from an older one just stays unknown.
    let summary: Value = summary
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    run.command = summary["command"].as_str().unwrap_or("").to_string();
    run.input_format = summary["input"]["format"].as_str().map(str::to_string);
    run.rows_read = summary["rows_read"].as_u64().unwrap_or(0);
    let delivery = &summary["delivery"];
    run.delivered = delivery.is_object();
    run.stop = delivery["stop"].as_str().map(str::to_string);
    run.elapsed_ms = delivery["elapsed_ms"]
        .as_u64()
        .or_else(|| summary["durations_ms"]["total"].as_u64());
    run.allowed_rate = delivery["allowed_rate"].as_f64();
    run.daily_remaining = delivery["daily_remaining"].as_u64();
    if run.command == "delete" {
        run.deletion = Some((
            summary["contacts_deleted"].as_u64().unwrap_or(0),
            summary["contacts_left"].as_u64().unwrap_or(0),
            summary["dry_run"] == true,
        ));
        run.stop = summary["stop"].as_str().map(str::to_string);
        run.elapsed_ms = summary["elapsed_ms"].as_u64();
    }
    let shared = &summary["shared_phone"];
    run.shared_phone = shared["rows"]
        .as_u64()
        .filter(|n| *n > 0)
        .map(|n| (n, shared["imported_without_phone"].as_u64().unwrap_or(0)));
    let mut issues: Vec<(String, u64)> = summary["issues"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
                .collect()
        })
        .unwrap_or_default();
    issues.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let validate_warnings = summary["warnings"]["by_code"]
        .as_array()
        .map(|groups| groups.iter().map(warning_group).collect())
        .unwrap_or_default();
    Recorded {
        run,
        issues,
        validate_warnings,
        rows_with_validate_warnings: summary["warnings"]["rows"].as_u64().unwrap_or(0),
        headers: serde_json::from_str(&headers).unwrap_or_default(),
    }
}

/// One `warnings.by_code` entry of summary.json (written by `pipeline::warnings`).
fn warning_group(group: &Value) -> Reason {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    Reason {
        code: text(&group["code"]),
        field: text(&group["field"]),
        count: group["count"].as_u64().unwrap_or(0),
        examples: group["examples"]
            .as_array()
            .map(|examples| {
                examples
                    .iter()
                    .map(|e| Example {
                        row: e["row"].as_u64().unwrap_or(0),
                        message: text(&e["message"]),
                        cells: Vec::new(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        ..Reason::default()
    }
}
