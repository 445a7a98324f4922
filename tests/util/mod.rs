//! The harness of every integration test: a sandbox guard served from this test process on
//! its own runtime (127.0.0.1, port 0), work folders with a generated contacts file whose
//! duplicate groups are known in advance, the one builder of `ghl-bulk` commands ([`cmd`]), the
//! binary as a child process ([`process`]), and the checks that many tests repeat.
//!
//! The binary always runs as a separate process, so a test can kill it (SIGKILL, SIGINT) while
//! the sandbox, in this process, keeps the server-side truth.

pub mod checks;
pub mod cmd;
pub mod contacts;
pub mod csv_file;
pub mod export;
pub mod fixture;
pub mod gate;
pub mod hostile;
pub mod hostile_files;
pub mod modes;
mod process;
pub mod undo;

use ghl_sandbox::{Config, LocationConfig, TokenConfig, DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub use cmd::{agency_refresh_file, as_agency, ghl_bulk, GhlCommand};
pub use contacts::{Expected, FileSpec};
pub use process::{assert_stderr_has, run, run_beside_alone, stderr, Output, Running};

/// The mapping of the generated files (the benchmark generator's columns).
pub const MAPPING: &str = "mappings/gen_contacts.toml";

/// A two-thread tokio runtime for a server the tests run beside the binary (`what` names it
/// if it cannot be built).
pub fn runtime(what: &str) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("a tokio runtime for {what}: {e}"))
}

/// Writes `contents` to `dir/name`: the path.
pub fn file_in(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    path
}

/// The first line of `text` starting with `prefix`; a text without one fails, showing it.
#[track_caller]
pub fn line_starting<'a>(text: &'a str, prefix: &str) -> &'a str {
    let found = text.lines().find(|l| l.starts_with(prefix));
    found.unwrap_or_else(|| panic!("no line {prefix:?} in:\n{text}"))
}

/// A client for a test's own requests. reqwest is built without a TLS crypto provider
/// (Cargo.toml), so it comes from the tool's builder, which installs one first.
pub fn http() -> reqwest::Client {
    ghl_bulk::api::guard::http_client_builder()
        .build()
        .expect("a reqwest client")
}

/// A sandbox served by a runtime of its own, so the test body stays synchronous and can block
/// on child processes without starving the server.
pub struct Sandbox {
    runtime: tokio::runtime::Runtime,
    handle: Option<ghl_sandbox::Handle>,
    config: Config,
    _pass: gate::Shared,
}

impl Sandbox {
    /// Starts a sandbox on 127.0.0.1, port 0.
    pub fn start(config: Config) -> Sandbox {
        let pass = gate::shared();
        let runtime = runtime("the sandbox");
        let handle = runtime
            .block_on(ghl_sandbox::spawn(config.clone()))
            .expect("the sandbox starts");
        Sandbox {
            runtime,
            handle: Some(handle),
            config,
            _pass: pass,
        }
    }

    /// The running sandbox.
    pub fn handle(&self) -> &ghl_sandbox::Handle {
        self.handle.as_ref().expect("the sandbox is running")
    }

    /// Runs `future` on the sandbox's runtime (a test's own requests to the API).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.handle().base_url()
    }

    /// Every contact of the default location.
    pub fn contacts(&self) -> Vec<Value> {
        self.handle().contacts(Some(DEFAULT_LOCATION_ID))
    }

    /// The sandbox's counters.
    pub fn stats(&self) -> ghl_sandbox::Stats {
        self.handle().stats()
    }

    /// Stores a contact as if it had existed before the import; returns its id.
    pub fn insert(&self, contact: Value) -> String {
        self.handle()
            .insert_contact(DEFAULT_LOCATION_ID, contact)
            .expect("the sandbox accepts the seeded contact")
    }

    /// Stops the sandbox (saving its `data_file`) and starts it again from that file: same
    /// contacts, a new port and a fresh rate limiter, hence a fresh daily budget. This is how a
    /// test gets "the next day" without waiting 24 hours: the sandbox aligns its days to its
    /// own start and has no way to move its clock.
    pub fn restart(&mut self) {
        assert!(
            self.config.data_file.is_some(),
            "restart keeps the contacts only with a data file"
        );
        let handle = self.handle.take().expect("the sandbox is running");
        // The same address again: the next day's server is the same API, and a resume refuses
        // to send to another base URL than its run's.
        if let Some(addr) = handle
            .base_url()
            .strip_prefix("http://")
            .and_then(|a| a.parse().ok())
        {
            self.config.listen = addr;
        }
        self.runtime
            .block_on(handle.shutdown())
            .expect("the sandbox saves its data on shutdown");
        let handle = self.runtime.block_on(spawn_again(self.config.clone()));
        self.handle = Some(handle);
    }
}

/// Starts a sandbox again on the address of one just shut down (`config.listen`). The port is
/// free once the old server is gone, but another test may take it in the meantime: a sandbox
/// of its own bound to port 0 or a client's local port, both drawn from the range this one
/// came from (seen in 16-thread CI, here and in `auth_agency`). Such a holder lets go when its
/// test or connection ends, so the bind is polled for a while before failing.
pub async fn spawn_again(config: Config) -> ghl_sandbox::Handle {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match ghl_sandbox::spawn(config.clone()).await {
            Ok(handle) => return handle,
            Err(ghl_sandbox::Error::Bind { source, .. })
                if source.kind() == std::io::ErrorKind::AddrInUse && Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(err) => panic!("the sandbox starts again: {err:?}"),
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            let _ = self.runtime.block_on(handle.shutdown());
        }
    }
}

/// A sandbox configuration for fast tests: a burst limit high enough not to slow a few
/// hundred rows (its headers still drive the client's limiter), the given latency, and a
/// location that *allows* duplicate contacts, so that a create sent twice would show up as a
/// second contact instead of being caught by the sandbox.
pub fn fast_config(seed: u64, latency_ms: (u64, u64)) -> Config {
    let mut config = Config {
        seed,
        ..Config::default()
    };
    config.rate_limit.burst = Some((400, Duration::from_secs(1)));
    config.faults.latency = Some((
        Duration::from_millis(latency_ms.0),
        Duration::from_millis(latency_ms.1),
    ));
    let mut location = LocationConfig::new(DEFAULT_LOCATION_ID);
    location.allow_duplicate_contact = true;
    config.locations = vec![location];
    config
}

/// Adds a token for the default location.
pub fn with_token(mut config: Config, token: &str) -> Config {
    config
        .tokens
        .push(TokenConfig::new(token, DEFAULT_LOCATION_ID));
    config
}

/// `ghl-bulk import --blind` against `base_url` with the default sandbox token, run folder
/// `run_dir`: the tests built on it count the blind delivery's requests (one upsert per row);
/// `import_view` covers the default, planned import. Extra flags come after.
pub fn import(base_url: &str, token: &str, file: &Path, run_dir: &Path) -> Command {
    let mut cmd = importer(base_url, token);
    cmd.arg("import")
        .arg("--blind")
        .arg(file)
        .args(["--mapping", MAPPING, "--run-dir"])
        .arg(run_dir);
    cmd
}

/// Runs [`import`] with the default sandbox token, for at most `limit`.
pub fn import_run(base_url: &str, file: &Path, run_dir: &Path, limit: Duration) -> Output {
    run(import(base_url, DEFAULT_TOKEN, file, run_dir), limit)
}

/// `ghl-bulk import --resume RUN_DIR` against `base_url`.
pub fn resume(base_url: &str, token: &str, run_dir: &Path) -> Command {
    let mut cmd = importer(base_url, token);
    cmd.args(["import", "--resume"]).arg(run_dir);
    cmd
}

fn importer(base_url: &str, token: &str) -> Command {
    let mut cmd = ghl_bulk();
    // A developer's own ghl-bulk.toml (which beats the environment for settings) must not
    // point the tests elsewhere: an empty file is read instead.
    cmd.no_config().api(base_url, token);
    cmd
}

/// `ghl-bulk validate INPUT --mapping MAPPING --run-dir RUN_DIR EXTRA…`, run to its end.
pub fn validate(
    input: &Path,
    mapping: &Path,
    run_dir: &Path,
    extra: &[&str],
) -> std::process::Output {
    ghl_bulk()
        .arg("validate")
        .arg(input)
        .arg("--mapping")
        .arg(mapping)
        .arg("--run-dir")
        .arg(run_dir)
        .args(extra)
        .output()
        .expect("the binary runs")
}

/// Polls `ready` every 5 ms until it holds; panics with `what` after `limit`.
pub fn wait_until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The run folder's summary.json.
pub fn summary(run_dir: &Path) -> Value {
    let path = run_dir.join("summary.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("summary.json is JSON")
}

/// One row of the ledger, as the checks need it.
#[derive(Debug, Clone)]
pub struct LedgerRow {
    pub row: u64,
    pub state: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub merged_into: Option<u64>,
    pub contact_id: Option<String>,
    pub created: Option<bool>,
    /// The tags the contact had before this run touched it, as the ledger recorded them.
    pub tags_before: Option<Vec<String>>,
}

/// Opens the ledger read-only (it may belong to a process that is still running or was killed).
pub fn ledger_rows(run_dir: &Path) -> Vec<LedgerRow> {
    let path = run_dir.join("ledger.db");
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let mut stmt = conn
        .prepare(
            "SELECT row, state, email, phone, merged_into, contact_id, created, \
             tags_before_json FROM rows ORDER BY row",
        )
        .expect("the ledger has a rows table");
    let rows = stmt
        .query_map([], |r| {
            Ok(LedgerRow {
                row: r.get::<_, i64>(0)? as u64,
                state: r.get(1)?,
                email: r.get(2)?,
                phone: r.get(3)?,
                merged_into: r.get::<_, Option<i64>>(4)?.map(|n| n as u64),
                contact_id: r.get(5)?,
                created: r.get(6)?,
                tags_before: r
                    .get::<_, Option<String>>(7)?
                    .and_then(|json| serde_json::from_str(&json).ok()),
            })
        })
        .expect("the rows query runs");
    rows.collect::<Result<_, _>>()
        .expect("every ledger row reads")
}

/// Every row's staged payload (JSON), in row order, read through the ledger (which stores it
/// encoded).
pub fn payloads(run_dir: &Path) -> Vec<(u64, Value)> {
    let ledger =
        ghl_bulk::ledger::Ledger::open(&run_dir.join("ledger.db")).expect("the ledger opens");
    ledger
        .stored_payloads()
        .expect("the payloads read back")
        .into_iter()
        .map(|(row, json)| (row, serde_json::from_str(&json).expect("a payload is JSON")))
        .collect()
}

/// Rows per state.
pub fn state_counts(rows: &[LedgerRow]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for r in rows {
        *counts.entry(r.state.clone()).or_insert(0) += 1;
    }
    counts
}

/// A fresh temporary folder with the file generated into it.
pub fn workspace(spec: &FileSpec) -> (tempfile::TempDir, PathBuf, Expected) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("contacts.csv");
    let expected = contacts::write(&file, spec);
    (dir, file, expected)
}

/// Every byte of every file under `dir` (ledger.db and its WAL included), with the file's path.
pub fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("the folder reads").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push((path, bytes));
            }
        }
    }
    out
}

/// True when `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
