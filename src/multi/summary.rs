//! The top run folder of a run over many locations: per location its end, outcomes and
//! requests (read back from the location's own `summary.json`), the totals, the worst exit code,
//! written as the top `summary.json`, a `report.html` with a table of locations linking to
//! each location's own report, and the lines printed at the end.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use super::MultiError;
use crate::report::html::text::esc;
use crate::run::end::RunEnd;

/// One location's part of the run.
#[derive(Debug, Clone)]
pub struct LocationResult {
    pub location_id: String,
    pub end: RunEnd,
    /// `created`, `updated`, … → rows, from the location's summary.
    pub outcomes: BTreeMap<String, u64>,
    /// Requests sent to the location (this attempt's, as its summary records them).
    pub requests: u64,
    /// The file's rows that went to the location (its `rows_read`).
    pub rows: u64,
    /// Why the location's run failed, when it did.
    pub error: Option<String>,
}

impl LocationResult {
    /// The result of the location whose folder is `sub`, its end as this run saw it.
    pub fn read(location_id: &str, sub: &Path, end: RunEnd, error: Option<String>) -> Self {
        let summary = read_summary(sub).unwrap_or(Value::Null);
        let outcomes = summary["outcomes"]
            .as_object()
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| v.as_u64().map(|n| (k.clone(), n)))
                    .collect()
            })
            .unwrap_or_default();
        LocationResult {
            location_id: location_id.to_string(),
            end,
            outcomes,
            requests: summary["delivery"]["requests"]["total"]
                .as_u64()
                .unwrap_or(0),
            rows: summary["rows_read"].as_u64().unwrap_or(0),
            error,
        }
    }
}

fn read_summary(sub: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(sub.join("summary.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// The end a location's folder records (its `summary.json`), fatal when it records none.
pub(super) fn recorded_end(sub: &Path) -> RunEnd {
    read_summary(sub)
        .and_then(|s| s["exit_code"].as_u64())
        .and_then(|code| u8::try_from(code).ok())
        .map_or(RunEnd::Fatal, RunEnd::from_code)
}

/// Whether the location's import got to its end (every row has an outcome): exit 0 or 3 as
/// recorded by the import itself. Anything else (stopped, failed, never started) is resumed.
pub(super) fn finished(sub: &Path) -> bool {
    let Some(summary) = read_summary(sub) else {
        return false;
    };
    summary["command"] == "import"
        && summary["delivery"].is_object()
        && matches!(summary["exit_code"].as_u64(), Some(0 | 3))
}

pub use crate::run::end::worst;

/// The run's end: the worst of the locations', and rows rejected when some named no location
/// of the run (`unassigned`, `--location-column`).
fn end_of(results: &[LocationResult], unassigned: u64) -> RunEnd {
    let no_location = (unassigned > 0).then_some(RunEnd::Rejects);
    worst(results.iter().map(|r| r.end).chain(no_location))
}

/// Every location's outcomes added up, with the rows that named no location as rejected.
fn totals(results: &[LocationResult], unassigned: u64) -> BTreeMap<String, u64> {
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    for result in results {
        for (state, n) in &result.outcomes {
            *outcomes.entry(state.clone()).or_default() += n;
        }
    }
    if unassigned > 0 {
        *outcomes.entry("rejected".into()).or_default() += unassigned;
    }
    outcomes
}

/// Writes the top `summary.json` and `report.html`; returns the run's end (the worst).
/// `unassigned`: rows of a `--location-column` file that named no location of the run, rejected
/// `location_unknown` in the top folder's reject files.
pub(super) fn write(
    top: &Path,
    results: &[LocationResult],
    unassigned: u64,
) -> Result<RunEnd, MultiError> {
    let end = end_of(results, unassigned);
    let outcomes = totals(results, unassigned);
    let locations: Vec<Value> = results
        .iter()
        .map(|r| {
            json!({
                "location_id": r.location_id,
                "run_dir": r.location_id,
                "exit_code": r.end.code(),
                "outcomes": r.outcomes,
                "requests": r.requests,
                "error": r.error,
            })
        })
        .collect();
    let summary = json!({
        "command": "import",
        "locations": locations,
        "no_location": {
            "rejected": unassigned,
            "code": crate::pipeline::LOCATION_UNKNOWN,
            "rejects": "rejects.csv",
        },
        "totals": {
            "rows": results.iter().map(|r| r.rows).sum::<u64>() + unassigned,
            "outcomes": outcomes,
            "requests": results.iter().map(|r| r.requests).sum::<u64>(),
        },
        "exit_code": end.code(),
        "finished_at": crate::run::clock::now_rfc3339(),
    });
    let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
    save(&top.join("summary.json"), &format!("{text}\n"))?;
    save(&top.join("report.html"), &html(results, unassigned, end))?;
    Ok(end)
}

fn save(path: &Path, text: &str) -> Result<(), MultiError> {
    crate::run::atomic::write(path, text.as_bytes()).map_err(|source| MultiError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// The outcome columns of the table, in the order a reader expects them.
const COLUMNS: [&str; 6] = [
    "created",
    "updated",
    "unchanged",
    "merged",
    "rejected",
    "failed",
];

/// A self-contained page: one row per location, linking to its own report.
fn html(results: &[LocationResult], unassigned: u64, end: RunEnd) -> String {
    let mut h = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>ghl-bulk import over many locations</title>\
         <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}\
         td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}\
         td:first-child,th:first-child{text-align:left}</style></head><body>\n",
    );
    h.push_str(&format!(
        "<h1>Import over {} locations</h1>\n<p>Exit code {} (the worst of the locations').</p>\n",
        results.len(),
        end.code()
    ));
    h.push_str("<table><thead><tr><th>Location</th><th>Exit code</th>");
    for column in COLUMNS {
        h.push_str(&format!("<th>{column}</th>"));
    }
    h.push_str("<th>Requests</th><th>Error</th></tr></thead><tbody>\n");
    for r in results {
        let id = esc(&r.location_id);
        h.push_str(&format!(
            "<tr><td><a href=\"{id}/report.html\">{id}</a></td><td>{}</td>",
            r.end.code()
        ));
        for column in COLUMNS {
            let n = r.outcomes.get(column).copied().unwrap_or(0);
            h.push_str(&format!("<td>{n}</td>"));
        }
        let error = r.error.as_deref().unwrap_or("");
        h.push_str(&format!(
            "<td>{}</td><td>{}</td></tr>\n",
            r.requests,
            esc(error)
        ));
    }
    h.push_str("</tbody></table>\n");
    if unassigned > 0 {
        h.push_str(&format!(
            "<p>{unassigned} rows named no location of the run and were rejected \
             (<code>location_unknown</code>): see <a href=\"rejects.csv\">rejects.csv</a>.</p>\n"
        ));
    }
    h.push_str("</body></html>\n");
    h
}

/// The lines printed at the end: one per location, then the total.
pub(super) fn human(
    top: &Path,
    results: &[LocationResult],
    unassigned: u64,
    end: RunEnd,
) -> String {
    let mut out = String::new();
    let line = |outcomes: &BTreeMap<String, u64>| {
        COLUMNS
            .iter()
            .map(|c| format!("{} {c}", outcomes.get(*c).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for r in results {
        out.push_str(&format!(
            "{}: exit {}; {}; {} requests{}\n",
            r.location_id,
            r.end.code(),
            line(&r.outcomes),
            r.requests,
            r.error
                .as_deref()
                .map(|e| format!("; error: {e}"))
                .unwrap_or_default()
        ));
    }
    if unassigned > 0 {
        out.push_str(&format!(
            "No location: {unassigned} rows rejected (location_unknown), listed in {}\n",
            top.join("rejects.csv").display()
        ));
    }
    out.push_str(&format!(
        "All {} locations: exit {}; {}. Run folder: {}\n",
        results.len(),
        end.code(),
        line(&totals(results, unassigned)),
        top.display()
    ));
    if matches!(end, RunEnd::Resumable | RunEnd::Interrupted | RunEnd::Fatal) {
        out.push_str(&format!(
            "Continue the locations that did not finish: ghl-bulk import --resume {}\n",
            top.display()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, end: RunEnd) -> LocationResult {
        LocationResult {
            location_id: id.into(),
            end,
            outcomes: BTreeMap::from([("created".to_string(), 2)]),
            requests: 3,
            rows: 2,
            error: None,
        }
    }

    #[test]
    fn the_worst_end_wins_and_none_is_fatal() {
        assert_eq!(worst([RunEnd::Ok, RunEnd::Rejects]), RunEnd::Rejects);
        assert_eq!(
            worst([RunEnd::Rejects, RunEnd::Resumable, RunEnd::Ok]),
            RunEnd::Resumable
        );
        assert_eq!(worst([RunEnd::Resumable, RunEnd::Fatal]), RunEnd::Fatal);
        assert_eq!(worst([]), RunEnd::Fatal);
    }

    #[test]
    fn the_page_escapes_ids_and_errors() {
        let mut bad = result("a<b", RunEnd::Fatal);
        bad.error = Some("<script>x</script>".into());
        let page = html(&[result("L1", RunEnd::Ok), bad], 0, RunEnd::Fatal);
        assert!(page.contains("href=\"L1/report.html\""));
        assert!(!page.contains("<script>"));
        assert!(page.contains("a&lt;b"));
    }

    #[test]
    fn the_top_summary_adds_the_locations_up() {
        let dir = tempfile::tempdir().unwrap();
        let end = write(
            dir.path(),
            &[result("L1", RunEnd::Ok), result("L2", RunEnd::Resumable)],
            0,
        )
        .unwrap();
        assert_eq!(end, RunEnd::Resumable);
        let text = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["exit_code"], 75);
        assert_eq!(json["totals"]["outcomes"]["created"], 4);
        assert_eq!(json["totals"]["requests"], 6);
        assert_eq!(json["locations"][1]["exit_code"], 75);
        assert!(dir.path().join("report.html").is_file());
    }

    #[test]
    fn rows_naming_no_location_are_rejected_in_the_totals() {
        let dir = tempfile::tempdir().unwrap();
        let end = write(dir.path(), &[result("L1", RunEnd::Ok)], 3).unwrap();
        assert_eq!(end, RunEnd::Rejects);
        let text = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["totals"]["rows"], 5);
        assert_eq!(json["totals"]["outcomes"]["rejected"], 3);
        assert_eq!(json["no_location"]["rejected"], 3);
        assert_eq!(json["exit_code"], 3);
        let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
        assert!(page.contains("location_unknown"));
        assert_eq!(
            end_of(&[result("L1", RunEnd::Resumable)], 3),
            RunEnd::Resumable
        );
        assert_eq!(end_of(&[], 0), RunEnd::Fatal);
    }
}
