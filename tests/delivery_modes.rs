//! Delivery modes against the sandbox on loopback: create (duplicates updated or skipped),
//! update-only, tags removed, tasks and businesses, and the exactly-once guarantees around lost
//! answers (a create never sent twice, an upsert cut after commit still counted as created).

use ghl_bulk::api::stats::RequestCounts;
use ghl_bulk::api::{BaseUrl, Client, ClientConfig, Credentials, Secret};
use ghl_bulk::delivery::{
    engine, CustomFieldResolver, DeliveryError, EngineConfig, EngineCounts, Mode, OnDuplicate,
    StopReason,
};
use ghl_bulk::ledger::{DeliveredRow, Ledger};
use ghl_sandbox::{Config, FaultConfig, Handle, DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

const MAPPING: &str = r#"
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
fn stage(dir: &Path, csv: &str, mapping: &str) -> PathBuf {
    std::fs::write(dir.join("in.csv"), csv).unwrap();
    std::fs::write(dir.join("m.toml"), mapping).unwrap();
    let run_dir = dir.join("run");
    let output = Command::new(env!("CARGO_BIN_EXE_ghl-bulk"))
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

async fn sandbox(faults: FaultConfig) -> Handle {
    let mut config = Config::default();
    config.rate_limit.burst = Some((1000, Duration::from_secs(1)));
    config.seed = 11;
    config.faults = faults;
    ghl_sandbox::spawn(config).await.unwrap()
}

fn client(sandbox: &Handle) -> Client {
    let base = BaseUrl::parse(&sandbox.base_url()).unwrap();
    let mut config = ClientConfig::new(
        base,
        DEFAULT_LOCATION_ID.into(),
        Credentials::Token(Secret::new(DEFAULT_TOKEN)),
    );
    config.timeout = Duration::from_secs(5);
    Client::new(config).unwrap()
}

async fn deliver(
    sandbox: &Handle,
    ledger: &Path,
    mode: Mode,
) -> Result<(StopReason, EngineCounts, RequestCounts), DeliveryError> {
    let client = client(sandbox);
    let ledger = Mutex::new(Ledger::open(ledger).unwrap());
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
async fn deliver_ok(sandbox: &Handle, ledger: &Path, mode: Mode) -> (EngineCounts, RequestCounts) {
    let (stop, counts, sent) = deliver(sandbox, ledger, mode).await.unwrap();
    assert_eq!(stop, StopReason::Finished, "{counts:?}");
    (counts, sent)
}

/// Requests our client sent to an endpoint (any status).
fn sent(requests: &RequestCounts, endpoint: &str) -> u64 {
    requests
        .by_endpoint
        .get(endpoint)
        .map_or(0, |m| m.values().sum())
}

fn rows(ledger: &Path) -> Vec<DeliveredRow> {
    Ledger::open(ledger).unwrap().delivered_rows().unwrap()
}

fn by_email<'a>(stored: &'a [Value], email: &str) -> Vec<&'a Value> {
    stored.iter().filter(|c| c["email"] == email).collect()
}

fn tags_of(contact: &Value) -> Vec<String> {
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
fn requests(sandbox: &Handle, route: &str) -> u64 {
    let stats = sandbox.stats();
    stats.by_route.get(route).map_or(0, |m| m.values().sum())
}

fn routes(sandbox: &Handle) -> String {
    format!("{:?}", sandbox.stats().by_route)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_sends_tags_inline_and_updates_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = stage(
        dir.path(),
        "First,Email,Tags\nAnn,ann@example.com,vip;expo\nBob,bob@example.com,expo\n",
        MAPPING,
    );
    let sandbox = sandbox(FaultConfig::default()).await;
    let existing = sandbox
        .insert_contact(
            DEFAULT_LOCATION_ID,
            json!({"email": "bob@example.com", "firstName": "Robert", "tags": ["customer-2019"]}),
        )
        .unwrap();
    let (counts, requested) =
        deliver_ok(&sandbox, &ledger, Mode::Create(OnDuplicate::Update)).await;
    assert_eq!((counts.created, counts.updated), (1, 1), "{counts:?}");

    let stored = sandbox.contacts(Some(DEFAULT_LOCATION_ID));
    assert_eq!(stored.len(), 2);
    let ann = by_email(&stored, "ann@example.com");
    assert_eq!(tags_of(ann[0]), ["expo", "vip"]);
    let bob = by_email(&stored, "bob@example.com");
    assert_eq!(bob[0]["id"], existing.as_str());
    assert_eq!(bob[0]["firstName"], "Bob", "the duplicate was updated");
    assert_eq!(
        tags_of(bob[0]),
        ["customer-2019", "expo"],
        "tags added, none lost"
    );

    let report = rows(&ledger);
    assert_eq!(report[0].state, "created");
    assert_eq!(report[0].created, Some(true));
    assert_eq!(report[1].state, "updated");
    assert_eq!(report[1].created, Some(false));
    assert_eq!(report[1].contact_id.as_deref(), Some(existing.as_str()));
    assert_eq!(report[1].tags_added, ["expo"]);
    let all = routes(&sandbox);
    assert_eq!(requests(&sandbox, "POST /contacts/"), 2, "{all}");
    assert_eq!(requests(&sandbox, "PUT /contacts/{contactId}"), 1, "{all}");
    // Ann's tags went inline with her create: only Bob's tag needed the bulk call.
    assert_eq!(
        sent(&requested, "POST /contacts/bulk/tags/update/add"),
        1,
        "{all}"
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_with_skip_leaves_a_duplicate_alone() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = stage(
        dir.path(),
        "First,Email,Tags\nBob,bob@example.com,expo\nCy,cy@example.com,\n",
        MAPPING,
    );
    let sandbox = sandbox(FaultConfig::default()).await;
    let existing = sandbox
        .insert_contact(
            DEFAULT_LOCATION_ID,
            json!({"email": "bob@example.com", "firstName": "Robert", "tags": ["customer-2019"]}),
        )
        .unwrap();
    let (counts, requested) = deliver_ok(&sandbox, &ledger, Mode::Create(OnDuplicate::Skip)).await;
    assert_eq!((counts.created, counts.unchanged), (1, 1), "{counts:?}");
    let stored = sandbox.contacts(Some(DEFAULT_LOCATION_ID));
    let bob = by_email(&stored, "bob@example.com");
    assert_eq!(bob.len(), 1);
    assert_eq!(bob[0]["firstName"], "Robert");
    assert_eq!(tags_of(bob[0]), ["customer-2019"]);
    let report = rows(&ledger);
    assert_eq!(report[0].state, "unchanged");
    assert_eq!(report[0].contact_id.as_deref(), Some(existing.as_str()));
    let all = routes(&sandbox);
    assert_eq!(requests(&sandbox, "PUT /contacts/{contactId}"), 0, "{all}");
    assert_eq!(
        sent(&requested, "POST /contacts/bulk/tags/update/add"),
        0,
        "{all}"
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_only_updates_matches_and_rejects_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = stage(
        dir.path(),
        "First,Email,Tags\nBob,bob@example.com,expo\nNew,new@example.com,expo\n",
        MAPPING,
    );
    let sandbox = sandbox(FaultConfig::default()).await;
    sandbox
        .insert_contact(
            DEFAULT_LOCATION_ID,
            json!({"email": "bob@example.com", "firstName": "Robert", "tags": ["customer-2019"]}),
        )
        .unwrap();
    let (counts, _) = deliver_ok(&sandbox, &ledger, Mode::UpdateOnly).await;
    assert_eq!((counts.updated, counts.rejected), (1, 1), "{counts:?}");
    let stored = sandbox.contacts(Some(DEFAULT_LOCATION_ID));
    assert_eq!(stored.len(), 1, "update-only creates nobody");
    assert_eq!(stored[0]["firstName"], "Bob");
    assert_eq!(tags_of(&stored[0]), ["customer-2019", "expo"]);

    // The refused row is a rejected row like a local rejection: in rejects and in the counts.
    let ledger = Ledger::open(&ledger).unwrap();
    let rejected = ledger.rejected().unwrap();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(
        rejected[0].row, 3,
        "data rows count from 2, after the header"
    );
    assert_eq!(
        (rejected[0].stage.as_str(), rejected[0].code.as_str()),
        ("deliver", "not_found")
    );
    let states = ledger.state_counts().unwrap();
    assert!(states.contains(&("rejected".to_string(), 1)), "{states:?}");
    assert!(states.contains(&("updated".to_string(), 1)), "{states:?}");
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_removed_are_only_those_the_contact_has() {
    let dir = tempfile::tempdir().unwrap();
    let mapping = format!(
        "{MAPPING}\n[tags_remove]\ncolumns = [\"Drop\"]\nconstant = [\"lead\", \"cold\"]\n"
    );
    let ledger = stage(
        dir.path(),
        "First,Email,Tags,Drop\nBob,bob@example.com,customer,newsletter\nAnn,ann@example.com,vip,\n",
        &mapping,
    );
    let sandbox = sandbox(FaultConfig::default()).await;
    sandbox
        .insert_contact(
            DEFAULT_LOCATION_ID,
            json!({"email": "bob@example.com", "tags": ["lead", "newsletter", "customer-2019", "partner"]}),
        )
        .unwrap();
    let (counts, requested) = deliver_ok(&sandbox, &ledger, Mode::Upsert).await;
    assert_eq!(counts.failed, 0, "{counts:?}");
    let stored = sandbox.contacts(Some(DEFAULT_LOCATION_ID));
    let bob = by_email(&stored, "bob@example.com");
    assert_eq!(tags_of(bob[0]), ["customer", "customer-2019", "partner"]);
    let ann = by_email(&stored, "ann@example.com");
    assert_eq!(tags_of(ann[0]), ["vip"]);

    let report = rows(&ledger);
    let mut removed = report[0].tags_removed.clone();
    removed.sort();
    assert_eq!(removed, ["lead", "newsletter"], "only tags Bob had");
    assert!(report[1].tags_removed.is_empty(), "Ann had none of them");
    // One remove call for Bob (Ann needed none, "cold" nobody had).
    let all = routes(&sandbox);
    assert_eq!(
        sent(&requested, "POST /contacts/bulk/tags/update/remove"),
        1,
        "{all}"
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_and_businesses_are_created_once_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    // `business_id` is a top-level key: it goes before the [tasks] table.
    let mapping = format!(
        "{}\n[tasks]\ntitle = \"Task\"\nbody = \"Details\"\ndue = \"Due\"\n",
        MAPPING.replace("[fields]", "business_id = \"Business\"\n[fields]")
    );
    let ledger = stage(
        dir.path(),
        "First,Email,Tags,Task,Details,Due,Business\n\
         Ann,ann@example.com,,Call back,About the quote,2026-12-01,biz-a\n\
         Bob,bob@example.com,,Send brochure,,2026-12-02T09:30:00Z,biz-a\n\
         Cy,cy@example.com,,Visit,,someday,biz-b\n\
         Di,di@example.com,,,,,\n",
        &mapping,
    );
    let sandbox = sandbox(FaultConfig::default()).await;
    let (counts, requested) = deliver_ok(&sandbox, &ledger, Mode::Upsert).await;
    assert_eq!(counts.created, 4, "{counts:?}");
    let report = rows(&ledger);
    let client = client(&sandbox);

    let ann_tasks = client
        .list_tasks(report[0].contact_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(ann_tasks.len(), 1);
    assert_eq!(ann_tasks[0].title, "Call back");
    assert_eq!(ann_tasks[0].body.as_deref(), Some("About the quote"));
    assert_eq!(
        ann_tasks[0].due_date.as_deref(),
        Some("2026-12-01T12:00:00Z")
    );
    assert_eq!(report[0].task_ids, [ann_tasks[0].id.clone()]);
    assert_eq!(report[1].task_ids.len(), 1);
    // Cy's due date is not a date: no task (a task_due_invalid warning at staging), Di has none.
    assert!(report[2].task_ids.is_empty() && report[3].task_ids.is_empty());
    assert_eq!(requests(&sandbox, "POST /contacts/{contactId}/tasks"), 2);

    let stored = sandbox.contacts(Some(DEFAULT_LOCATION_ID));
    for (row, business) in [
        (0, Some("biz-a")),
        (1, Some("biz-a")),
        (2, Some("biz-b")),
        (3, None),
    ] {
        assert_eq!(report[row].business_id.as_deref(), business);
        let contact = stored
            .iter()
            .find(|c| c["id"].as_str() == report[row].contact_id.as_deref())
            .unwrap();
        assert_eq!(contact["businessId"].as_str(), business);
    }
    assert_eq!(
        requests(&sandbox, "POST /contacts/bulk/business"),
        2,
        "one per business"
    );
    assert_eq!(sent(&requested, "POST /contacts/bulk/business"), 2);

    // As if the run had died before writing its results: the rows are in doubt again. The
    // resume lists each contact's tasks first and creates none twice.
    let conn = rusqlite::Connection::open(&ledger).unwrap();
    conn.execute(
        "UPDATE rows SET state = 'in_doubt', task_ids_json = NULL WHERE row <= 3",
        [],
    )
    .unwrap();
    drop(conn);
    let (_, requested) = deliver_ok(&sandbox, &ledger, Mode::Upsert).await;
    assert_eq!(
        requests(&sandbox, "POST /contacts/{contactId}/tasks"),
        2,
        "none created twice"
    );
    assert_eq!(
        sent(&requested, "GET /contacts/{id}/tasks"),
        2,
        "listed first"
    );
    let again = rows(&ledger);
    assert_eq!(
        again[0].task_ids, report[0].task_ids,
        "the existing task is recorded"
    );
    sandbox.shutdown().await.unwrap();
}

fn people(n: usize) -> String {
    let mut csv = String::from("First,Email,Tags\n");
    for i in 0..n {
        csv.push_str(&format!("P{i},p{i}@example.com,batch;t{}\n", i % 3));
    }
    csv
}

fn one_contact_per_identity(sandbox: &Handle, n: usize) {
    let stored = sandbox.contacts(Some(DEFAULT_LOCATION_ID));
    for i in 0..n {
        let email = format!("p{i}@example.com");
        assert_eq!(by_email(&stored, &email).len(), 1, "{email}");
    }
    assert_eq!(stored.len(), n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_doubt_create_is_looked_up_and_never_sent_twice() {
    let dir = tempfile::tempdir().unwrap();
    let n = 40;
    let ledger = stage(dir.path(), &people(n), MAPPING);
    let sandbox = sandbox(FaultConfig {
        cut_after_commit: 0.3,
        ..FaultConfig::default()
    })
    .await;
    let (counts, requested) =
        deliver_ok(&sandbox, &ledger, Mode::Create(OnDuplicate::Update)).await;
    assert!(
        sandbox.stats().faults.cut_after_commit > 0,
        "the fault happened"
    );
    assert!(
        sent(&requested, "GET /contacts/search/duplicate") > 0,
        "lost creates were looked up"
    );
    assert_eq!(counts.created, n as u64, "{counts:?}");
    one_contact_per_identity(&sandbox, n);
    assert!(rows(&ledger).iter().all(|r| r.created == Some(true)));
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_in_doubt_create_finds_the_contact_its_lost_attempt_made() {
    let dir = tempfile::tempdir().unwrap();
    let n = 6;
    let ledger = stage(dir.path(), &people(n), MAPPING);
    let sandbox = sandbox(FaultConfig::default()).await;
    // A run sent the first three rows (data rows count from 2) and died before any answer was
    // recorded: HighLevel has them.
    {
        let mut l = Ledger::open(&ledger).unwrap();
        l.prepare_delivery().unwrap();
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        l.mark_in_doubt(&[2, 3, 4], &now).unwrap();
    }
    for i in 0..3 {
        sandbox
            .insert_contact(
                DEFAULT_LOCATION_ID,
                json!({"email": format!("p{i}@example.com"), "firstName": format!("P{i}")}),
            )
            .unwrap();
    }
    let (counts, requested) =
        deliver_ok(&sandbox, &ledger, Mode::Create(OnDuplicate::Update)).await;
    assert_eq!(counts.created, n as u64, "{counts:?} {:?}", rows(&ledger));
    one_contact_per_identity(&sandbox, n);
    assert_eq!(
        sent(&requested, "POST /contacts/"),
        3,
        "only the rows never sent"
    );
    assert_eq!(
        sent(&requested, "GET /contacts/search/duplicate"),
        3,
        "a lookup per resumed row"
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upsert_cut_after_commit_still_counts_as_created() {
    let dir = tempfile::tempdir().unwrap();
    let n = 40;
    let ledger = stage(dir.path(), &people(n), MAPPING);
    let sandbox = sandbox(FaultConfig {
        cut_after_commit: 0.3,
        ..FaultConfig::default()
    })
    .await;
    let (counts, requested) = deliver_ok(&sandbox, &ledger, Mode::Upsert).await;
    let cut = sandbox.stats().by_route["POST /contacts/upsert"]
        .get("cut")
        .copied()
        .unwrap_or(0);
    assert!(
        cut > 0,
        "some upserts were cut after commit: {}",
        routes(&sandbox)
    );
    assert!(
        sent(&requested, "POST /contacts/upsert") > n as u64,
        "and sent again"
    );
    // Every contact is new, so every row created its contact, whatever the resend said.
    assert_eq!(
        (counts.created, counts.updated),
        (n as u64, 0),
        "{counts:?}"
    );
    assert!(rows(&ledger)
        .iter()
        .all(|r| r.state == "created" && r.created == Some(true)));
    one_contact_per_identity(&sandbox, n);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_upsert_tells_its_own_contact_from_an_older_one() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = stage(dir.path(), &people(2), MAPPING);
    let sandbox = sandbox(FaultConfig::default()).await;
    {
        let mut l = Ledger::open(&ledger).unwrap();
        l.prepare_delivery().unwrap();
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        l.mark_in_doubt(&[2, 3], &now).unwrap();
    }
    // Row 1's lost upsert created its contact; row 2's contact existed long before the run.
    sandbox
        .insert_contact(DEFAULT_LOCATION_ID, json!({"email": "p0@example.com"}))
        .unwrap();
    sandbox
        .insert_contact(
            DEFAULT_LOCATION_ID,
            json!({"email": "p1@example.com", "dateAdded": "2020-01-01T00:00:00.000Z"}),
        )
        .unwrap();
    deliver_ok(&sandbox, &ledger, Mode::Upsert).await;
    let report = rows(&ledger);
    assert_eq!(
        (report[0].state.as_str(), report[0].created),
        ("created", Some(true))
    );
    assert_eq!(
        (report[1].state.as_str(), report[1].created),
        ("updated", Some(false))
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_keeps_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = stage(dir.path(), &people(2), MAPPING);
    let sandbox = sandbox(FaultConfig::default()).await;
    deliver_ok(&sandbox, &ledger, Mode::Create(OnDuplicate::Skip)).await;
    let err = deliver(&sandbox, &ledger, Mode::Upsert).await.unwrap_err();
    assert!(matches!(err, DeliveryError::ModeChanged { .. }), "{err}");
    assert_eq!(
        Ledger::open(&ledger)
            .unwrap()
            .delivery_mode()
            .unwrap()
            .as_deref(),
        Some("create/skip")
    );
    sandbox.shutdown().await.unwrap();
}
