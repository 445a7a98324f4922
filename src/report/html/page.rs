//! The page around the sections: head with the inline stylesheet, the run's title, the status
//! banner (with the resume command when the run can go on), the outcome bar, and the run
//! details at the end. Every value from the file or the ledger is escaped here or in
//! `sections`; the page has no script and refers to nothing outside itself.

use std::fmt::Write as _;
use std::time::Duration;

use super::chart::{outcome_bar, Segment};
use super::facts::Facts;
use super::sections;
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

/// What an exit code means (the README's table, in a sentence).
pub(crate) fn exit_meaning(code: u8) -> &'static str {
    match code {
        0 => "every row ended created, updated, unchanged, merged (or valid)",
        1 => "fatal error, or the outcomes do not add up",
        2 => "command-line usage error",
        3 => "finished, but some rows were rejected or failed: see rejects.csv",
        4 => {
            "the plan was not carried out: the file or the mapping changed since, or it was \
              carried out already (nothing was sent)"
        }
        75 => "stopped early and resumable (daily budget reached, API unreachable)",
        130 => "interrupted (Ctrl-C); resumable",
        _ => "unknown exit code",
    }
}

/// The resume command for this run folder, quoted for a POSIX shell when it needs to be.
pub(crate) fn resume_command(run_dir: &str) -> String {
    resume_with("import", run_dir)
}

/// `ghl-bulk VERB --resume RUN_DIR`, quoted as [`resume_command`] does.
fn resume_with(verb: &str, run_dir: &str) -> String {
    let plain = run_dir
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@=,".contains(c));
    if plain && !run_dir.is_empty() {
        format!("ghl-bulk {verb} --resume {run_dir}")
    } else {
        format!(
            "ghl-bulk {verb} --resume '{}'",
            run_dir.replace('\'', r"'\''")
        )
    }
}

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
        sections::requests(&mut h, f);
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

/// The status of a run whose last attempt failed: the stage and the error, and whether
/// anything was sent.
fn failure_status(f: &Facts) -> (&'static str, String, String) {
    let Some(failure) = &f.run.failure else {
        return ("stop", "Failed".into(), String::new());
    };
    let local =
        count(f, RowState::Pending) + count(f, RowState::Rejected) + count(f, RowState::Merged);
    let total: u64 = f.outcomes.total();
    let sent = if total > local {
        "Rows were sent before it stopped: resume the run once the cause is fixed."
    } else {
        "Nothing was sent. Fix the cause and run the same command again (into the same run \
         folder if you like: a run that sent nothing is replaced)."
    };
    let what = if failure.exit_code == 130 {
        "Interrupted"
    } else {
        "Failed"
    };
    (
        "stop",
        format!("{what} at {}: {}", failure.stage, failure.error),
        format!("Exit code {}. {sent}", failure.exit_code),
    )
}

fn count(f: &Facts, state: RowState) -> u64 {
    f.outcomes.get(state)
}

fn status(h: &mut String, f: &Facts) {
    if let Some(deletion) = f.run.deletion {
        return deletion_status(h, f, deletion);
    }
    let rejected = count(f, RowState::Rejected);
    let failed = count(f, RowState::Failed);
    let unsent = count(f, RowState::Pending) + count(f, RowState::InDoubt);
    let (class, title, text) = match (f.run.exit_code, f.run.delivered) {
        _ if f.run.failure.is_some() => failure_status(f),
        (None, _) => (
            "info",
            "The run has not finished".to_string(),
            "The ledger has no end recorded: the run is still going, or stopped without \
             writing it."
                .to_string(),
        ),
        (Some(0), false) if f.run.command == "plan" => (
            "ok",
            "Plan written: nothing was sent".to_string(),
            "The location was only read. Review plan.csv or plan.xlsx, then carry the plan out \
             with `ghl-bulk import --plan` and this run folder."
                .to_string(),
        ),
        (Some(0), false) => (
            "ok",
            "Every row is valid".to_string(),
            "Nothing was sent: this run only read, checked and de-duplicated the file.".to_string(),
        ),
        (Some(0), true) => (
            "ok",
            "Finished: every row was delivered".to_string(),
            "Every row ended created, updated, unchanged or merged.".to_string(),
        ),
        (Some(3), _) => (
            "warn",
            format!(
                "Finished with {} rejected and {} failed rows",
                int(rejected),
                int(failed)
            ),
            "They are listed in rejects.csv and rejects.xlsx in the run folder: fix them and \
             run that file again with the same mapping."
                .to_string(),
        ),
        (Some(75), _) => (
            "stop",
            "Stopped early; the run can be resumed".to_string(),
            f.run.stop.clone().unwrap_or_else(|| "stopped".into()),
        ),
        (Some(130), _) => (
            "stop",
            "Interrupted; the run can be resumed".to_string(),
            "The run was stopped (Ctrl-C or a stop signal) after the requests in flight."
                .to_string(),
        ),
        (Some(code), _) => (
            "stop",
            format!("Ended with exit code {code}"),
            exit_meaning(code).to_string(),
        ),
    };
    let _ = write!(
        h,
        "<div class=\"status {class}\"><strong>{}</strong><br>{}",
        esc(&title),
        esc(&text)
    );
    let resumable = matches!(f.run.exit_code, Some(75 | 130));
    if f.run.delivered && (resumable || unsent > 0 || failed > 0) {
        let why = if resumable || unsent > 0 {
            format!(
                "{} rows are not delivered yet. Continue the run with:",
                int(unsent + failed)
            )
        } else {
            format!(
                "{} rows failed (the API refused them or retries ran out); a resume tries \
                 them again:",
                int(failed)
            )
        };
        let _ = write!(
            h,
            "<p style=\"margin:10px 0 0\">{}</p><pre class=\"cmd\">{}</pre>",
            esc(&why),
            esc(&resume_command(&f.run_dir))
        );
    }
    h.push_str("</div>");
}

/// The banner of a `delete` run: contacts deleted (or, for a dry run, that would be), and the
/// resume command only for a run that can go on (never for a dry run).
fn deletion_status(h: &mut String, f: &Facts, (deleted, left, dry_run): (u64, u64, bool)) {
    let refused = count(f, RowState::Rejected) + count(f, RowState::Failed);
    let contacts = |n: u64| format!("{} contact{}", int(n), if n == 1 { "" } else { "s" });
    let (class, title, text) = match f.run.exit_code {
        _ if dry_run => (
            "info",
            format!("Dry run: nothing was deleted ({} would be)", contacts(left)),
            "This run folder only shows what a delete would do and cannot be resumed: run the \
             delete again without --dry-run."
                .to_string(),
        ),
        Some(75 | 130) => (
            "stop",
            format!("Stopped after deleting {}", contacts(deleted)),
            format!("{} are not deleted yet.", contacts(left)),
        ),
        Some(0 | 3) => (
            if refused > 0 { "warn" } else { "ok" },
            format!("Deleted {}", contacts(deleted)),
            format!(
                "{} rows matched no contact, several contacts, or failed: see rejects.csv.",
                int(refused)
            ),
        ),
        Some(code) => (
            "stop",
            format!("Ended with exit code {code}"),
            exit_meaning(code).to_string(),
        ),
        None => (
            "info",
            "The run has not finished".to_string(),
            "The ledger has no end recorded.".to_string(),
        ),
    };
    let _ = write!(
        h,
        "<div class=\"status {class}\"><strong>{}</strong><br>{}",
        esc(&title),
        esc(&text)
    );
    if !dry_run && left > 0 {
        let _ = write!(
            h,
            "<p style=\"margin:10px 0 0\">Continue the delete with:</p><pre class=\"cmd\">{}</pre>",
            esc(&resume_with("delete", &f.run_dir))
        );
    }
    h.push_str("</div>");
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
                count: count(f, s),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resume_command_is_quoted_only_when_needed() {
        assert_eq!(
            resume_command("runs/20261123T100000Z-leads"),
            "ghl-bulk import --resume runs/20261123T100000Z-leads"
        );
        assert_eq!(
            resume_command("/tmp/my runs/it's"),
            r"ghl-bulk import --resume '/tmp/my runs/it'\''s'"
        );
    }

    #[test]
    fn every_exit_code_of_the_readme_has_a_meaning() {
        for code in [0, 1, 2, 3, 75, 130] {
            assert_ne!(exit_meaning(code), "unknown exit code");
        }
        assert_eq!(exit_meaning(42), "unknown exit code");
    }
}
