//! End to end for the settings file and `config show`: where the file is found (working folder,
//! user config folder, `--config`, `GHL_BULK_CONFIG`), the precedence (flag > file > env for
//! settings; flag > env > file for credentials), secrets masked whole, broken files refused
//! with their line, and a file that alone drives a real import against a sandbox.

#![cfg(unix)]

use crate::util::{fast_config, run, Output, Sandbox};
use crate::util::{ghl_bulk, GhlCommand};
use ghl_sandbox::{DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

/// The binary in `cwd`, with the user's config folder moved into the test's folder and every
/// GHL_* variable cleared, so nothing on the machine leaks in.
fn ghl(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = ghl_bulk();
    cmd.current_dir(cwd)
        .home(cwd)
        .env("XDG_CONFIG_HOME", cwd.join("xdg"))
        .args(args);
    cmd
}

fn go(cmd: Command) -> Output {
    run(cmd, LIMIT)
}

/// Runs `ghl-bulk [GLOBAL…] import leads.csv -m map.toml --run-dir RUN_DIR [EXTRA…]` in `cwd`.
fn import_leads(cwd: &Path, global: &[&str], run_dir: &str, extra: &[&str]) -> Output {
    let head = [
        "import",
        "leads.csv",
        "-m",
        "map.toml",
        "--run-dir",
        run_dir,
    ];
    let args: Vec<&str> = global
        .iter()
        .copied()
        .chain(head)
        .chain(extra.iter().copied())
        .collect();
    go(ghl(cwd, &args))
}

/// A fresh working folder holding `ghl-bulk.toml` with `config`.
fn folder_with_config(config: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("ghl-bulk.toml"), config).unwrap();
    tmp
}

/// The `config show` line of a key.
fn line<'a>(out: &'a Output, key: &str) -> &'a str {
    crate::util::line_starting(&out.stdout, &format!("{key} "))
}

#[test]
fn show_reports_each_setting_with_its_source_and_masks_secrets() {
    let tmp = folder_with_config(
        "location = \"file-location\"\nconcurrency = 6\ndaily_reserve = 2000\n\
         state = \"state/loc.sqlite\"\nclient_id = \"file-app\"\n",
    );
    let cwd = tmp.path();
    let token = "pit-0123456789-abcdef-XYZZY";
    let mut cmd = ghl(cwd, &["config", "show", "--concurrency", "3"]);
    cmd.env("GHL_LOCATION_ID", "env-location")
        .env("GHL_BASE_URL", "http://127.0.0.1:9")
        .env("GHL_TOKEN", token)
        .env("GHL_CLIENT_ID", "env-app")
        .env("GHL_CLIENT_SECRET", "client-secret-VALUE");
    let out = go(cmd);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(out.stderr.is_empty(), "{}", out.describe());
    let s = &out.stdout;
    assert!(
        s.contains(
            "# Precedence: command-line flag > config file > environment > built-in default."
        ),
        "{s}"
    );
    assert!(s.contains("# Config file: ./ghl-bulk.toml"), "{s}");
    // Settings: the file beats the environment, the flag beats the file; credentials: the
    // environment beats the file. Each line ends with where its value came from.
    for (key, value) in [
        ("location", "\"file-location\""),
        ("concurrency", "= 3 "),
        ("daily_reserve", "\"2000\""),
        ("state", "./state/loc.sqlite"),
        ("client_id", "\"env-app\""),
        ("token", "*** (set)"),
        ("client_secret", "*** (set)"),
    ] {
        assert!(line(&out, key).contains(value), "{key}: {s}");
    }
    for (key, source) in [
        ("location", "# file ./ghl-bulk.toml"),
        ("concurrency", "# flag --concurrency"),
        ("base_url", "# env GHL_BASE_URL"),
        ("timeout", "# default"),
        ("token", "# env GHL_TOKEN"),
    ] {
        assert!(line(&out, key).ends_with(source), "{key}: {s}");
    }
    for leak in [token, "XYZZY", "abcdef", "client-secret-VALUE", "VALUE"] {
        assert!(!s.contains(leak), "{leak} leaked:\n{s}");
    }

    // --no-config: the environment shows through; nothing set shows as such.
    let mut cmd = ghl(cwd, &["config", "show", "--no-config"]);
    cmd.env("GHL_LOCATION_ID", "env-location");
    let out = go(cmd);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let s = &out.stdout;
    assert!(s.contains("# Config file: none (--no-config)"), "{s}");
    for (key, source) in [
        ("location", "# env GHL_LOCATION_ID"),
        ("token", "# not set anywhere"),
    ] {
        assert!(line(&out, key).ends_with(source), "{key}: {s}");
    }
    assert!(
        line(&out, "state").contains("/data/ghl-bulk/state/env-location.sqlite"),
        "{s}"
    );
}

#[test]
fn the_file_is_found_in_the_user_folder_or_named_and_broken_ones_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let user = cwd.join("xdg/ghl-bulk/config.toml");
    std::fs::create_dir_all(user.parent().unwrap()).unwrap();
    std::fs::write(&user, "location = \"user-location\"\n").unwrap();
    let out = go(ghl(cwd, &["config", "show"]));
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(
        line(&out, "location").contains("user-location"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(&format!("# Config file: {}", user.display())),
        "{}",
        out.stdout
    );

    // GHL_BULK_CONFIG, then --config over it.
    std::fs::write(cwd.join("a.toml"), "location = \"from-a\"\n").unwrap();
    std::fs::write(cwd.join("b.toml"), "location = \"from-b\"\n").unwrap();
    let mut cmd = ghl(cwd, &["config", "show"]);
    cmd.env("GHL_BULK_CONFIG", cwd.join("a.toml"));
    assert!(line(&go(cmd), "location").contains("from-a"));
    let mut cmd = ghl(cwd, &["config", "show", "--config", "b.toml"]);
    cmd.env("GHL_BULK_CONFIG", cwd.join("a.toml"));
    assert!(line(&go(cmd), "location").contains("from-b"));

    // An explicit file that does not exist.
    let out = go(ghl(cwd, &["--config", "missing.toml", "config", "show"]));
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("config file missing.toml does not exist");
    assert!(out.stdout.is_empty());

    // An unknown key: the file, its line and column, and the keys that exist.
    std::fs::write(cwd.join("bad.toml"), "location = \"x\"\n\nconcurency = 4\n").unwrap();
    let out = go(ghl(cwd, &["config", "show", "--config", "bad.toml"]));
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("bad.toml:3:1: ");
    for key in [
        "`location`",
        "`base_url`",
        "`concurrency`",
        "`daily_reserve`",
        "`token_file`",
    ] {
        assert!(out.stderr.contains(key), "{key}: {}", out.describe());
    }
    // Malformed TOML.
    std::fs::write(cwd.join("broken.toml"), "location = \"x\nconcurrency = 4\n").unwrap();
    let out = go(ghl(cwd, &["config", "show", "--config", "broken.toml"]));
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("broken.toml:1:");

    // A token written into the file is refused, and not echoed.
    std::fs::write(cwd.join("leak.toml"), "token = \"pit-LEAKED-9999\"\n").unwrap();
    let out = go(ghl(cwd, &["config", "show", "--config", "leak.toml"]));
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("`token` must not be written in a config file");
    out.assert_stderr_has("token_file");
    out.assert_stderr_lacks("LEAKED");
}

#[test]
fn a_config_file_alone_drives_an_import_and_flags_still_win() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let sandbox = Sandbox::start(fast_config(9, (1, 2)));
    let token_file = cwd.join("token");
    std::fs::write(&token_file, format!("{DEFAULT_TOKEN}\n")).unwrap();
    std::fs::set_permissions(
        &token_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    std::fs::write(
        cwd.join("ghl-bulk.toml"),
        format!(
            "location = \"{DEFAULT_LOCATION_ID}\"\nbase_url = \"{}\"\ntoken_file = \"token\"\n\
             concurrency = 2\nstate = \"nightly.sqlite\"\n",
            sandbox.base_url()
        ),
    )
    .unwrap();
    let input = cwd.join("leads.csv");
    std::fs::write(
        &input,
        "Email,First Name\nann@example.com,Ann\nbob@example.com,Bob\n",
    )
    .unwrap();
    let map = cwd.join("map.toml");
    let init = go(ghl(
        cwd,
        &["mapping", "init", "leads.csv", "--out", "map.toml"],
    ));
    assert_eq!(init.code, Some(0), "{}", init.describe());
    assert!(map.is_file());

    let out = import_leads(cwd, &[], "run1", &["-q"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(
        out.stderr.is_empty(),
        "--quiet after the subcommand: {}",
        out.describe()
    );
    assert_eq!(sandbox.contacts().len(), 2);
    // The state file named in the config (relative to it) is the one used.
    assert!(
        cwd.join("nightly.sqlite").is_file(),
        "the config's state file is used"
    );

    // A flag beats the file: a wrong location on the command line is refused by the API.
    let out = import_leads(cwd, &[], "run2", &["--location", "nope"]);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("nope");

    // Without the file there is nothing to connect with.
    let out = import_leads(cwd, &["--no-config"], "run3", &[]);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("no location");
}

/// Regression: a config file's `state` (the real location's memory) was applied to `--sandbox`
/// runs too, whose location differs, and the state file refused them.
#[test]
fn a_sandbox_run_ignores_the_config_files_state() {
    let tmp =
        folder_with_config("location = \"ve9EPM428h8vShlRW1KT\"\nstate = \"state/real.sqlite\"\n");
    let cwd = tmp.path();
    // The real location's state file exists, as after a real import.
    std::fs::create_dir_all(cwd.join("state")).unwrap();
    ghl_bulk::ledger::state::StateStore::open(
        &cwd.join("state/real.sqlite"),
        "ve9EPM428h8vShlRW1KT",
    )
    .unwrap();
    let out = go(ghl(cwd, &["export", "--sandbox", "--out", "try.csv", "-q"]));
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(cwd.join("try.csv").is_file());
}
