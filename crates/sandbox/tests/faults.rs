//! Fault injection over loopback: cut-after-commit, injected 5xx, stalls past the client
//! timeout, latency, and reproducibility from the seed.

use crate::util::{start, unlimited, Api, Reply};
use ghl_sandbox::{Config, FaultConfig, Handle};
use serde_json::json;
use std::time::{Duration, Instant};

/// A sandbox without limits, on `seed`, whose faults are the defaults as `set` changes them.
async fn start_faulty(seed: u64, set: impl FnOnce(&mut FaultConfig)) -> (Handle, Api) {
    let mut faults = FaultConfig::default();
    set(&mut faults);
    start(Config {
        faults,
        seed,
        ..unlimited()
    })
    .await
}

/// An upsert of a contact with only an email (answered as the faults decide).
async fn upsert_email(api: &Api, email: String) -> Reply {
    let body = json!({"locationId": api.location, "email": email});
    api.post("/contacts/upsert", body).await
}

#[tokio::test]
async fn cut_after_commit_leaves_the_contact_stored_and_the_client_gets_no_answer() {
    let (h, api) = start_faulty(1, |f| f.cut_after_commit = 1.0).await;
    let body = json!({"locationId": api.location, "email": "cut@x.io", "firstName": "Cut"});
    let err = api
        .send("POST", "/contacts/upsert", Some(body), &[])
        .await
        .expect_err("the connection is closed without a response");
    assert!(
        !err.is_status() && !err.is_timeout(),
        "a transport error, not a response: {err}"
    );
    let stored = api.stored().await;
    assert_eq!(stored.len(), 1, "the write committed before the cut");
    assert_eq!(stored[0]["email"], "cut@x.io");
    // Reads are never cut.
    let id = stored[0]["id"].as_str().unwrap().to_string();
    assert_eq!(api.get(&format!("/contacts/{id}")).await.status, 200);
    assert_eq!(h.stats().faults.cut_after_commit, 1);
}

#[tokio::test]
async fn injected_5xx_do_not_handle_the_request() {
    let (h, api) = start_faulty(3, |f| f.fault_rate = 1.0).await;
    let mut codes = std::collections::BTreeSet::new();
    for i in 0..30 {
        let r = upsert_email(&api, format!("f{i}@x.io")).await;
        assert!([500, 502, 503].contains(&r.status), "{}", r.status);
        assert_eq!(r.body["statusCode"], r.status);
        codes.insert(r.status);
    }
    assert_eq!(codes.len(), 3, "all three kinds appear");
    assert!(api.stored().await.is_empty());
    assert_eq!(h.stats().faults.injected_5xx, 30);
}

#[tokio::test]
async fn stalled_requests_hang_past_the_client_timeout() {
    let (_h, api) = start_faulty(1, |f| {
        f.stall_rate = 1.0;
        f.stall_for = Duration::from_secs(30);
    })
    .await;
    let client = crate::util::client_builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let t = Instant::now();
    let err = client
        .get(format!("{}/contacts/AAAAAAAAAAAAAAAAAAAA", api.base))
        .bearer_auth(&api.token)
        .header("Version", "2021-07-28")
        .send()
        .await
        .expect_err("stalls");
    assert!(err.is_timeout(), "{err}");
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn latency_is_within_the_range() {
    let (_h, api) = start_faulty(1, |f| {
        f.latency = Some((Duration::from_millis(40), Duration::from_millis(80)))
    })
    .await;
    for _ in 0..5 {
        let t = Instant::now();
        let r = api.get("/contacts/AAAAAAAAAAAAAAAAAAAA").await;
        assert_eq!(r.status, 400);
        let e = t.elapsed();
        assert!(
            e >= Duration::from_millis(40) && e < Duration::from_millis(1000),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults_to_a_sequential_client() {
    async fn run(seed: u64) -> (Vec<u16>, Vec<String>) {
        let (_h, api) = start_faulty(seed, |f| f.fault_rate = 0.3).await;
        let mut codes = Vec::new();
        for i in 0..40 {
            let r = upsert_email(&api, format!("s{i}@x.io")).await;
            codes.push(r.status);
        }
        let mut ids: Vec<String> = api
            .stored()
            .await
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        (codes, ids)
    }
    let a = run(11).await;
    assert_eq!(a, run(11).await, "statuses and ids repeat with the seed");
    assert_ne!(a.0, run(12).await.0);
    assert!(a.0.contains(&200) && a.0.iter().any(|c| *c >= 500));
}
