//! How an import stops early and comes back: Ctrl-C once (graceful, exit 130), Ctrl-C twice
//! (abort at once, exit 130), and the daily budget down to `--daily-reserve` (exit 75); each
//! time the ledger is consistent and `--resume` finishes the run without a duplicate.

#![cfg(unix)]

use crate::util::checks::{check_finished, check_outcomes, check_stopped, seed_existing, Finished};
use crate::util::{
    fast_config, import, ledger_rows, resume, run, summary, workspace, FileSpec, Running, Sandbox,
};
use ghl_sandbox::DEFAULT_TOKEN;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

/// The summary of a resumable stop names the reason, the exit code and the resume command.
fn check_resumable_summary(run_dir: &Path, exit_code: u64, stop: &str) -> serde_json::Value {
    let s = summary(run_dir);
    assert_eq!(s["exit_code"], exit_code, "{s:#}");
    let said = s["delivery"]["stop"].as_str().unwrap_or_default();
    assert!(
        said.starts_with(stop),
        "stop reason {said:?}, expected {stop:?}"
    );
    let command = format!("ghl-bulk import --resume {}", run_dir.display());
    assert_eq!(s["delivery"]["resume"], command.as_str(), "{s:#}");
    assert_eq!(s["outcomes_add_up"], true, "{s:#}");
    s
}

fn untouched(seeded: &BTreeMap<usize, String>, stranger: &str) -> BTreeSet<String> {
    seeded
        .values()
        .cloned()
        .chain([stranger.to_string()])
        .collect()
}

#[test]
fn ctrl_c_once_stops_gracefully_with_130_and_resume_finishes() {
    stop_once_then_resume(libc::SIGINT);
}

/// What `systemctl stop` (and `kill`) sends: the same graceful stop as a first Ctrl-C.
#[test]
fn sigterm_stops_gracefully_with_130_and_resume_finishes() {
    stop_once_then_resume(libc::SIGTERM);
}

fn stop_once_then_resume(signal: libc::c_int) {
    let spec = FileSpec::with_invalid(200, 31);
    let (dir, file, expected) = workspace(&spec);
    let sandbox = Sandbox::start(fast_config(8, (20, 60)));
    let (seeded, stranger) = seed_existing(&sandbox, &expected, 8);
    let before = sandbox.contacts().len();
    let run_dir = dir.path().join("run");

    let mut cmd = import(&sandbox.base_url(), DEFAULT_TOKEN, &file, &run_dir);
    cmd.args(["--quiet", "--concurrency", "4"]);
    let mut child = Running::spawn(cmd);
    let target = expected.groups.len() / 5;
    child.wait_until("a fifth of the contacts", LIMIT, || {
        sandbox.contacts().len() - before >= target
    });
    child.signal(signal);
    let stopped = child.finish(LIMIT);
    assert_eq!(stopped.code, Some(130), "{}", stopped.describe());
    stopped.assert_stderr_has("Stopping after the requests in flight");
    let rows = check_stopped(
        &run_dir,
        &sandbox,
        &expected,
        Some(&untouched(&seeded, &stranger)),
    );
    assert!(
        rows.iter()
            .any(|r| r.state == "pending" || r.state == "in_doubt"),
        "the interrupt came before the end: rows are left for the resume"
    );
    check_resumable_summary(&run_dir, 130, "interrupted");

    let mut cmd = resume(&sandbox.base_url(), DEFAULT_TOKEN, &run_dir);
    cmd.arg("--quiet");
    let done = run(cmd, LIMIT);
    assert_eq!(done.code, Some(3), "planted rejects: {}", done.describe());
    check_finished(&run_dir, &sandbox, &expected, &seeded, Some(&stranger));

    // Resuming a finished run sends nothing and changes nothing.
    let sent = sandbox.stats().total_requests;
    let mut cmd = resume(&sandbox.base_url(), DEFAULT_TOKEN, &run_dir);
    cmd.arg("--quiet");
    let again = run(cmd, LIMIT);
    assert_eq!(again.code, Some(3), "{}", again.describe());
    assert_eq!(
        sandbox.stats().total_requests,
        sent,
        "no request for a finished run"
    );
    check_outcomes(&summary(&run_dir), &ledger_rows(&run_dir), &expected);
}

#[test]
fn ctrl_c_twice_aborts_at_once_and_resume_finishes_without_duplicates() {
    let spec = FileSpec::with_invalid(80, 32);
    let (dir, file, expected) = workspace(&spec);
    // Slow answers, so that requests are still in flight when the second Ctrl-C comes.
    let sandbox = Sandbox::start(fast_config(9, (300, 500)));
    let (seeded, stranger) = seed_existing(&sandbox, &expected, 8);
    let before = sandbox.contacts().len();
    let run_dir = dir.path().join("run");

    let mut cmd = import(&sandbox.base_url(), DEFAULT_TOKEN, &file, &run_dir);
    cmd.args(["--quiet", "--concurrency", "8"]);
    let mut child = Running::spawn(cmd);
    child.wait_until("the first contacts", LIMIT, || {
        sandbox.contacts().len() > before
    });
    child.interrupt();
    assert!(
        child.wait_for_stderr("Stopping after the requests in flight", LIMIT),
        "the first Ctrl-C is acknowledged"
    );
    child.interrupt();
    let aborted = child.finish(LIMIT);
    assert_eq!(aborted.code, Some(130), "{}", aborted.describe());
    aborted.assert_stderr_has("Aborted.");
    assert!(
        !run_dir.join("success.csv").exists(),
        "an abort writes no reports: it stops at once"
    );
    check_stopped(&run_dir, &sandbox, &expected, None);

    let mut cmd = resume(&sandbox.base_url(), DEFAULT_TOKEN, &run_dir);
    cmd.args(["--quiet", "--concurrency", "32"]);
    let done = run(cmd, LIMIT);
    assert_eq!(done.code, Some(3), "planted rejects: {}", done.describe());
    check_finished(&run_dir, &sandbox, &expected, &seeded, Some(&stranger));
}

/// An import that needs more requests than a day allows: it stops at the reserve (exit 75),
/// a resume the same day stops again at once, and a resume the next day finishes.
fn import_over_two_days() -> Finished {
    const DAILY: u64 = 100;
    const RESERVE: u64 = 10;
    const CONCURRENCY: u64 = 4;
    // About 125 requests (one upsert per contact, a few bulk tag calls): more than a day.
    let spec = FileSpec::clean(150, 33);
    let (dir, file, expected) = workspace(&spec);
    let mut config = fast_config(10, (2, 10));
    // Less than the file needs (one upsert per contact plus a tag call per tag set), more
    // than a resume needs after the first day.
    config.rate_limit.daily = Some(DAILY);
    config.data_file = Some(dir.path().join("sandbox.json"));
    let mut sandbox = Sandbox::start(config);
    let (seeded, stranger) = seed_existing(&sandbox, &expected, 8);
    let run_dir = dir.path().join("run");
    let flags = [
        "--concurrency".to_string(),
        CONCURRENCY.to_string(),
        "--daily-reserve".to_string(),
        RESERVE.to_string(),
    ];

    // Not --quiet: the human summary must say how to resume.
    let mut cmd = import(&sandbox.base_url(), DEFAULT_TOKEN, &file, &run_dir);
    cmd.args(&flags);
    let stopped = run(cmd, LIMIT);
    assert_eq!(stopped.code, Some(75), "{}", stopped.describe());
    let command = format!("ghl-bulk import --resume {}", run_dir.display());
    stopped.assert_stderr_has(&command);
    let s = check_resumable_summary(&run_dir, 75, "stopped: daily request budget reached");
    let stats = sandbox.stats();
    assert_eq!(
        stats.status_429, 0,
        "the reserve was kept: no request was refused"
    );
    assert!(
        stats.total_requests <= DAILY - RESERVE + CONCURRENCY,
        "at most the budget above the reserve, plus what was in flight: {stats:?}"
    );
    assert!(
        s["delivery"]["daily_remaining"]
            .as_u64()
            .is_some_and(|r| r <= RESERVE),
        "{s:#}"
    );
    check_stopped(&run_dir, &sandbox, &expected, None);

    // The same day: the resume learns the budget from its first answers and stops again.
    let sent_before = sandbox.stats().total_requests;
    let mut cmd = resume(&sandbox.base_url(), DEFAULT_TOKEN, &run_dir);
    cmd.arg("--quiet").args(&flags);
    let again = run(cmd, LIMIT);
    assert_eq!(again.code, Some(75), "{}", again.describe());
    let stats = sandbox.stats();
    assert_eq!(
        stats.status_429, 0,
        "the resume kept the reserve too: {stats:?}"
    );
    assert!(
        stats.total_requests - sent_before <= CONCURRENCY,
        "{stats:?}"
    );
    check_resumable_summary(&run_dir, 75, "stopped: daily request budget reached");

    // The next day: a fresh daily budget (the sandbox restarted from its saved state).
    sandbox.restart();
    let mut cmd = resume(&sandbox.base_url(), DEFAULT_TOKEN, &run_dir);
    cmd.arg("--quiet").args(&flags);
    let done = run(cmd, LIMIT);
    assert_eq!(done.code, Some(0), "{}", done.describe());
    Finished::read(&run_dir, sandbox, expected, (seeded, stranger), dir)
}

#[test]
fn daily_budget_at_the_reserve_exits_75_and_a_resume_the_next_day_finishes() {
    import_over_two_days().check();
}

#[test]
fn daily_budget_stop_then_resume_reports_contacts_the_first_day_created_as_created() {
    import_over_two_days().check_creations();
}
