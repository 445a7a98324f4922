//! The real binary killed with SIGKILL at several points of an import (while staging, and after
//! about 10 %, 50 % and 90 % of the contacts were delivered), then `--resume`d until it
//! finishes: no contact is created twice, none is missing, every row has one outcome. Also what
//! a resume does with a ledger killed before it had tables, and with a run that is still going
//! in another process.

use crate::util;
use crate::util::checks::{
    check_finished, check_stopped, misreported_creations, seed_existing, Finished,
};
use crate::util::{
    fast_config, import, resume, run, state_counts, workspace, FileSpec, Running, Sandbox,
};
use ghl_sandbox::DEFAULT_TOKEN;
use std::collections::BTreeMap;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

/// Contacts the import has made so far (the sandbox started with `before`).
fn delivered(sandbox: &Sandbox, before: usize) -> usize {
    sandbox.contacts().len().saturating_sub(before)
}

/// Imports a file, killing the importer when about 10 %, 50 % and 90 % of the new contacts
/// exist, resuming after each kill, and lets the last resume finish.
fn kill_three_times_and_resume() -> Finished {
    let spec = FileSpec::with_invalid(400, 21);
    let (dir, file, expected) = util::workspace(&spec);
    // Latency so that a run lasts a couple of seconds and many requests are in flight when
    // the kill comes.
    let sandbox = Sandbox::start(fast_config(3, (20, 60)));
    let (seeded, stranger) = seed_existing(&sandbox, &expected, 9);
    let before = sandbox.contacts().len();
    let new_contacts = expected.groups.len() - seeded.len();
    let run_dir = dir.path().join("run");

    let mut cmd = import(&sandbox.base_url(), DEFAULT_TOKEN, &file, &run_dir);
    cmd.args(["--quiet", "--concurrency", "8", "--timeout", "5"]);
    let mut child = Running::spawn(cmd);
    for percent in [10, 50, 90] {
        let target = new_contacts * percent / 100;
        child.wait_until(
            &format!("{percent} % of the contacts ({target})"),
            LIMIT,
            || delivered(&sandbox, before) >= target,
        );
        child.kill();
        let rows = check_stopped(&run_dir, &sandbox, &expected, None);
        eprintln!(
            "killed at {percent} %: {} contacts made, ledger {:?}",
            delivered(&sandbox, before),
            state_counts(&rows)
        );
        let mut cmd = resume(&sandbox.base_url(), DEFAULT_TOKEN, &run_dir);
        cmd.args(["--quiet", "--concurrency", "8", "--timeout", "5"]);
        child = Running::spawn(cmd);
    }
    let last = child.finish(LIMIT);
    assert_eq!(last.code, Some(3), "planted rejects: {}", last.describe());
    Finished::read(&run_dir, sandbox, expected, (seeded, stranger), dir)
}

#[test]
fn sigkill_at_10_50_90_percent_then_resume_creates_every_contact_once() {
    kill_three_times_and_resume().check();
}

#[test]
fn sigkill_then_resume_reports_contacts_the_killed_attempt_created_as_created() {
    kill_three_times_and_resume().check_creations();
}

#[test]
fn sigkill_while_staging_is_refused_on_resume_and_a_new_run_finishes() {
    let spec = FileSpec::with_invalid(1500, 5);
    let (dir, file, expected) = workspace(&spec);
    let mut config = fast_config(4, (0, 1));
    config.rate_limit.burst = Some((5000, Duration::from_secs(1)));
    let sandbox = Sandbox::start(config);
    let run_dir = dir.path().join("run");
    let ledger = run_dir.join("ledger.db");

    let mut cmd = import(&sandbox.base_url(), DEFAULT_TOKEN, &file, &run_dir);
    cmd.arg("--quiet");
    let mut child = Running::spawn(cmd);
    child.wait_until("the ledger file", LIMIT, || ledger.exists());
    child.kill();
    assert_eq!(
        sandbox.stats().total_requests,
        0,
        "killed while staging: nothing was sent"
    );

    let mut cmd = resume(&sandbox.base_url(), DEFAULT_TOKEN, &run_dir);
    cmd.arg("--quiet");
    let refused = run(cmd, LIMIT);
    assert_eq!(refused.code, Some(1), "{}", refused.describe());
    assert!(
        refused.stderr.contains("start a new run instead"),
        "the refusal says why and what to do: {}",
        refused.describe()
    );
    assert_eq!(
        sandbox.stats().total_requests,
        0,
        "the refused resume sent nothing"
    );

    // What the message tells the user to do: a new run.
    let fresh = dir.path().join("run-2");
    let mut cmd = import(&sandbox.base_url(), DEFAULT_TOKEN, &file, &fresh);
    cmd.args(["--quiet", "--concurrency", "16"]);
    let done = run(cmd, LIMIT);
    assert_eq!(done.code, Some(3), "{}", done.describe());
    check_finished(&fresh, &sandbox, &expected, &BTreeMap::new(), None);
}

/// Regression: a kill in the first instants of staging leaves a ledger without tables (staging
/// writes without a journal); the resume answered only "no such table: run: SQL logic error".
#[test]
fn resume_of_a_ledger_killed_before_its_tables_existed_says_to_start_a_new_run() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let run_dir = dir.path().join("run");
    std::fs::create_dir(&run_dir).expect("run folder");
    std::fs::write(run_dir.join("ledger.db"), b"").expect("an empty ledger");
    let sandbox = Sandbox::start(fast_config(6, (0, 1)));
    let mut cmd = resume(&sandbox.base_url(), DEFAULT_TOKEN, &run_dir);
    cmd.arg("--quiet");
    let refused = run(cmd, LIMIT);
    assert_eq!(refused.code, Some(1), "{}", refused.describe());
    refused.assert_stderr_has("sent nothing: start a new run instead");
    assert_eq!(sandbox.stats().total_requests, 0, "nothing was sent");
}

/// Regression: nothing stopped a second process from delivering a run that was still
/// running: both sent every row (twice the requests, notes at risk of duplication) and the
/// rows the first created were reported `updated`.
#[test]
fn a_resume_while_the_run_is_still_going_is_refused_with_75() {
    let spec = FileSpec::with_invalid(120, 51);
    let (dir, file, expected) = workspace(&spec);
    let sandbox = Sandbox::start(fast_config(3, (50, 80)));
    let run_dir = dir.path().join("run");
    let mut cmd = import(&sandbox.base_url(), DEFAULT_TOKEN, &file, &run_dir);
    cmd.args(["--quiet", "--concurrency", "4"]);
    let mut child = Running::spawn(cmd);
    child.wait_until("the first contacts", LIMIT, || {
        !sandbox.contacts().is_empty()
    });
    let mut cmd = resume(&sandbox.base_url(), DEFAULT_TOKEN, &run_dir);
    cmd.args(["--quiet", "--concurrency", "4"]);
    let second = run(cmd, LIMIT);
    assert!(
        child.alive(),
        "the first run was still going: the check means something"
    );
    assert_eq!(second.code, Some(75), "{}", second.describe());
    second.assert_stderr_has("Another ghl-bulk process");

    let first = child.finish(LIMIT);
    assert_eq!(first.code, Some(3), "planted rejects: {}", first.describe());
    let rows = check_finished(&run_dir, &sandbox, &expected, &BTreeMap::new(), None);
    let upserts: u64 = sandbox.stats().by_route["POST /contacts/upsert"]
        .values()
        .sum();
    assert_eq!(
        upserts as usize,
        expected.groups.len(),
        "each contact sent once"
    );
    assert!(
        misreported_creations(&rows, &expected, &BTreeMap::new()).is_empty(),
        "every contact reported created"
    );
}
