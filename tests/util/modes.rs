//! Shared by the delivery mode tests: staging a small CSV through the real binary, a sandbox
//! on loopback with generous limits, running the engine in a mode, and reading back what the
//! sandbox holds, what the client sent and what the ledger recorded.

use super::ghl_bulk;
use ghl_bulk::api::stats::RequestCounts;
use ghl_bulk::api::{BaseUrl, Client, ClientConfig, Credentials, Secret};
use ghl_bulk::delivery::{
    engine, CustomFieldResolver, DeliveryError, EngineConfig, EngineCounts, Mode, StopReason,
};
use ghl_bulk::ledger::{DeliveredRow, Ledger};
use ghl_sandbox::{Config, FaultConfig, Handle, DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// First name, email and `;`-separated tags.
pub const MAPPING: &str = r#"
version = 1
default_region = "US"
[fields]
firstName = "First"
email = "Email"
[tags]
columns = ["Tags"]
delimiter = ";"
"#;

/// Stages `csv` with `mapping` through the real binary; returns the ledger's path.
pub fn stage(dir: &Path, csv: &str, mapping: &str) -> PathBuf {
    std::fs::write(dir.join("in.csv"), csv).unwrap();
    std::fs::write(dir.join("m.toml"), mapping).unwrap();
    let run_dir = dir.join("run");
    let output = ghl_bulk()
        .args(["validate", "in.csv", "--mapping", "m.toml", "--quiet"])
        .arg("--run-dir")
        .arg(&run_dir)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 3)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    run_dir.join("ledger.db")
}

/// A sandbox with 1000 requests/s and these faults, seeded.
pub async fn sandbox(faults: FaultConfig) -> Handle {
    let mut config = Config::default();
    config.rate_limit.burst = Some((1000, Duration::from_secs(1)));
    config.seed = 11;
    config.faults = faults;
    ghl_sandbox::spawn(config).await.unwrap()
}

/// Our client for the sandbox's default location.
pub fn client(sandbox: &Handle) -> Client {
    let base = BaseUrl::parse(&sandbox.base_url()).unwrap();
    let mut config = ClientConfig::new(
        base,
        DEFAULT_LOCATION_ID.into(),
        Credentials::Token(Secret::new(DEFAULT_TOKEN)),
    );
    config.timeout = Duration::from_secs(5);
    Client::new(config).unwrap()
}

/// Runs the engine once in `mode`; its stop, counts and what the client sent.
pub async fn deliver(
    sandbox: &Handle,
    ledger: &Path,
    mode: Mode,
) -> Result<(StopReason, EngineCounts, RequestCounts), DeliveryError> {
    let client = client(sandbox);
    let ledger = Arc::new(Mutex::new(Ledger::open(ledger).unwrap()));
    let (_cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let config = EngineConfig {
        concurrency: 8,
        tag_flush_after: Duration::from_millis(300),
        mode,
        ..EngineConfig::default()
    };
    let resolver = CustomFieldResolver::default();
    let (stop, counts) = engine::run(&ledger, &client, &resolver, &config, cancel, &|_| {}).await?;
    Ok((stop, counts, client.stats().snapshot()))
}

/// Delivers to the end; the counts and what our client sent.
pub async fn deliver_ok(
    sandbox: &Handle,
    ledger: &Path,
    mode: Mode,
) -> (EngineCounts, RequestCounts) {
    let (stop, counts, sent) = deliver(sandbox, ledger, mode).await.unwrap();
    assert_eq!(stop, StopReason::Finished, "{counts:?}");
    (counts, sent)
}

/// Requests our client sent to an endpoint (any status).
pub fn sent(requests: &RequestCounts, endpoint: &str) -> u64 {
    requests
        .by_endpoint
        .get(endpoint)
        .map_or(0, |m| m.values().sum())
}

/// What the ledger recorded per delivered (or refused) row.
pub fn rows(ledger: &Path) -> Vec<DeliveredRow> {
    Ledger::open(ledger).unwrap().delivered_rows().unwrap()
}

/// The stored contacts with this email.
pub fn by_email<'a>(stored: &'a [Value], email: &str) -> Vec<&'a Value> {
    stored.iter().filter(|c| c["email"] == email).collect()
}

/// A stored contact's tags, sorted.
pub fn tags_of(contact: &Value) -> Vec<String> {
    let mut tags: Vec<String> = contact["tags"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    tags.sort();
    tags
}

/// Requests the sandbox answered on a route (any status), e.g. `PUT /contacts/{contactId}`.
pub fn requests(sandbox: &Handle, route: &str) -> u64 {
    let stats = sandbox.stats();
    stats.by_route.get(route).map_or(0, |m| m.values().sum())
}

/// The sandbox's counts by route, for assertion messages.
pub fn routes(sandbox: &Handle) -> String {
    format!("{:?}", sandbox.stats().by_route)
}

/// `n` new people, tags `batch` plus one of three others.
pub fn people(n: usize) -> String {
    let mut csv = String::from("First,Email,Tags\n");
    for i in 0..n {
        csv.push_str(&format!("P{i},p{i}@example.com,batch;t{}\n", i % 3));
    }
    csv
}

/// Exactly one stored contact per person of [`people`], and nobody else.
pub fn one_contact_per_identity(sandbox: &Handle, n: usize) {
    let stored = sandbox.contacts(Some(DEFAULT_LOCATION_ID));
    for i in 0..n {
        let email = format!("p{i}@example.com");
        assert_eq!(by_email(&stored, &email).len(), 1, "{email}");
    }
    assert_eq!(stored.len(), n);
}
