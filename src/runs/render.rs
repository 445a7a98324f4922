//! The text `runs` prints: the table of run folders and the account of one run (`runs show`).
//! Plain aligned columns, no colours: the output is read in terminals and in cron mail alike.

use std::fmt::Write as _;
use std::path::Path;

use super::{RunInfo, RunState, RUN_FILES};

/// Columns of the table.
const COLUMNS: usize = 13;

/// The table of runs, one line each, newest first (as given), with a header line.
pub fn table(runs: &[RunInfo]) -> String {
    const HEADER: [&str; COLUMNS] = [
        "RUN",
        "STARTED (UTC)",
        "COMMAND",
        "INPUT",
        "VALID",
        "CREATED",
        "UPDATED",
        "UNCHANGED",
        "MERGED",
        "REJECTED",
        "FAILED",
        "DELETED",
        "STATE",
    ];
    let mut lines: Vec<[String; COLUMNS]> = vec![HEADER.map(str::to_string)];
    for run in runs {
        // A running run's counts cannot be read (its start and input can).
        let known = run.started_at.is_some() && run.state != RunState::Running;
        let count = |n: u64| if known { n.to_string() } else { "-".into() };
        let c = &run.counts;
        // Valid rows are the outcome of a run that sends nothing (validate, the dry runs);
        // in an import they are rows not sent yet, which the state column counts.
        let local = !matches!(run.command.as_deref(), Some("import" | "delete"))
            || run.summary.as_ref().is_some_and(|s| s["dry_run"] == true);
        let valid = if local {
            count(c.pending)
        } else {
            String::new()
        };
        let deleted = if run.command.as_deref() == Some("delete") {
            count(c.deleted)
        } else {
            String::new()
        };
        lines.push([
            folder_name(&run.dir),
            run.started_at
                .as_deref()
                .map(short_time)
                .unwrap_or_else(|| "-".into()),
            run.command.clone().unwrap_or_else(|| "-".into()),
            run.input_name().unwrap_or_else(|| "-".into()),
            valid,
            count(c.created),
            count(c.updated),
            count(c.unchanged),
            count(c.merged),
            count(c.rejected),
            count(c.failed),
            deleted,
            state_cell(run),
        ]);
    }
    let mut widths = [0usize; COLUMNS];
    for line in &lines {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for line in &lines {
        let mut text = String::new();
        for (i, (cell, w)) in line.iter().zip(widths).enumerate() {
            // Counts are right-aligned, text left-aligned; the last column is not padded.
            let numeric = (4..COLUMNS - 1).contains(&i);
            match (numeric, i == COLUMNS - 1) {
                (true, _) => write!(text, "{cell:>w$}  "),
                (false, false) => write!(text, "{cell:<w$}  "),
                (false, true) => write!(text, "{cell}"),
            }
            .ok();
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

fn state_cell(run: &RunInfo) -> String {
    if let (RunState::Failed, Some(failure)) = (run.state, &run.failure) {
        let what = if failure.exit_code == 130 {
            "interrupted"
        } else {
            "failed"
        };
        return format!("{what}: {}", short_reason(&failure.error));
    }
    match run.state {
        RunState::Resumable if run.counts.left() > 0 => {
            format!("resumable ({} left)", run.counts.left())
        }
        state => state.as_str().to_string(),
    }
}

/// The error's first clause, at most 60 characters: the table stays one line a run
/// (`runs show` has the whole of it).
fn short_reason(error: &str) -> String {
    let first = error.split(": HTTP").next().unwrap_or(error).trim();
    if first.chars().count() <= 60 {
        return first.to_string();
    }
    let cut: String = first.chars().take(59).collect();
    format!("{}…", cut.trim_end())
}

fn folder_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string())
}

/// `2026-11-23T11:24:05Z` as `2026-11-23 11:24:05`; anything else as it is.
fn short_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// The account of one run: what ran, how it ended, the counts, the pace, the files, and how to
/// resume it when it can be.
pub fn show(run: &RunInfo) -> String {
    let mut out = String::new();
    let mut line = |label: &str, value: String| {
        let _ = writeln!(out, "{label:<13}{value}");
    };
    line("Run folder", run.dir.display().to_string());
    let state = match (&run.note, &run.failure) {
        // The note starts with "failed at <stage>" already.
        (Some(note), Some(_)) => note.clone(),
        (Some(note), None) => format!("{} ({note})", run.state.as_str()),
        (None, _) => run.state.as_str().to_string(),
    };
    line("State", state);
    if let Some(command) = &run.command {
        line("Command", command.clone());
    }
    if let Some(input) = &run.input_path {
        line("Input", input.clone());
    }
    if let Some(mapping) = &run.mapping_path {
        line("Mapping", mapping.clone());
    }
    if let Some(started) = &run.started_at {
        line("Started", format!("{} UTC", short_time(started)));
    }
    if let Some(finished) = &run.finished_at {
        let took = run
            .started_at
            .as_deref()
            .and_then(|s| seconds_between(s, finished))
            .map(|secs| format!(" ({})", duration(secs)))
            .unwrap_or_default();
        line("Last step", format!("{} UTC{took}", short_time(finished)));
    }
    if let Some(code) = run.exit_code {
        line("Exit code", code.to_string());
    }
    if let Some(failure) = &run.failure {
        line("Stopped at", failure.stage.clone());
        line("Error", failure.error.clone());
    }
    if run.started_at.is_some() && run.state != RunState::Running {
        let c = &run.counts;
        let mut rows = if run.command.as_deref() == Some("delete") {
            format!(
                "{} in the ledger: {} deleted, {} rejected, {} failed",
                c.rows, c.deleted, c.rejected, c.failed
            )
        } else {
            format!(
                "{} in the ledger: {} created, {} updated, {} unchanged, {} merged, {} \
                 rejected, {} failed",
                c.rows, c.created, c.updated, c.unchanged, c.merged, c.rejected, c.failed
            )
        };
        let dry_run = run.summary.as_ref().is_some_and(|s| s["dry_run"] == true);
        if c.left() > 0 {
            let what = match run.command.as_deref() {
                Some("import") => "not sent yet",
                Some("delete") if dry_run => "would be deleted",
                Some("delete") => "not deleted yet",
                _ => "valid",
            };
            let _ = write!(rows, ", {} {what}", c.left());
            if c.in_doubt > 0 {
                let _ = write!(rows, " ({} in doubt)", c.in_doubt);
            }
        }
        line("Rows", rows);
    }
    if let Some(delivery) = run.summary.as_ref().map(|s| &s["delivery"]) {
        if let Some(total) = delivery["requests"]["total"].as_u64() {
            // As the limit is counted: the busiest window (older summaries: the rate).
            let pace = match (
                delivery["busiest_window"].as_u64(),
                delivery["limit_max"].as_u64(),
                delivery["limit_interval_ms"].as_u64(),
            ) {
                (Some(busiest), Some(max), Some(ms)) => format!(
                    "at most {busiest} requests in any {} (limit {max})",
                    crate::format::human(std::time::Duration::from_millis(ms))
                ),
                _ => format!(
                    "{:.1} req/s of {:.1} allowed",
                    delivery["achieved_rate"].as_f64().unwrap_or(0.0),
                    delivery["allowed_rate"].as_f64().unwrap_or(0.0)
                ),
            };
            line(
                "Requests",
                format!(
                    "{total} ({:.2} per row), {pace}, {:.1} s throttled, \
                     {} rate-limited (429), {} retries",
                    delivery["requests_per_row"].as_f64().unwrap_or(0.0),
                    delivery["throttled_ms"].as_u64().unwrap_or(0) as f64 / 1000.0,
                    delivery["requests"]["throttled"].as_u64().unwrap_or(0),
                    delivery["requests"]["retries"].as_u64().unwrap_or(0),
                ),
            );
        }
        if let Some(ms) = delivery["elapsed_ms"].as_u64() {
            line("Delivery", duration(ms as f64 / 1000.0));
        }
        if let Some(left) = delivery["daily_remaining"].as_u64() {
            line(
                "Daily budget",
                format!("{left} requests left when it ended"),
            );
        }
    }
    let files: Vec<String> = RUN_FILES
        .iter()
        .filter_map(|name| {
            let meta = std::fs::metadata(run.dir.join(name)).ok()?;
            Some(format!("{name} ({})", size(meta.len())))
        })
        .collect();
    if !files.is_empty() {
        line("Files", files.join(", "));
    }
    if let Some(resume) = &run.resume {
        let _ = write!(out, "\nResume with:\n  {resume}\n");
    }
    out
}

fn seconds_between(start: &str, end: &str) -> Option<f64> {
    let start = chrono::DateTime::parse_from_rfc3339(start).ok()?;
    let end = chrono::DateTime::parse_from_rfc3339(end).ok()?;
    Some((end - start).num_milliseconds().max(0) as f64 / 1000.0)
}

/// `42.0 s`, `5 min 3 s`, `2 h 10 min`.
fn duration(secs: f64) -> String {
    let whole = secs.round() as u64;
    match whole {
        0..=59 => format!("{secs:.1} s"),
        60..=3599 => format!("{} min {} s", whole / 60, whole % 60),
        _ => format!("{} h {} min", whole / 3600, (whole % 3600) / 60),
    }
}

/// Bytes as a person reads them.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "kB", "MB", "GB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_read_naturally() {
        assert_eq!(duration(4.25), "4.2 s");
        assert_eq!(duration(303.0), "5 min 3 s");
        assert_eq!(duration(7800.0), "2 h 10 min");
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1_234_567), "1.2 MB");
        assert_eq!(short_time("2026-11-23T11:24:05Z"), "2026-11-23 11:24:05");
        assert_eq!(short_time("not a time"), "not a time");
    }
}
