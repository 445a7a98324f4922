//! End to end for `ghl-bulk runs`: real run folders made by the real binary (an import that
//! finished with rejects, one stopped by the daily budget, a validate), a damaged ledger and a
//! folder without one, listed newest first with the right states; `runs show` gives the resume
//! command; and a running import is listed as running without being disturbed.

#![cfg(unix)]

use crate::util;
use crate::util::ghl_bulk;
use crate::util::{
    fast_config, import, run, summary, workspace, Expected, FileSpec, Running, Sandbox,
};
use ghl_sandbox::DEFAULT_TOKEN;
use std::path::{Path, PathBuf};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

fn ghl(args: &[&str], dir: &Path) -> util::Output {
    let mut cmd = ghl_bulk();
    cmd.args(args).args(["--dir"]).arg(dir).arg("--no-config");
    run(cmd, LIMIT)
}

fn by_name<'a>(list: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    list.iter()
        .find(|r| r["dir"].as_str().is_some_and(|d| d.ends_with(name)))
        .unwrap_or_else(|| panic!("{name} is not listed: {list:#?}"))
}

/// [`workspace`] for `spec`, and the `runs` folder in it that `ghl-bulk runs --dir` lists.
fn with_runs_folder(spec: &FileSpec) -> (tempfile::TempDir, PathBuf, Expected, PathBuf) {
    let (tmp, file, expected) = workspace(spec);
    let runs = tmp.path().join("runs");
    (tmp, file, expected, runs)
}

#[test]
fn lists_finished_resumable_validate_damaged_and_empty_folders() {
    let (tmp, file, _, runs) = with_runs_folder(&FileSpec::with_invalid(60, 71));

    // Finished, with rejected rows (exit 3).
    let sandbox = Sandbox::start(fast_config(3, (1, 3)));
    let done = runs.join("20261101T080000Z-done");
    let out = run(
        import(&sandbox.base_url(), DEFAULT_TOKEN, &file, &done),
        LIMIT,
    );
    assert_eq!(out.code, Some(3), "{}", out.describe());

    // Stopped by the daily budget (exit 75): resumable.
    let mut config = fast_config(4, (1, 3));
    config.rate_limit.daily = Some(30);
    let tight = Sandbox::start(config);
    let budget = runs.join("20261101T090000Z-budget");
    let mut cmd = import(&tight.base_url(), DEFAULT_TOKEN, &file, &budget);
    cmd.args(["--daily-reserve", "5", "--concurrency", "2", "--quiet"]);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(75), "{}", out.describe());

    // A validate run, the newest.
    let checked = runs.join("20261101T100000Z-checked");
    let mut cmd = ghl_bulk();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "validate",
            "--quiet",
            "--mapping",
            util::MAPPING,
            "--run-dir",
        ])
        .arg(&checked)
        .arg(&file);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(3), "{}", out.describe());

    let damaged = runs.join("20261101T070000Z-damaged");
    std::fs::create_dir_all(&damaged).unwrap();
    std::fs::write(damaged.join("ledger.db"), vec![b'x'; 4096]).unwrap();
    std::fs::create_dir_all(runs.join("20261101T060000Z-empty")).unwrap();
    let ledger_before = std::fs::read(budget.join("ledger.db")).unwrap();

    let out = ghl(&["runs"], &runs);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(out.stderr.is_empty(), "{}", out.describe());
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("RUN ") && lines[0].ends_with("STATE"),
        "{}",
        out.stdout
    );
    let order: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "20261101T100000Z-checked",
            "20261101T090000Z-budget",
            "20261101T080000Z-done",
            "20261101T070000Z-damaged",
            "20261101T060000Z-empty"
        ],
        "newest first:\n{}",
        out.stdout
    );
    let line = |name: &str| *lines.iter().find(|l| l.starts_with(name)).unwrap();
    // Issue 13 item 11: validate's valid rows have a column (right-aligned under VALID);
    // an import leaves it empty.
    let valid_end = lines[0].find(" VALID ").expect("a VALID column") + " VALID".len();
    let cell = |name: &str| {
        line(name)[..valid_end]
            .split_whitespace()
            .last()
            .unwrap_or_default()
            .to_string()
    };
    let valid = summary(&checked)["outcomes"]["valid"].as_u64().unwrap();
    assert!(valid > 0);
    assert_eq!(
        cell("20261101T100000Z-checked"),
        valid.to_string(),
        "{}",
        out.stdout
    );
    assert!(
        !cell("20261101T080000Z-done")
            .chars()
            .all(|c| c.is_ascii_digit()),
        "{}",
        out.stdout
    );
    // Each run's line: its command, input and state.
    for (run, holds) in [
        ("20261101T100000Z-checked", " validate "),
        ("20261101T090000Z-budget", "resumable ("),
        ("20261101T080000Z-done", "contacts.csv"),
    ] {
        assert!(line(run).contains(holds), "{run}:\n{}", out.stdout);
    }
    for (run, state) in [
        ("20261101T100000Z-checked", "finished"),
        ("20261101T080000Z-done", "finished"),
        ("20261101T070000Z-damaged", "damaged"),
        ("20261101T060000Z-empty", "no ledger"),
    ] {
        assert!(line(run).ends_with(state), "{run}:\n{}", out.stdout);
    }

    // The JSON agrees with the run's own summary.
    let out = ghl(&["runs", "--json"], &runs);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let list: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
    let done_json = by_name(&list, "-done");
    let s = summary(&done);
    for outcome in ["created", "updated", "merged", "rejected", "failed"] {
        assert_eq!(
            done_json["counts"][outcome],
            s["outcomes"][outcome].as_u64().unwrap_or(0),
            "{outcome}: {done_json:#}\n{s:#}"
        );
    }
    assert_eq!(done_json["state"], "finished");
    assert_eq!(done_json["command"], "import");
    assert_eq!(by_name(&list, "-budget")["state"], "resumable");
    assert_eq!(by_name(&list, "-damaged")["state"], "damaged");
    assert_eq!(by_name(&list, "-empty")["state"], "no_ledger");

    // `runs show` by name under --dir: the account and the exact resume command.
    let out = ghl(&["runs", "show", "20261101T090000Z-budget"], &runs);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let resume = format!("ghl-bulk import --resume {}", budget.display());
    assert!(
        out.stdout.contains(&format!("Resume with:\n  {resume}\n")),
        "{}",
        out.stdout
    );
    for needle in [
        "State        resumable (stopped: daily request budget reached",
        "Requests     ",
        // Issue 13 item 11: the pace as the limit is counted (400 per 1 s here).
        "requests in any 1 s (limit 400)",
        "rejects.csv (",
        "summary.json (",
    ] {
        assert!(out.stdout.contains(needle), "{needle}:\n{}", out.stdout);
    }
    let out = ghl(&["runs", "show", "20261101T080000Z-done"], &runs);
    assert!(!out.stdout.contains("Resume with"), "{}", out.stdout);
    assert!(
        out.stdout.contains("State        finished"),
        "{}",
        out.stdout
    );
    // Listing and showing changed nothing.
    assert_eq!(
        std::fs::read(budget.join("ledger.db")).unwrap(),
        ledger_before
    );

    // A folder that does not exist is an error with a hint, not a panic.
    let out = ghl(&["runs"], &tmp.path().join("nowhere"));
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("does not exist");
    let out = ghl(&["runs", "show", "missing"], &runs);
    assert_eq!(out.code, Some(1), "{}", out.describe());
}

#[test]
fn a_running_import_is_listed_as_running_and_finishes_undisturbed() {
    let (_tmp, file, expected, runs) = with_runs_folder(&FileSpec::clean(150, 72));
    let sandbox = Sandbox::start(fast_config(5, (30, 60)));
    let run_dir = runs.join("20261101T120000Z-slow");
    let mut cmd = import(&sandbox.base_url(), DEFAULT_TOKEN, &file, &run_dir);
    cmd.args(["--quiet", "--concurrency", "2"]);
    let mut child = Running::spawn(cmd);
    child.wait_until("the delivery to start", LIMIT, || {
        sandbox.contacts().len() >= 5
    });
    // Several listings while it runs: each sees it running, none gets in its way.
    for _ in 0..5 {
        let out = ghl(&["runs", "--json"], &runs);
        assert_eq!(out.code, Some(0), "{}", out.describe());
        let list: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(by_name(&list, "-slow")["state"], "running", "{list:#?}");
        // Issue 13 item 11: its start and input, not `-`.
        assert!(
            by_name(&list, "-slow")["started_at"].is_string(),
            "{list:#?}"
        );
        assert_eq!(
            by_name(&list, "-slow")["input_path"],
            file.display().to_string(),
            "{list:#?}"
        );
        let out = ghl(&["runs", "show", "20261101T120000Z-slow"], &runs);
        assert!(
            out.stdout.contains("State        running"),
            "{}",
            out.stdout
        );
    }
    assert!(child.alive(), "the import should still be running");
    let done = child.finish(LIMIT);
    assert_eq!(done.code, Some(0), "{}", done.describe());
    let s = summary(&run_dir);
    assert_eq!(s["outcomes_add_up"], true, "{s:#}");
    assert_eq!(sandbox.contacts().len(), expected.groups.len());

    let out = ghl(&["runs"], &runs);
    assert!(
        out.stdout.lines().nth(1).unwrap().ends_with("finished"),
        "{}",
        out.stdout
    );
}
