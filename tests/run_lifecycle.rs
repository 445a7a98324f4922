//! How a run folder ends when the run does not finish well (issues 13.2, 19.8, 19.9, 19.10): a
//! fatal error is recorded with its exit code, stage and error and never looks like a success;
//! SIGTERM stops every command as Ctrl-C does (exit 130, summary `interrupted`, no temporary
//! file left); reports cut short by a kill are shown as such and rewritten by a resume; a resume
//! against another API or location is refused. Real processes, signalled, against the sandbox on
//! 127.0.0.1 port 0.

#![cfg(unix)]

use crate::util;
use crate::util::{
    fast_config, import, resume, run, summary, wait_until, workspace, FileSpec, Running, Sandbox,
};
use crate::util::{ghl_bulk, GhlCommand};
use ghl_sandbox::DEFAULT_TOKEN;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(90);

fn ghl(dir: &Path) -> Command {
    let mut cmd = ghl_bulk();
    cmd.current_dir(dir).no_config();
    cmd
}

/// `runs show --json` of one run folder.
fn run_info(run_dir: &Path) -> serde_json::Value {
    let mut cmd = ghl(run_dir.parent().expect("a parent folder"));
    cmd.args(["runs", "show", "--json"]).arg(run_dir);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    serde_json::from_str(&out.stdout).expect("runs show --json prints JSON")
}

/// The temporary files left in a folder (names starting with a dot and ending in `.tmp`).
fn temporary_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("the folder reads")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect()
}

/// `rows` clean rows drawn from `seed` in a fresh folder, a sandbox (from the same seed)
/// that answers at once, and the run folder beside the file.
fn clean_run(rows: usize, seed: u64) -> (tempfile::TempDir, PathBuf, Sandbox, PathBuf) {
    let (dir, file, _) = workspace(&FileSpec::clean(rows, seed));
    let sandbox = Sandbox::start(fast_config(seed, (0, 1)));
    let run_dir = dir.path().join("run");
    (dir, file, sandbox, run_dir)
}

#[test]
fn a_refused_token_is_recorded_as_a_failure_and_the_same_folder_takes_the_rerun() {
    let (_dir, file, sandbox, run_dir) = clean_run(40, 5);
    let wrong = "pit-wrong-token-1234567890";

    let failed = run(import(&sandbox.base_url(), wrong, &file, &run_dir), LIMIT);
    assert_eq!(failed.code, Some(1), "{}", failed.describe());
    let recorded = summary(&run_dir);
    assert_eq!(recorded["exit_code"], 1, "{recorded:#}");
    assert_eq!(recorded["status"], "failed", "{recorded:#}");
    // This mapping has no custom field to read first: the engine's first upsert is refused.
    assert_eq!(recorded["failure"]["stage"], "deliver", "{recorded:#}");
    assert!(
        recorded["failure"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("401")),
        "{recorded:#}"
    );
    let info = run_info(&run_dir);
    assert_eq!(info["state"], "failed", "{info:#}");
    assert_eq!(info["exit_code"], 1, "{info:#}");
    assert!(
        info["note"]
            .as_str()
            .is_some_and(|n| n.starts_with("failed at deliver") && n.contains("nothing was sent")),
        "{info:#}"
    );
    let html = std::fs::read_to_string(run_dir.join("report.html")).expect("report.html");
    assert!(
        html.contains("Failed at deliver"),
        "the report names the failure"
    );
    assert!(!html.contains("Every row is valid"), "never a success");
    for (path, bytes) in util::files_under(&run_dir) {
        assert!(
            !util::contains(&bytes, wrong.as_bytes()),
            "the token is in {}",
            path.display()
        );
    }

    // Nothing was sent: the same command, with the right token, runs into the same folder.
    let rerun = run(
        import(&sandbox.base_url(), DEFAULT_TOKEN, &file, &run_dir),
        LIMIT,
    );
    assert_eq!(rerun.code, Some(0), "{}", rerun.describe());
    let done = summary(&run_dir);
    assert_eq!(done["exit_code"], 0, "{done:#}");
    assert!(done.get("failure").is_none(), "{done:#}");
    let info = run_info(&run_dir);
    assert_eq!(info["state"], "finished", "{info:#}");
}

#[test]
fn sigterm_stops_an_export_with_130_an_interrupted_summary_and_no_temporary_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut cmd = ghl(dir.path());
    // Notes cost one request per contact at the in-process sandbox's 10 per second: over a
    // minute and a half of work to interrupt.
    cmd.args([
        "export",
        "--sandbox",
        "--with-notes",
        "--out",
        "contacts.csv",
        "--summary",
        "export.json",
    ]);
    let mut child = Running::spawn(cmd);
    assert!(
        child.wait_for_stderr("contacts to export", LIMIT),
        "the export announces its work"
    );
    wait_until("the temporary file", LIMIT, || {
        !temporary_files(dir.path()).is_empty()
    });
    child.signal(libc::SIGTERM);
    let out = child.finish(LIMIT);
    assert_eq!(out.code, Some(130), "{}", out.describe());
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("export.json")).expect("the summary"),
    )
    .expect("JSON");
    assert_eq!(report["status"], "interrupted", "{report:#}");
    assert_eq!(report["exit_code"], 130, "{report:#}");
    assert!(!dir.path().join("contacts.csv").exists());
    assert_eq!(temporary_files(dir.path()), Vec::<String>::new());
}

#[test]
fn sigterm_while_a_file_is_validated_exits_130_and_the_folder_says_interrupted() {
    let spec = FileSpec::with_invalid(150_000, 9);
    // Written before the gate: the file takes seconds to write, and while a test waits for the
    // gate or holds it, no other test may start a sandbox or a child process.
    let (dir, file, _) = workspace(&spec);
    // The signal must land while the file is read: starved by busy neighbours, this thread
    // saw the ledger appear only after the child had read everything (`util::gate`).
    let _alone = util::gate::alone();
    let run_dir = dir.path().join("run");
    let mut cmd = ghl(Path::new(env!("CARGO_MANIFEST_DIR")));
    cmd.arg("validate")
        .arg(&file)
        .args(["--mapping", util::MAPPING, "--run-dir"])
        .arg(&run_dir);
    let mut child = Running::spawn(cmd);
    wait_until("the ledger", LIMIT, || run_dir.join("ledger.db").exists());
    child.signal(libc::SIGTERM);
    let out = child.finish(LIMIT);
    assert_eq!(out.code, Some(130), "{}", out.describe());
    let recorded = summary(&run_dir);
    assert_eq!(recorded["status"], "interrupted", "{recorded:#}");
    assert_eq!(recorded["exit_code"], 130, "{recorded:#}");
    assert_eq!(temporary_files(&run_dir), Vec::<String>::new());
    assert!(
        !run_dir.join("rejects.csv").exists(),
        "no reject file claims the whole file was read"
    );
    let info = run_info(&run_dir);
    assert_eq!(info["state"], "failed", "{info:#}");
    assert!(
        info["note"]
            .as_str()
            .is_some_and(|n| n.starts_with("interrupted at read")),
        "{info:#}"
    );
}

#[test]
fn reports_cut_short_by_a_kill_show_as_incomplete_and_a_resume_rewrites_them() {
    let (_dir, file, sandbox, run_dir) = clean_run(30, 11);
    let done = run(
        import(&sandbox.base_url(), DEFAULT_TOKEN, &file, &run_dir),
        LIMIT,
    );
    assert_eq!(done.code, Some(0), "{}", done.describe());
    let success = std::fs::read(run_dir.join("success.csv")).expect("success.csv");

    // What a kill -9 while the final reports were written leaves: success.csv cut
    // mid-record (a file written in place; ours go through a temporary name), and the ledger
    // without the mark that the reports are written (its last step).
    std::fs::write(run_dir.join("success.csv"), &success[..success.len() / 2]).unwrap();
    let ledger = rusqlite::Connection::open(run_dir.join("ledger.db")).expect("the ledger");
    ledger
        .execute(
            "UPDATE meta SET value = '' WHERE key = 'reports_written'",
            [],
        )
        .expect("the mark");
    drop(ledger);
    let info = run_info(&run_dir);
    assert_eq!(info["state"], "reports_incomplete", "{info:#}");
    assert!(info["resume"].is_string(), "{info:#}");

    let sent = sandbox.stats().total_requests;
    let again = run(resume(&sandbox.base_url(), DEFAULT_TOKEN, &run_dir), LIMIT);
    assert_eq!(again.code, Some(0), "{}", again.describe());
    assert_eq!(
        sandbox.stats().total_requests,
        sent,
        "nothing is sent again"
    );
    assert_eq!(
        std::fs::read(run_dir.join("success.csv")).expect("success.csv"),
        success,
        "the resume wrote success.csv whole again"
    );
    assert_eq!(run_info(&run_dir)["state"], "finished");
}

#[test]
fn a_resume_against_another_base_url_or_location_is_refused_naming_both() {
    let spec = FileSpec::clean(400, 13);
    let (dir, file, _) = workspace(&spec);
    let sandbox = Sandbox::start(fast_config(13, (20, 40)));
    let other = Sandbox::start(fast_config(14, (0, 1)));
    let run_dir = dir.path().join("run");
    let mut cmd = import(&sandbox.base_url(), DEFAULT_TOKEN, &file, &run_dir);
    cmd.args(["--quiet", "--concurrency", "2"]);
    let mut child = Running::spawn(cmd);
    wait_until("the first contacts", LIMIT, || {
        sandbox.contacts().len() >= 10
    });
    child.signal(libc::SIGTERM);
    let stopped = child.finish(LIMIT);
    assert_eq!(stopped.code, Some(130), "{}", stopped.describe());

    let elsewhere = run(resume(&other.base_url(), DEFAULT_TOKEN, &run_dir), LIMIT);
    assert_eq!(elsewhere.code, Some(1), "{}", elsewhere.describe());
    assert!(
        elsewhere.stderr.contains(&sandbox.base_url())
            && elsewhere.stderr.contains(&other.base_url()),
        "both base URLs are named: {}",
        elsewhere.describe()
    );
    assert!(!elsewhere.stderr.contains(DEFAULT_TOKEN), "never the token");
    assert_eq!(
        other.stats().total_requests,
        0,
        "nothing went to the other API"
    );

    let mut cmd = resume(&sandbox.base_url(), DEFAULT_TOKEN, &run_dir);
    cmd.env("GHL_LOCATION_ID", "AnotherLocation0001");
    let moved = run(cmd, LIMIT);
    assert_eq!(moved.code, Some(1), "{}", moved.describe());
    assert!(
        moved.stderr.contains("AnotherLocation0001")
            && moved.stderr.contains(ghl_sandbox::DEFAULT_LOCATION_ID),
        "both locations are named: {}",
        moved.describe()
    );
    // The refusals left the run as it was: the right target finishes it.
    let done = run(resume(&sandbox.base_url(), DEFAULT_TOKEN, &run_dir), LIMIT);
    assert_eq!(done.code, Some(0), "{}", done.describe());
}
