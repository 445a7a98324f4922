//! Lost answers against the sandbox's cut-after-commit fault (seeded) and resumed rows: a
//! create is never sent twice, and an upsert whose first answer was lost after HighLevel
//! committed it still counts as created by the run.

use crate::util::modes::*;
use ghl_bulk::delivery::{Mode, OnDuplicate};
use ghl_bulk::ledger::Ledger;
use ghl_sandbox::{FaultConfig, Handle, DEFAULT_LOCATION_ID};
use serde_json::json;
use std::path::{Path, PathBuf};

/// `n` people staged in `dir`, and a sandbox that cuts 30 % of the connections after the
/// write committed (the answer is lost).
async fn staged_against_cuts(dir: &Path, n: usize) -> (PathBuf, Handle) {
    let ledger = stage(dir, &people(n), MAPPING);
    let sandbox = sandbox(FaultConfig {
        cut_after_commit: 0.3,
        ..FaultConfig::default()
    })
    .await;
    (ledger, sandbox)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_doubt_create_is_looked_up_and_never_sent_twice() {
    let dir = tempfile::tempdir().unwrap();
    let n = 40;
    let (ledger, sandbox) = staged_against_cuts(dir.path(), n).await;
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
    let (ledger, sandbox) = staged_against_cuts(dir.path(), n).await;
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
