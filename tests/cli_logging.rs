//! End to end for the logging flags on a real import against a sandbox: `--log-format json -v`
//! writes only JSON lines on stderr (the run's key moments at info) and nothing on stdout;
//! `--quiet` (before or after the subcommand) writes nothing at all for a clean run; `-v`
//! text lines and `RUST_LOG` work; a fatal error under JSON logs is a JSON line too.

#![cfg(unix)]

use crate::util;
use crate::util::{fast_config, import, run, workspace, FileSpec, Sandbox};
use crate::util::{ghl_bulk, GhlCommand};
use ghl_sandbox::DEFAULT_TOKEN;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

fn clean_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, file, _) = workspace(&FileSpec::clean(40, 81));
    (dir, file)
}

/// `import FILE` into `run_dir` against `sandbox`, with its token.
fn import_to(sandbox: &Sandbox, file: &Path, run_dir: &Path) -> Command {
    import(&sandbox.base_url(), DEFAULT_TOKEN, file, run_dir)
}

#[test]
fn json_logs_are_json_lines_on_stderr_only() {
    let (dir, file) = clean_file();
    let sandbox = Sandbox::start(fast_config(11, (1, 3)));
    let mut cmd = import_to(&sandbox, &file, &dir.path().join("run"));
    cmd.args(["--log-format", "json", "-v"]);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(out.stdout.is_empty(), "stdout: {}", out.describe());
    let events: Vec<serde_json::Value> = out
        .stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let messages: Vec<&str> = events
        .iter()
        .filter_map(|e| e["fields"]["message"].as_str())
        .collect();
    for moment in [
        "Reading the input.",
        "Delivering the staged rows.",
        "Import ended.",
    ] {
        assert!(messages.contains(&moment), "{moment} missing: {messages:?}");
    }
    let end = events
        .iter()
        .find(|e| e["fields"]["message"] == "Import ended.")
        .unwrap();
    assert_eq!(end["level"], "INFO");
    assert_eq!(end["fields"]["exit_code"], 0);
    assert!(end["fields"]["created"].as_u64().unwrap() > 0, "{end}");
    assert!(
        !out.stderr.contains(DEFAULT_TOKEN),
        "the token never reaches a log"
    );
}

#[test]
fn quiet_is_silent_for_a_clean_run_before_or_after_the_subcommand() {
    let (dir, file) = clean_file();
    let sandbox = Sandbox::start(fast_config(12, (1, 3)));
    for (i, before) in [true, false].into_iter().enumerate() {
        let run_dir = dir.path().join(format!("run{i}"));
        let mut cmd = if before {
            let mut cmd = ghl_bulk();
            cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
                .api(&sandbox.base_url(), DEFAULT_TOKEN)
                .args(["--quiet", "import"])
                .arg(&file)
                .args(["--mapping", util::MAPPING, "--run-dir"])
                .arg(&run_dir);
            cmd
        } else {
            let mut cmd = import_to(&sandbox, &file, &run_dir);
            cmd.arg("-q");
            cmd
        };
        // Even a RUST_LOG asking for more: --quiet wins.
        cmd.env("RUST_LOG", "debug");
        let out = run(cmd, LIMIT);
        assert_eq!(out.code, Some(0), "{}", out.describe());
        assert!(out.stderr.is_empty(), "--quiet printed: {}", out.describe());
        assert!(out.stdout.is_empty(), "{}", out.describe());
        assert!(run_dir.join("summary.json").is_file());
    }
}

#[test]
fn verbose_text_rust_log_and_fatal_errors_as_json() {
    let (dir, file) = clean_file();
    let sandbox = Sandbox::start(fast_config(13, (1, 3)));
    let mut cmd = import_to(&sandbox, &file, &dir.path().join("a"));
    cmd.arg("-vv").env_remove("RUST_LOG");
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    out.assert_stderr_has(" INFO ");
    out.assert_stderr_has("Import ended.");
    assert!(out.stdout.is_empty(), "{}", out.describe());

    // Without flags RUST_LOG decides.
    let mut cmd = import_to(&sandbox, &file, &dir.path().join("b"));
    cmd.env("RUST_LOG", "ghl_bulk=info");
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    out.assert_stderr_has(" INFO ");

    // Without either: no log lines, only the human summary.
    let mut cmd = import_to(&sandbox, &file, &dir.path().join("c"));
    cmd.env_remove("RUST_LOG");
    let out = run(cmd, LIMIT);
    out.assert_stderr_lacks(" INFO ");
    out.assert_stderr_has("Run outcomes:");

    // A fatal error under JSON logs is one JSON event.
    let mut cmd = import_to(&sandbox, &file, &dir.path().join("d"));
    cmd.args(["--log-format", "json", "--daily-reserve", "lots"]);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    let event: serde_json::Value = serde_json::from_str(out.stderr.trim())
        .unwrap_or_else(|e| panic!("not one JSON line ({e}): {}", out.stderr));
    assert_eq!(event["level"], "ERROR");
    assert!(
        event["fields"]["error"].as_str().unwrap().contains("lots"),
        "{event}"
    );
}
