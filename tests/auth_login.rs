//! `ghl-bulk auth login` end to end against the sandbox's stand-in for HighLevel's page: with
//! `--paste` (the test fetches the page itself and pastes the redirected address) and with
//! `--no-open` (the test is the browser: it opens the printed address and follows the redirect
//! to the callback); then `auth status` (no secret), an import that finds its token in the
//! credentials file with no GHL_TOKEN, and `auth logout`. A foreign `state` is refused before
//! any token is asked for.

use crate::util::{self, ghl_bulk, FileSpec, GhlCommand, Output, Running, Sandbox};
use ghl_sandbox::{
    LocationConfig, DEFAULT_AGENCY_CLIENT_ID, DEFAULT_AGENCY_CLIENT_SECRET, DEFAULT_LOCATION_ID,
};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const SECOND: &str = "SecondLocation000002";

fn two_locations() -> Sandbox {
    let mut config = util::fast_config(17, (0, 0));
    let mut second = LocationConfig::new(SECOND);
    second.name = Some("Second shop".into());
    config.locations.push(second);
    Sandbox::start(config)
}

/// The credentials file under the test's home (the default place: XDG_CONFIG_HOME).
fn credentials(home: &Path) -> PathBuf {
    home.join("config")
        .join("ghl-bulk")
        .join("credentials.json")
}

fn cli(sandbox: &Sandbox, home: &Path) -> Command {
    let mut cmd = ghl_bulk();
    cmd.home(home)
        .no_config()
        .env("GHL_BASE_URL", sandbox.base_url())
        .env("GHL_CLIENT_SECRET", DEFAULT_AGENCY_CLIENT_SECRET);
    cmd
}

/// `auth login` with `extra` flags, started; returns it and the address it printed.
fn start_login(sandbox: &Sandbox, home: &Path, extra: &[&str]) -> (Running, String) {
    let mut cmd = cli(sandbox, home);
    cmd.args(["auth", "login", "--client-id", DEFAULT_AGENCY_CLIENT_ID])
        .arg("--authorize-url")
        .arg(format!("{}/oauth/chooselocation", sandbox.base_url()))
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("ghl-bulk starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut url = String::new();
    stdout.read_line(&mut url).expect("the address line");
    child.stdout = Some(stdout.into_inner());
    (Running::new(child), url.trim().to_string())
}

/// What the page answers: its 302's Location, not followed.
fn redirected_to(sandbox: &Sandbox, url: &str) -> String {
    sandbox.block_on(async {
        let client = ghl_bulk::api::guard::http_client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let answer = client.get(url).send().await.expect("the page answers");
        assert_eq!(answer.status().as_u16(), 302, "{url}");
        answer.headers()["location"].to_str().unwrap().to_string()
    })
}

fn get(sandbox: &Sandbox, url: &str) -> u16 {
    sandbox.block_on(async {
        reqwest::get(url)
            .await
            .map(|a| a.status().as_u16())
            .unwrap_or(0)
    })
}

fn run_cli(mut cmd: Command) -> Output {
    util::run(
        {
            cmd.stdin(Stdio::null());
            cmd
        },
        Duration::from_secs(120),
    )
}

/// `import FILE` into `location` with neither a token nor a client id: only the login stored in
/// `home` can serve it.
fn import_with_the_login(
    sandbox: &Sandbox,
    home: &Path,
    location: &str,
    file: &Path,
    run_dir: &Path,
) -> Output {
    let mut import = ghl_bulk();
    import
        .home(home)
        .no_config()
        .env("GHL_BASE_URL", sandbox.base_url())
        .env("GHL_LOCATION_ID", location)
        .arg("import")
        .arg(file)
        .args(["--mapping", util::MAPPING, "--run-dir"])
        .arg(run_dir);
    run_cli(import)
}

#[test]
fn login_by_paste_as_an_agency_then_status_import_and_logout() {
    let sandbox = two_locations();
    let (dir, file, expected) = util::workspace(&FileSpec::clean(20, 17));
    let home = dir.path();
    let (mut login, url) = start_login(&sandbox, home, &["--paste", "--user-type", "company"]);
    assert!(
        url.contains("/oauth/chooselocation?response_type=code"),
        "{url}"
    );
    assert!(url.contains("state="), "{url}");
    let redirected = redirected_to(&sandbox, &url);
    let stdin = login.child.stdin.as_mut().expect("piped");
    writeln!(stdin, "{redirected}").unwrap();
    let out = login.finish(Duration::from_secs(60));
    assert_eq!(out.code, Some(0), "{}", out.describe());

    let path = credentials(home);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let stored: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let entry = &stored["entries"][0];
    assert_eq!(entry["userType"], "Company");
    let refresh = entry["refreshToken"].as_str().unwrap().to_string();

    let mut status = cli(&sandbox, home);
    status.args(["auth", "status"]);
    let out = run_cli(status);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    out.assert_stdout_has("company:SandboxCompany000001");
    out.assert_stdout_has(SECOND);
    out.assert_stdout_has("oauth.write");
    let mut status_json = cli(&sandbox, home);
    status_json.args(["auth", "status", "--json"]);
    let json_out = run_cli(status_json);
    assert_eq!(json_out.code, Some(0), "{}", json_out.describe());
    let listed: Value = serde_json::from_str(&json_out.stdout).expect("JSON");
    assert_eq!(listed[0]["user_type"], "Company");
    for secret in [refresh.as_str(), DEFAULT_AGENCY_CLIENT_SECRET] {
        for shown in [&out.stdout, &out.stderr, &json_out.stdout, &json_out.stderr] {
            assert!(!shown.contains(secret), "auth status shows no secret");
        }
    }

    // No GHL_TOKEN, no client id: the import finds the agency login and mints a location token.
    let run_dir = dir.path().join("run");
    let out = import_with_the_login(&sandbox, home, SECOND, &file, &run_dir);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(
        sandbox.handle().contacts(Some(SECOND)).len(),
        expected.rows.len() - expected.merged()
    );
    assert!(sandbox
        .handle()
        .contacts(Some(DEFAULT_LOCATION_ID))
        .is_empty());
    let stored: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_ne!(
        stored["entries"][0]["refreshToken"].as_str(),
        Some(refresh.as_str()),
        "the rotated refresh token is written back into the entry"
    );

    // Regression: a run over many locations with the stored agency login alone (no
    // location, no token) stopped with "no credentials": it looked for a location's entry.
    let top = dir.path().join("many");
    let mut many = cli(&sandbox, home);
    // The login alone: the secret comes from its entry too.
    many.env_remove("GHL_CLIENT_SECRET")
        .arg("import")
        .arg(&file)
        .args([
            "--mapping",
            util::MAPPING,
            "--locations",
            "all",
            "--run-dir",
        ])
        .arg(&top);
    let out = run_cli(many);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(
        sandbox.handle().contacts(Some(DEFAULT_LOCATION_ID)).len(),
        expected.rows.len() - expected.merged(),
        "the agency login reached every location"
    );
    let mut export = cli(&sandbox, home);
    export
        .env_remove("GHL_CLIENT_SECRET")
        .args(["export", "--locations", "all", "--out"])
        .arg(dir.path().join("all.csv"));
    let out = run_cli(export);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let exported = std::fs::read_to_string(dir.path().join("all.csv")).unwrap();
    assert!(exported.contains(SECOND), "{exported}");

    let mut logout = cli(&sandbox, home);
    logout.args(["auth", "logout"]);
    let out = run_cli(logout);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let stored: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(stored["entries"].as_array().map(Vec::len), Some(0));
}

#[test]
fn login_with_the_test_as_the_browser_then_an_import_uses_it() {
    let sandbox = two_locations();
    let (dir, file, _) = util::workspace(&FileSpec::clean(10, 18));
    let home = dir.path();
    let (login, url) = start_login(&sandbox, home, &["--no-open", "--redirect-port", "0"]);
    let callback = redirected_to(&sandbox, &url);
    assert!(callback.starts_with("http://127.0.0.1:"), "{callback}");
    assert_eq!(get(&sandbox, &callback), 200, "the callback page");
    let out = login.finish(Duration::from_secs(60));
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let stored: Value = serde_json::from_slice(&std::fs::read(credentials(home)).unwrap()).unwrap();
    assert_eq!(
        stored["entries"][0]["locationId"].as_str(),
        Some(DEFAULT_LOCATION_ID)
    );

    let run_dir = dir.path().join("run");
    let out = import_with_the_login(&sandbox, home, DEFAULT_LOCATION_ID, &file, &run_dir);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(!sandbox.contacts().is_empty());
}

#[test]
fn a_foreign_state_is_refused_and_no_token_is_asked_for() {
    let sandbox = two_locations();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let (login, url) = start_login(&sandbox, home, &["--no-open", "--redirect-port", "0"]);
    let callback = redirected_to(&sandbox, &url);
    let (before, _) = callback.split_once("&state=").expect("a state");
    let forged = format!("{before}&state=someone-elses");
    get(&sandbox, &forged);
    let out = login.finish(Duration::from_secs(60));
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("state does not match");
    assert!(!credentials(home).exists());
    let token_calls = sandbox.stats().by_route.get("POST /oauth/token").cloned();
    assert_eq!(token_calls, None, "no code was exchanged");
}
