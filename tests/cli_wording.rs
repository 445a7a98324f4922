//! Issue 13 item 11, the smaller things a user sees, each run as a user would: a dry run with a
//! refused base URL says why; the console's `Issues found:` line says how many codes it left
//! out; a missing file is reported once; `--log-format json -v validate` ends with an event;
//! a command's help keeps the global options apart from its own.

use crate::util::{ghl_bulk, GhlCommand};
use crate::util::{run, Output};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

/// The binary in the repository's root (samples/ and mappings/ are there), with a scratch
/// HOME and no API settings.
fn ghl(home: &Path, args: &[&str]) -> Command {
    let mut cmd = ghl_bulk();
    cmd.args(args).home(home);
    cmd
}

/// `validate` of the quick-start sample (samples/contacts.xlsx) into `run_dir`, after the
/// global `flags`.
fn validate_the_sample(home: &Path, flags: &[&str], run_dir: &Path) -> Output {
    let mut cmd = ghl(home, flags);
    cmd.args(["validate", "samples/contacts.xlsx"])
        .args(["--mapping", "mappings/example.toml", "--run-dir"])
        .arg(run_dir);
    run(cmd, LIMIT)
}

#[test]
fn a_dry_run_with_a_refused_base_url_says_why() {
    let home = tempfile::tempdir().unwrap();
    let run_dir = home.path().join("run");
    let mut cmd = ghl(
        home.path(),
        &[
            "import",
            "samples/contacts.xlsx",
            "--mapping",
            "mappings/example.toml",
            "--dry-run",
            "--no-config",
            "--base-url",
            "http://example.com",
            "--run-dir",
        ],
    );
    cmd.arg(&run_dir)
        .env("GHL_TOKEN", "pit-x")
        .env("GHL_LOCATION_ID", "ve9EPM428h8vShlRW1KT");
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(
        out.stderr.contains("refusing plain http://") && !out.stderr.contains("no token"),
        "{}",
        out.describe()
    );
}

#[test]
fn the_issues_line_counts_the_codes_it_leaves_out_and_json_logs_end_with_an_event() {
    let home = tempfile::tempdir().unwrap();
    let out = validate_the_sample(home.path(), &[], &home.path().join("text"));
    assert_eq!(out.code, Some(3), "{}", out.describe());
    let issues = out.stderr_line("Issues found:");
    // The sample has eight issue codes (phone_shared among them): five named, three counted.
    assert!(
        issues.ends_with("and 3 more codes (summary.json, report.html)."),
        "{issues}"
    );

    let json_logs = ["-v", "--log-format", "json"];
    let out = validate_the_sample(home.path(), &json_logs, &home.path().join("json"));
    assert_eq!(out.code, Some(3), "{}", out.describe());
    let last: serde_json::Value = out
        .stderr
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no JSON line: {}", out.describe()));
    assert_eq!(last["fields"]["message"], "Validation ended.", "{last}");
    assert_eq!(last["fields"]["exit_code"], 3, "{last}");
    assert_eq!(last["fields"]["rejected"], 6, "{last}");
}

#[test]
fn a_missing_file_is_reported_once() {
    let home = tempfile::tempdir().unwrap();
    let out = run(
        ghl(
            home.path(),
            &[
                "validate",
                "no-such-file.csv",
                "--mapping",
                "mappings/example.toml",
            ],
        ),
        LIMIT,
    );
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert_eq!(
        out.stderr.matches("No such file or directory").count(),
        1,
        "{}",
        out.describe()
    );
}

#[test]
fn a_commands_help_lists_the_global_options_apart() {
    let home = tempfile::tempdir().unwrap();
    let out = run(ghl(home.path(), &["import", "--help"]), LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let global = out
        .stdout
        .find("Global options:")
        .unwrap_or_else(|| panic!("{}", out.stdout));
    let own = out.stdout.find("Options:").unwrap_or(usize::MAX);
    let quiet = out.stdout.find("--quiet").unwrap_or(0);
    let dry_run = out.stdout.find("--dry-run").unwrap_or(usize::MAX);
    assert!(
        own < global && dry_run < global && quiet > global,
        "{}",
        out.stdout
    );
}
