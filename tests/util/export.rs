//! What the export tests add to the harness: sandboxes with generated contacts (fast, or slow
//! enough that an export is still running when a test acts on it), another user's edits
//! through the API, the `export` command in a work folder, and readers for the files the
//! export writes.

use super::{ghl_bulk, GhlCommand, Sandbox};
use ghl_sandbox::{Config, FaultConfig, RateLimitConfig, DEFAULT_TOKEN};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// `n` generated contacts, no latency, a limit high enough not to slow a test.
fn generated(n: usize) -> Config {
    Config {
        generate: n,
        rate_limit: RateLimitConfig {
            burst: Some((2_000, Duration::from_secs(1))),
            daily: None,
            ..RateLimitConfig::default()
        },
        ..Config::default()
    }
}

impl Sandbox {
    /// `n` generated contacts, no latency, a limit high enough not to slow a test.
    pub fn fast(n: usize) -> Sandbox {
        Sandbox::start(generated(n))
    }

    /// `n` contacts and `latency` per request, so an export is still running when a test
    /// acts on it.
    pub fn slow(n: usize, latency: Duration) -> Sandbox {
        Sandbox::start(Config {
            faults: FaultConfig {
                latency: Some((latency, latency)),
                ..FaultConfig::default()
            },
            ..generated(n)
        })
    }

    /// The ids of every stored contact.
    pub fn ids(&self) -> BTreeSet<String> {
        self.contacts()
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_string))
            .collect()
    }

    /// `PUT /contacts/{id}` through the API, as another user of the location would.
    pub fn update(&self, id: &str, body: Value) {
        self.send(reqwest::Method::PUT, &format!("contacts/{id}"), body);
    }

    /// `POST /contacts/{id}/notes` through the API: a note on contact `id`.
    pub fn add_note(&self, id: &str, body: Value) {
        self.send(reqwest::Method::POST, &format!("contacts/{id}/notes"), body);
    }

    /// Sends `body` to `path` with the default token; the answer must be a success.
    fn send(&self, method: reqwest::Method, path: &str, body: Value) {
        let url = format!("{}/{path}", self.base_url());
        self.block_on(async {
            let response = crate::util::http()
                .request(method, url)
                .bearer_auth(DEFAULT_TOKEN)
                .header("Version", "2021-07-28")
                .json(&body)
                .send()
                .await
                .expect("update sent");
            assert!(response.status().is_success(), "{}", response.status());
        });
    }

    /// The binary with this sandbox's connection in its environment, run in `dir`. HOME and
    /// the data folders point into `dir`, so nothing can reach the real user's state by
    /// mistake.
    pub fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = ghl_bulk();
        cmd.args(args)
            .current_dir(dir)
            .api(&self.base_url(), DEFAULT_TOKEN)
            .home(dir);
        cmd
    }

    /// `export --state dir/state.sqlite ARGS…` in `dir`, as [`Sandbox::command`].
    pub fn export_command(&self, dir: &Path, args: &[&str]) -> Command {
        let head = ["export", "--state", "state.sqlite"];
        self.command(dir, &[&head[..], args].concat())
    }

    /// Runs `export` with `--state dir/state.sqlite` and `-q`; returns the exit code and
    /// stderr.
    pub fn export(&self, dir: &Path, args: &[&str]) -> (i32, String) {
        let quiet = [&["-q"][..], args].concat();
        let output = self
            .export_command(dir, &quiet)
            .output()
            .expect("ghl-bulk runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

/// A CSV the export wrote: its header and rows (the BOM removed).
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).expect("csv exists");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM");
    super::csv_file::table(path)
}

/// The values of one column.
pub fn column(headers: &[String], rows: &[Vec<String>], name: &str) -> Vec<String> {
    let at = headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {headers:?}"));
    rows.iter().map(|r| r[at].clone()).collect()
}

/// The summary JSON.
pub fn summary(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("summary exists")).expect("json")
}

/// [`super::as_agency`] run from `home`, its refresh token in a file there: for `--locations`.
pub fn as_agency(base_url: &str, home: &Path) -> Command {
    let mut cmd = super::as_agency(base_url, home, &super::agency_refresh_file(home));
    cmd.current_dir(home);
    cmd
}
