//! The status banner at the top of the report: how the run ended, in a title and a sentence,
//! and the command that continues it when it can go on (an import's or a delete's).

use std::fmt::Write as _;

use super::facts::Facts;
use super::text::{esc, int};
use crate::ledger::RowState;

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

pub(super) fn status(h: &mut String, f: &Facts) {
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
