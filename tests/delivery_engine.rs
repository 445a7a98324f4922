//! The delivery engine against the sandbox: every staged row delivered once, one contact per
//! merged group, existing tags kept, and the same with faults injected.

use crate::util::ghl_bulk;
use ghl_bulk::api::{BaseUrl, Client, ClientConfig, Credentials, Secret};
use ghl_bulk::delivery::{
    engine, CustomFieldResolver, EngineConfig, Mode, OnDuplicate, StopReason,
};
use ghl_bulk::ledger::Ledger;
use ghl_bulk::mapping::{self, Mapping};
use ghl_bulk::source::{self, SourceOptions};
use ghl_sandbox::{Config, CustomFieldDef, FaultConfig, DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SAMPLE: &str = "samples/contacts.xlsx";
const MAPPING: &str = "mappings/example.toml";

/// Runs the local half on the quick-start sample and returns the ledger's path.
fn stage(dir: &Path) -> PathBuf {
    let run_dir = dir.join("run");
    let status = ghl_bulk()
        .args([
            "validate",
            SAMPLE,
            "--mapping",
            MAPPING,
            "--quiet",
            "--run-dir",
        ])
        .arg(&run_dir)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(3), "the sample has planted rejects");
    run_dir.join("ledger.db")
}

fn mapping() -> Mapping {
    let loaded = mapping::load(Path::new(MAPPING)).unwrap();
    let options = SourceOptions {
        sheet: Some("Contacts".into()),
        ..SourceOptions::default()
    };
    let headers = source::open(Path::new(SAMPLE), &options)
        .unwrap()
        .headers()
        .to_vec();
    Mapping::compile(&loaded.spec, &headers, None, &loaded.path).unwrap()
}

fn membership_field() -> CustomFieldDef {
    CustomFieldDef {
        id: "CfMembership00000005".into(),
        name: "Membership Level".into(),
        field_key: "contact.membership_level".into(),
        data_type: "TEXT".into(),
        picklist_options: vec![],
        position: 5,
        model: "contact".into(),
        placeholder: String::new(),
    }
}

fn state_counts(ledger: &Path) -> Vec<(String, u64)> {
    let counts = Ledger::open(ledger).unwrap().state_counts().unwrap();
    counts
        .iter()
        .map(|(s, n)| (s.as_str().to_string(), n))
        .collect()
}

async fn deliver(
    config: Config,
    timeout: Duration,
    mode: Mode,
) -> (ghl_sandbox::Handle, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let ledger_path = stage(dir.path());
    let sandbox = ghl_sandbox::spawn(config).await.unwrap();
    sandbox
        .add_custom_field(DEFAULT_LOCATION_ID, membership_field())
        .unwrap();
    // An existing contact that the file updates (the first staged row's email): its tag must
    // survive the import.
    let first = Ledger::open(&ledger_path)
        .unwrap()
        .deliverable(0, 1)
        .unwrap();
    let payload: serde_json::Value = serde_json::from_str(&first[0].payload_json).unwrap();
    let existing = sandbox
        .insert_contact(
            DEFAULT_LOCATION_ID,
            json!({"email": payload["email"], "firstName": "Earlier", "tags": ["customer-2019"]}),
        )
        .unwrap();

    let base = BaseUrl::parse(&sandbox.base_url()).unwrap();
    let mut client_config = ClientConfig::new(
        base,
        DEFAULT_LOCATION_ID.into(),
        Credentials::Token(Secret::new(DEFAULT_TOKEN)),
    );
    client_config.timeout = timeout;
    let client = Client::new(client_config).unwrap();
    let defs = client.custom_fields().await.unwrap();
    let resolver = CustomFieldResolver::new(&mapping().custom_refs, &defs).unwrap();
    let ledger = Arc::new(Mutex::new(Ledger::open(&ledger_path).unwrap()));
    let (_cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let engine_config = EngineConfig {
        concurrency: 8,
        tag_flush_after: Duration::from_millis(200),
        mode,
        ..EngineConfig::default()
    };
    let (stop, counts) = engine::run(&ledger, &client, &resolver, &engine_config, cancel, &|_| {})
        .await
        .unwrap();
    assert_eq!(stop, StopReason::Finished);
    let failed: Vec<_> = Ledger::open(&ledger_path)
        .unwrap()
        .rejected()
        .unwrap()
        .into_iter()
        .filter(|r| r.stage == "deliver")
        .map(|r| (r.row, r.code, r.message))
        .collect();
    assert_eq!(counts.failed, 0, "{counts:?} {failed:?}");

    let stored = sandbox.contacts(Some(DEFAULT_LOCATION_ID));
    let olivia = stored
        .iter()
        .find(|c| c["id"] == existing.as_str())
        .expect("the existing contact is still there");
    let tags: Vec<&str> = olivia["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(
        tags.contains(&"customer-2019"),
        "existing tag kept: {tags:?}"
    );
    assert!(tags.contains(&"imported"), "new tags added: {tags:?}");
    (sandbox, ledger_path, dir)
}

fn assert_one_contact_per_delivered_row(sandbox: &ghl_sandbox::Handle, ledger: &Path) {
    let counts = state_counts(ledger);
    let get = |name: &str| {
        counts
            .iter()
            .find(|(s, _)| s == name)
            .map_or(0, |(_, n)| *n)
    };
    assert_eq!(
        get("pending") + get("in_doubt") + get("failed"),
        0,
        "{counts:?}"
    );
    let delivered = get("created") + get("updated");
    assert!(delivered > 50, "{counts:?}");
    // Each delivered row is its own contact (dedupe merged the rest), and the sandbox holds
    // exactly those: the pre-existing contact is one of them, updated by its row.
    let ids: std::collections::BTreeSet<String> = Ledger::open(ledger)
        .unwrap()
        .delivered()
        .unwrap()
        .into_iter()
        .filter_map(|(_, _, id)| id)
        .collect();
    assert_eq!(ids.len() as u64, delivered, "one contact per delivered row");
    let stored: std::collections::BTreeSet<String> = sandbox
        .contacts(Some(DEFAULT_LOCATION_ID))
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        stored, ids,
        "the sandbox holds exactly the delivered contacts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_staged_row_is_delivered_once_and_existing_tags_survive() {
    let mut config = Config::default();
    // Generous limits, but limits: the client learns them from the headers (with none, it would
    // keep HighLevel's documented 100 / 10 s).
    config.rate_limit.burst = Some((1000, Duration::from_secs(1)));
    let (sandbox, ledger, _dir) = deliver(config, Duration::from_secs(5), Mode::Upsert).await;
    assert_one_contact_per_delivered_row(&sandbox, &ledger);
    let stats = sandbox.stats();
    let upserts: u64 = stats.by_route["POST /contacts/upsert"].values().sum();
    let tags: u64 = stats
        .by_route
        .get("POST /contacts/bulk/tags/update/add")
        .map_or(0, |m| m.values().sum());
    assert!(
        tags * 10 < upserts,
        "tags go in batches: {tags} bulk calls for {upserts} upserts"
    );
    sandbox.shutdown().await.unwrap();
}

/// Seeded faults: 5 % server errors, 1 % requests stalled for 1.5 s, 1 % connections
/// cut after the write committed.
fn faulty_config() -> Config {
    let mut config = Config::default();
    config.rate_limit.burst = Some((1000, Duration::from_secs(1)));
    config.seed = 7;
    config.faults = FaultConfig {
        fault_rate: 0.05,
        stall_rate: 0.01,
        stall_for: Duration::from_millis(1500),
        cut_after_commit: 0.01,
        ..FaultConfig::default()
    };
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_cost_retries_but_no_row_and_no_duplicate() {
    let (sandbox, ledger, _dir) =
        deliver(faulty_config(), Duration::from_millis(700), Mode::Upsert).await;
    assert_one_contact_per_delivered_row(&sandbox, &ledger);
    sandbox.shutdown().await.unwrap();
}

/// The same faults in `create` mode: lost creates are looked up, never sent twice, and the
/// existing contact is updated without losing its tags.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_mode_under_faults_creates_nobody_twice() {
    let mode = Mode::Create(OnDuplicate::Update);
    let (sandbox, ledger, _dir) = deliver(faulty_config(), Duration::from_millis(700), mode).await;
    assert_one_contact_per_delivered_row(&sandbox, &ledger);
    sandbox.shutdown().await.unwrap();
}
