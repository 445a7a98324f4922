//! The harness of the async import tests (estimate, follow-ups, delta): a test folder holding
//! the test's mapping, a sandbox task on the test's runtime, and numbered run folders.

use super::{ghl_bulk, GhlCommand};
use ghl_sandbox::{Config, Handle, DEFAULT_TOKEN};
use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub sandbox: Handle,
    runs: usize,
    _pass: super::gate::Shared,
}

/// A sandbox without latency that allows bursts of 1,000 requests a second.
pub fn burst_config() -> Config {
    let mut config = Config::default();
    config.rate_limit.burst = Some((1000, Duration::from_secs(1)));
    config
}

impl Fixture {
    /// A fresh test folder with `mapping` as mapping.toml, and a sandbox started from `config`.
    pub async fn new(mapping: &str, config: Config) -> Fixture {
        let pass = super::gate::shared();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mapping.toml"), mapping).unwrap();
        Fixture {
            sandbox: ghl_sandbox::spawn(config).await.unwrap(),
            dir,
            runs: 0,
            _pass: pass,
        }
    }

    /// `name` in the test folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Imports `input` (in the test folder) into the next run folder, with the state file
    /// `state` (in the test folder) and `extra` flags, `--blind` (the delta's and the
    /// estimate's tests count the blind delivery's requests); returns the run folder and the
    /// output.
    pub async fn import(&mut self, input: &str, state: &str, extra: &[&str]) -> (PathBuf, Output) {
        self.runs += 1;
        let run_dir = self.path(&format!("run{}", self.runs));
        let mut cmd = ghl_bulk();
        cmd.arg("import")
            .arg("--blind")
            .arg(self.path(input))
            .arg("--mapping")
            .arg(self.path("mapping.toml"))
            .arg("--run-dir")
            .arg(&run_dir)
            .arg("--state")
            .arg(self.path(state))
            .args(extra)
            .api(&self.sandbox.base_url(), DEFAULT_TOKEN)
            // Nothing a test does may reach the user's real data folder.
            .home(&self.path("home"));
        let output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap();
        (run_dir, output)
    }

    /// Requests the sandbox has answered so far.
    pub fn total(&self) -> u64 {
        self.sandbox.stats().total_requests
    }

    /// `import`, which must exit 0.
    pub async fn import_ok(
        &mut self,
        input: &str,
        state: &str,
        extra: &[&str],
    ) -> (PathBuf, Output) {
        let (run_dir, output) = self.import(input, state, extra).await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        (run_dir, output)
    }
}
