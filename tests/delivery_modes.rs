//! Delivery modes against the sandbox on loopback: create (duplicates updated or skipped),
//! update-only, tags removed only where present, tasks and businesses created once, and a run
//! that keeps its mode.

use crate::util::ghl_bulk;
use crate::util::modes::*;
use ghl_bulk::delivery::{DeliveryError, Mode, OnDuplicate};
use ghl_bulk::ledger::{Ledger, RowState};
use ghl_sandbox::{FaultConfig, Handle, DEFAULT_LOCATION_ID};
use serde_json::json;
use std::path::{Path, PathBuf};

/// `csv` staged in `dir`, and a sandbox that already holds Robert (bob@example.com, tagged
/// customer-2019). Returns the ledger, the sandbox and Robert's id.
async fn with_robert(dir: &Path, csv: &str) -> (PathBuf, Handle, String) {
    let ledger = stage(dir, csv, MAPPING);
    let sandbox = sandbox(FaultConfig::default()).await;
    let robert = sandbox
        .insert_contact(
            DEFAULT_LOCATION_ID,
            json!({"email": "bob@example.com", "firstName": "Robert", "tags": ["customer-2019"]}),
        )
        .unwrap();
    (ledger, sandbox, robert)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_sends_tags_inline_and_updates_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, sandbox, existing) = with_robert(
        dir.path(),
        "First,Email,Tags\nAnn,ann@example.com,vip;expo\nBob,bob@example.com,expo\n",
    )
    .await;
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
    let (ledger, sandbox, existing) = with_robert(
        dir.path(),
        "First,Email,Tags\nBob,bob@example.com,expo\nCy,cy@example.com,\n",
    )
    .await;
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
    let (ledger, sandbox, _) = with_robert(
        dir.path(),
        "First,Email,Tags\nBob,bob@example.com,expo\nNew,new@example.com,expo\n",
    )
    .await;
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
    assert_eq!(states.get(RowState::Rejected), 1, "{states:?}");
    assert_eq!(states.get(RowState::Updated), 1, "{states:?}");
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
    // As if the run had stopped before writing Bob's result: the resume sees his tags after
    // the removal, but the ledger keeps what they were and what was removed (for an undo).
    let conn = rusqlite::Connection::open(&ledger).unwrap();
    conn.execute("UPDATE rows SET state = 'in_doubt' WHERE row = 2", [])
        .unwrap();
    drop(conn);
    deliver_ok(&sandbox, &ledger, Mode::Upsert).await;
    let again = rows(&ledger);
    let mut before = again[0].tags_before.clone();
    before.sort();
    assert_eq!(before, ["customer-2019", "lead", "newsletter", "partner"]);
    let mut removed_again = again[0].tags_removed.clone();
    removed_again.sort();
    assert_eq!(removed_again, ["lead", "newsletter"]);
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
    // (What delivery records of each note and task goes with the results, so it is lost too.)
    let conn = rusqlite::Connection::open(&ledger).unwrap();
    conn.execute(
        "UPDATE rows SET state = 'in_doubt', task_ids_json = NULL WHERE row <= 3",
        [],
    )
    .unwrap();
    conn.execute("DELETE FROM followups_done WHERE row <= 3", [])
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

/// The command line end to end: `--mode update-only` through the real binary, the refused rows
/// counted as rejected in summary.json, listed in rejects.csv, and the exit code saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_only_from_the_command_line_reports_not_found_rows_as_rejected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.csv"), people(4)).unwrap();
    std::fs::write(dir.path().join("m.toml"), MAPPING).unwrap();
    let sandbox = sandbox(FaultConfig::default()).await;
    sandbox
        .insert_contact(DEFAULT_LOCATION_ID, json!({"email": "p1@example.com"}))
        .unwrap();
    let run_dir = dir.path().join("run");
    let base_url = sandbox.base_url();
    let output = tokio::task::spawn_blocking(move || {
        ghl_bulk()
            .args(["import", "in.csv", "--mapping", "m.toml", "--quiet"])
            .args(["--mode", "update-only", "--run-dir", "run"])
            .env("GHL_TOKEN", ghl_sandbox::DEFAULT_TOKEN)
            .env("GHL_LOCATION_ID", DEFAULT_LOCATION_ID)
            .env("GHL_BASE_URL", base_url)
            .current_dir(run_dir.parent().unwrap())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(3),
        "rejected rows: exit 3. {stderr}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("run/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["outcomes"]["updated"], 1, "{summary}");
    assert_eq!(summary["outcomes"]["rejected"], 3, "{summary}");
    assert_eq!(summary["outcomes_add_up"], true);
    let rejects = std::fs::read_to_string(dir.path().join("run/rejects.csv")).unwrap();
    assert_eq!(rejects.matches("not_found").count(), 3, "{rejects}");
    assert_eq!(sandbox.contacts(Some(DEFAULT_LOCATION_ID)).len(), 1);
    sandbox.shutdown().await.unwrap();
}

/// A bulk call the API refuses as a whole (here: more contacts than it takes) is halved until
/// the parts pass; removals and additions share that path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_bulk_removal_is_split_until_it_passes() {
    let dir = tempfile::tempdir().unwrap();
    let n = 10;
    let mapping = format!("{MAPPING}\n[tags_remove]\nconstant = [\"lead\"]\n");
    let ledger = stage(dir.path(), &people(n), &mapping);
    let mut config = ghl_sandbox::Config::default();
    config.rate_limit.burst = Some((1000, std::time::Duration::from_secs(1)));
    config.bulk_tags_max = 4;
    let sandbox = ghl_sandbox::spawn(config).await.unwrap();
    for i in 0..n {
        sandbox
            .insert_contact(
                DEFAULT_LOCATION_ID,
                json!({"email": format!("p{i}@example.com"), "tags": ["lead", "keep"]}),
            )
            .unwrap();
    }
    let (counts, requested) = deliver_ok(&sandbox, &ledger, Mode::Upsert).await;
    assert_eq!((counts.updated, counts.failed), (n as u64, 0), "{counts:?}");
    let removals = &requested.by_endpoint["POST /contacts/bulk/tags/update/remove"];
    assert!(
        removals.get("422").copied().unwrap_or(0) > 0,
        "{removals:?}"
    );
    for contact in sandbox.contacts(Some(DEFAULT_LOCATION_ID)) {
        let tags = tags_of(&contact);
        assert!(tags.contains(&"keep".to_string()) && !tags.contains(&"lead".to_string()));
    }
    assert!(rows(&ledger).iter().all(|r| r.tags_removed == ["lead"]));
    sandbox.shutdown().await.unwrap();
}
