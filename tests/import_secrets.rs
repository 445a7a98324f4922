//! No secret in any output: whole imports (a stop at the daily budget, its resume, a run that
//! meets faults, a refused token, OAuth with rotating refresh tokens) with recognisable secret
//! values, then every byte of the run folder (ledger.db and its WAL included), stdout and
//! stderr searched for them. `RUST_LOG=trace` is set in case logging is ever wired to it.

use crate::util::checks::seed_existing;
use crate::util::{
    contains, fast_config, files_under, import, resume, run, with_token, workspace, FileSpec,
    Output, Sandbox,
};
use ghl_sandbox::{OAuthClientConfig, RefreshTokenConfig, Secret, ALL_SCOPES, DEFAULT_LOCATION_ID};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);
const TOKEN: &str = "pit-canary-8d2b6e5a-0f3c-4b71-9e4d-7a1c2b3d4e5f";
const WRONG_TOKEN: &str = "pit-canary-wrong-4c1f9a7e-55aa-4d0c-b1e2-90ab12cd34ef";
const CLIENT_ID: &str = "canary-oauth-client";
const CLIENT_SECRET: &str = "canary-client-secret-3e7d9b1f2a4c";
const REFRESH_TOKEN: &str = "canary-refresh-token-6f0e8d2c4b1a";

/// Fails the test if any secret occurs in the run folder or the outputs.
fn assert_absent(secrets: &[&str], run_dir: &Path, outputs: &[&Output]) {
    let files = files_under(run_dir);
    assert!(
        files.iter().any(|(p, _)| p.ends_with("ledger.db")),
        "the run folder has its ledger: {:?}",
        files.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for secret in secrets {
        // The whole value, and its distinctive tail in case something shortens or wraps it.
        let tail = &secret[secret.len().saturating_sub(12)..];
        for needle in [*secret, tail] {
            for (path, bytes) in &files {
                assert!(
                    !contains(bytes, needle.as_bytes()),
                    "{needle:?} is in {}",
                    path.display()
                );
            }
            for out in outputs {
                assert!(
                    !out.stdout.contains(needle) && !out.stderr.contains(needle),
                    "{needle:?} was printed:\n{}",
                    out.describe()
                );
            }
        }
    }
}

fn traced(mut cmd: Command) -> Command {
    cmd.env("RUST_LOG", "trace");
    cmd
}

#[test]
fn no_token_in_the_run_folder_or_output_through_faults_a_stop_a_resume_and_a_refusal() {
    let spec = FileSpec::with_invalid(120, 41);
    let (dir, file, expected) = workspace(&spec);
    let mut config = with_token(fast_config(12, (1, 5)), TOKEN);
    config.faults.fault_rate = 0.1;
    config.faults.cut_after_commit = 0.03;
    // Small enough to stop the first run (exit 75) so the resume advice is printed.
    config.rate_limit.daily = Some(90);
    config.data_file = Some(dir.path().join("sandbox.json"));
    let mut sandbox = Sandbox::start(config);
    seed_existing(&sandbox, &expected, 10);

    // A refused token: fatal at the first request, with a message, and the token nowhere.
    let refused_dir = dir.path().join("refused");
    let refused = run(
        traced(import(
            &sandbox.base_url(),
            WRONG_TOKEN,
            &file,
            &refused_dir,
        )),
        LIMIT,
    );
    assert_eq!(refused.code, Some(1), "{}", refused.describe());
    assert!(
        refused.stderr.to_lowercase().contains("auth"),
        "the refusal says the token was refused: {}",
        refused.describe()
    );
    assert_absent(&[WRONG_TOKEN], &refused_dir, &[&refused]);

    let run_dir = dir.path().join("run");
    let mut cmd = traced(import(&sandbox.base_url(), TOKEN, &file, &run_dir));
    cmd.args(["--concurrency", "4", "--daily-reserve", "5"]);
    let first = run(cmd, LIMIT);
    assert_eq!(first.code, Some(75), "{}", first.describe());
    first.assert_stderr_has("--resume");

    // Resumed on the following "days" (the sandbox restarted: a fresh daily budget) until done.
    let mut outputs = vec![first];
    for _day in 2..=4 {
        sandbox.restart();
        let mut cmd = traced(resume(&sandbox.base_url(), TOKEN, &run_dir));
        cmd.args(["--concurrency", "4", "--daily-reserve", "5"]);
        let out = run(cmd, LIMIT);
        let code = out.code;
        outputs.push(out);
        if code != Some(75) {
            break;
        }
    }
    let last = outputs.last().expect("at least one run");
    assert_eq!(last.code, Some(3), "planted rejects: {}", last.describe());
    assert!(
        sandbox.stats().faults.injected_5xx > 0,
        "the runs met faults, so error paths ran"
    );
    // The search finds a token where one is: the sandbox's own saved state keeps its tokens.
    let saved =
        std::fs::read(dir.path().join("sandbox.json")).expect("the sandbox saved its state");
    assert!(contains(&saved, TOKEN.as_bytes()), "the search works");
    assert_absent(&[TOKEN], &run_dir, &outputs.iter().collect::<Vec<_>>());
}

#[test]
fn no_oauth_secret_or_token_in_the_run_folder_or_output() {
    let spec = FileSpec::with_invalid(40, 42);
    let (dir, file, _expected) = workspace(&spec);
    let mut config = fast_config(13, (1, 5));
    config.tokens.clear();
    config.oauth_clients = vec![OAuthClientConfig {
        client_id: CLIENT_ID.into(),
        client_secret: Secret(CLIENT_SECRET.into()),
    }];
    config.refresh_tokens = vec![RefreshTokenConfig {
        refresh_token: Secret(REFRESH_TOKEN.into()),
        client_id: CLIENT_ID.into(),
        location_id: DEFAULT_LOCATION_ID.into(),
        scopes: ALL_SCOPES.iter().map(|s| s.to_string()).collect(),
    }];
    let sandbox = Sandbox::start(config);
    // Outside the run folder, where a user keeps it.
    let token_file = dir.path().join("refresh-token");
    std::fs::write(&token_file, format!("{REFRESH_TOKEN}\n")).expect("token file written");
    // `import` into `run_dir` as the OAuth app with `secret`, its refresh token in the file.
    let import_as_app = |run_dir: &Path, secret: &str| {
        let mut cmd = traced(import(&sandbox.base_url(), "", &file, run_dir));
        cmd.env_remove("GHL_TOKEN")
            .env("GHL_CLIENT_ID", CLIENT_ID)
            .env("GHL_CLIENT_SECRET", secret)
            .env("GHL_REFRESH_TOKEN_FILE", &token_file)
            .arg("--quiet");
        run(cmd, LIMIT)
    };

    // A wrong client secret: refused, and neither secret printed.
    let wrong_secret = "canary-wrong-secret-77c1d0e9b8a6";
    let refused_dir = dir.path().join("refused");
    let refused = import_as_app(&refused_dir, wrong_secret);
    assert_eq!(refused.code, Some(1), "{}", refused.describe());
    assert_absent(&[wrong_secret, REFRESH_TOKEN], &refused_dir, &[&refused]);

    let run_dir = dir.path().join("run");
    let done = import_as_app(&run_dir, CLIENT_SECRET);
    assert_eq!(done.code, Some(3), "planted rejects: {}", done.describe());
    let rotated = std::fs::read_to_string(&token_file).expect("the token file is still there");
    let rotated = rotated.trim();
    assert!(
        rotated.starts_with("sbx-rt-"),
        "the refresh token rotated and was saved: {rotated:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file)
            .expect("token file metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the rotated token file is private");
    }
    // "sbx-at-" prefixes every access token the sandbox mints.
    assert_absent(
        &[CLIENT_SECRET, REFRESH_TOKEN, rotated, "sbx-at-", "sbx-rt-"],
        &run_dir,
        &[&done],
    );
}
