//! The page around the sections: head with the inline stylesheet, the run's title, the status
//! banner (`status`), the outcome bar, and the run details at the end. Every value from the
//! file or the ledger is escaped here or in `sections`; the page has no script and refers to
//! nothing outside itself.

use std::fmt::Write as _;
use std::time::Duration;

use super::chart::{outcome_bar, Segment};
use super::facts::Facts;
use super::sections;
use super::status::{exit_meaning, status};
use super::text::{bytes, duration, esc, int, percent, timestamp};
use crate::ledger::RowState;

const STYLE: &str = include_str!("style.css");

/// Outcomes in the order a person reads them, with their label and colour. `pending` reads
/// "valid" in a local run (validate, dry run), where it is the good outcome.
fn outcome_style(state: RowState, delivered: bool) -> (&'static str, &'static str) {
    match state {
        RowState::Created => ("created", "#2da44e"),
        RowState::Updated => ("updated", "#1f6feb"),
        RowState::Unchanged => ("unchanged", "#8c959f"),
        RowState::Merged => ("merged into another row", "#8250df"),
        RowState::Pending if delivered => ("not sent yet", "#d4a72c"),
        RowState::Pending => ("valid", "#2da44e"),
        RowState::InDoubt => ("in doubt (checked on resume)", "#bc4c00"),
        RowState::Rejected => ("rejected", "#cf222e"),
        RowState::Failed => ("failed", "#82071e"),
        RowState::Deleted => ("other", "#afb8c1"),
    }
}

const ORDER: [RowState; 8] = [
    RowState::Created,
    RowState::Updated,
    RowState::Unchanged,
    RowState::Merged,
    RowState::Pending,
    RowState::InDoubt,
    RowState::Rejected,
    RowState::Failed,
];

/// The whole page.
pub(crate) fn render(f: &Facts) -> String {
    let mut h = String::with_capacity(32 * 1024);
    let input_name = std::path::Path::new(&f.run.input_path)
        .file_name()
        .map_or_else(
            || f.run.input_path.clone(),
            |n| n.to_string_lossy().into_owned(),
        );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{} · ghl-bulk run report</title><style>{STYLE}</style></head><body><main>",
        esc(&input_name)
    );
    let what = if f.run.deletion.is_some() {
        "delete"
    } else if f.run.delivered {
        "import"
    } else if f.run.command.is_empty() {
        "local run"
    } else {
        f.run.command.as_str()
    };
    let _ = write!(
        h,
        "<header><div class=\"kicker\">ghl-bulk run report · {}</div><h1>{}</h1>\
         <p class=\"sub\">{} rows · started {}{}</p></header>",
        esc(what),
        esc(&input_name),
        int(f.run.rows_read.max(f.outcomes.total())),
        esc(&timestamp(&f.run.started_at)),
        took(f),
    );
    status(&mut h, f);
    outcomes(&mut h, f);
    super::plan_section::plan(&mut h, f);
    sections::rejects(&mut h, f);
    sections::merges(&mut h, &f.merges);
    sections::validate_warnings(&mut h, f);
    sections::shared_phone(&mut h, f);
    sections::warnings(&mut h, f);
    sections::issues(&mut h, f);
    if !f.sessions.is_empty() {
        super::requests::requests(&mut h, f);
    } else if f.run.delivered {
        h.push_str(
            "<section><h2>Requests</h2><p class=\"muted\">No request was recorded for this \
             run (nothing needed sending, or the ledger predates the request log).</p></section>",
        );
    }
    details(&mut h, f);
    let _ = writeln!(
        h,
        "<footer>Written by ghl-bulk {} from the run's ledger.db. This page is self-contained: \
         no script, nothing loaded from anywhere.</footer></main></body></html>",
        esc(env!("CARGO_PKG_VERSION"))
    );
    h
}

/// How long the run took: the local run, or the delivery (the last session's, when resumed:
/// the time between sessions is not the run's).
fn took(f: &Facts) -> String {
    let Some(ms) = f.run.elapsed_ms else {
        return String::new();
    };
    let d = duration(Duration::from_millis(ms));
    match f.sessions.len() {
        0 | 1 => format!(" · took {d}"),
        n => format!(" · {n} delivery sessions, the last took {d}"),
    }
}

fn outcomes(h: &mut String, f: &Facts) {
    let total: u64 = f.outcomes.total();
    let mut states: Vec<RowState> = ORDER.to_vec();
    if !f.run.delivered {
        // In a local run `pending` is "valid", the outcome that matters most: first.
        states.retain(|s| *s != RowState::Pending);
        states.insert(0, RowState::Pending);
    }
    states.extend(
        f.outcomes
            .iter()
            .map(|(s, _)| s)
            .filter(|s| !ORDER.contains(s)),
    );
    let segments: Vec<Segment<'_>> = states
        .iter()
        .map(|&s| {
            let (label, colour) = outcome_style(s, f.run.delivered);
            Segment {
                label: if ORDER.contains(&s) {
                    label
                } else {
                    s.as_str()
                },
                count: f.outcomes.get(s),
                colour,
            }
        })
        .collect();
    let _ = write!(
        h,
        "<section><h2>Outcome of every row</h2>{}<ul class=\"legend\">",
        outcome_bar(&segments)
    );
    for s in segments.iter().filter(|s| s.count > 0) {
        let _ = write!(
            h,
            "<li><span class=\"sw\" style=\"background:{}\"></span>{} <strong>{}</strong> \
             <span class=\"muted\">{}</span></li>",
            s.colour,
            esc(s.label),
            int(s.count),
            percent(s.count, total)
        );
    }
    h.push_str("</ul>");
    if f.run.rows_read > 0 && total != f.run.rows_read {
        let _ = write!(
            h,
            "<p class=\"note\">The outcomes add up to {} rows, but {} were read.</p>",
            int(total),
            int(f.run.rows_read)
        );
    }
    h.push_str("</section>");
}

fn details(h: &mut String, f: &Facts) {
    let r = &f.run;
    h.push_str("<section><h2>Run details</h2><dl>");
    let mut row = |k: &str, v: String| {
        let _ = write!(h, "<dt>{}</dt><dd>{}</dd>", esc(k), v);
    };
    row("Run folder", format!("<code>{}</code>", esc(&f.run_dir)));
    let format = r
        .input_format
        .as_deref()
        .map(|f| format!(", {}", esc(f)))
        .unwrap_or_default();
    row(
        "Input",
        format!(
            "<code>{}</code> ({}{format})",
            esc(&r.input_path),
            bytes(r.input_size)
        ),
    );
    row("Mapping", format!("<code>{}</code>", esc(&r.mapping_path)));
    row(
        "Command",
        esc(if r.command.is_empty() {
            "–"
        } else {
            &r.command
        })
        .into_owned(),
    );
    row("Started", esc(&timestamp(&r.started_at)).into_owned());
    row(
        "Finished",
        r.finished_at.as_deref().map_or_else(
            || "not yet".to_string(),
            |t| esc(&timestamp(t)).into_owned(),
        ),
    );
    if let Some(stop) = &r.stop {
        row("Delivery", esc(stop).into_owned());
    }
    row(
        "Exit code",
        r.exit_code.map_or_else(
            || "–".to_string(),
            |c| format!("<strong>{c}</strong>: {}", esc(exit_meaning(c))),
        ),
    );
    row("Tool version", esc(&r.tool_version).into_owned());
    h.push_str("</dl></section>");
}
