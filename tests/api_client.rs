//! The API client against the sandbox on loopback: headers, auth, duplicates, the limiter
//! following the server's headers in both window modes, 429 handling, retries, OAuth rotation.

use ghl_bulk::api::models::ContactFields;
use ghl_bulk::api::{
    ApiError, BaseUrl, Client, ClientConfig, Credentials, OAuthConfig, RefreshStore, Secret,
    TagChange,
};
use ghl_bulk::contact::StdFields;
use ghl_sandbox::{
    Config, FaultConfig, RateLimitConfig, WindowMode, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,
    DEFAULT_LOCATION_ID, DEFAULT_REFRESH_TOKEN, DEFAULT_TOKEN,
};
use std::sync::Arc;
use std::time::Duration;

fn client_for(sandbox: &ghl_sandbox::Handle, credentials: Credentials) -> Client {
    let base = BaseUrl::parse(&sandbox.base_url()).unwrap();
    let mut config = ClientConfig::new(base, DEFAULT_LOCATION_ID.into(), credentials);
    config.timeout = Duration::from_secs(5);
    Client::new(config).unwrap()
}

fn token() -> Credentials {
    Credentials::Token(Secret::new(DEFAULT_TOKEN))
}

fn person(n: usize) -> ContactFields {
    ContactFields {
        std: StdFields {
            first_name: Some(format!("Person{n}")),
            email: Some(format!("person{n}@example.com")),
            ..StdFields::default()
        },
        ..ContactFields::default()
    }
}

#[tokio::test]
async fn upsert_creates_then_updates_and_tags_are_added_not_replaced() {
    let sandbox = ghl_sandbox::spawn(Config::default()).await.unwrap();
    let client = client_for(&sandbox, token());

    let first = client.upsert(&person(1)).await.unwrap();
    assert!(first.new);
    let again = client.upsert(&person(1)).await.unwrap();
    assert!(!again.new);
    assert_eq!(first.contact.id, again.contact.id);

    let ids = vec![first.contact.id.clone()];
    client
        .bulk_tags(TagChange::Add, &ids, &["vip".to_string()])
        .await
        .unwrap();
    client
        .bulk_tags(TagChange::Add, &ids, &["expo".to_string()])
        .await
        .unwrap();
    let stored = client.get_contact(&first.contact.id).await.unwrap();
    let mut tags = stored.tags.clone();
    tags.sort();
    assert_eq!(tags, ["expo", "vip"]);

    let found = client
        .find_duplicate(Some("person1@example.com"), None)
        .await
        .unwrap();
    assert_eq!(found.map(|c| c.id), Some(first.contact.id));
    assert!(client
        .find_duplicate(Some("nobody@example.com"), None)
        .await
        .unwrap()
        .is_none());
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_duplicate_create_carries_the_existing_contact_id() {
    let sandbox = ghl_sandbox::spawn(Config::default()).await.unwrap();
    let client = client_for(&sandbox, token());
    let created = client.create(&person(2)).await.unwrap();
    let err = client.create(&person(2)).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.duplicate_contact_id(), Some(created.id.as_str()));
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_bad_token_is_an_auth_error_that_never_shows_the_token() {
    let sandbox = ghl_sandbox::spawn(Config::default()).await.unwrap();
    let secret = "pit-never-print-me-0123456789";
    let client = client_for(&sandbox, Credentials::Token(Secret::new(secret)));
    let err = client.upsert(&person(3)).await.unwrap_err();
    assert!(err.is_auth(), "{err}");
    assert!(!format!("{err} {err:?}").contains(secret));
    assert_eq!(
        client.stats().snapshot().total,
        1,
        "401 with a static token is not retried"
    );
    sandbox.shutdown().await.unwrap();
}

/// Sends `count` upserts through the client, `concurrency` at a time.
async fn burst(client: Arc<Client>, count: usize, concurrency: usize) {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, next) = (client.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= count {
                    break;
                }
                client.upsert(&person(1000 + n)).await.unwrap();
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
}

async fn steady_state_run(window: WindowMode) {
    // Timed against the server's window: starved by busy neighbours, its requests would reach
    // the sandbox bunched (see `util::gate`).
    let _alone = crate::util::gate::alone();
    let config = Config {
        rate_limit: RateLimitConfig {
            burst: Some((20, Duration::from_secs(1))),
            daily: Some(200_000),
            window,
            retry_after: false,
        },
        faults: FaultConfig {
            latency: Some((Duration::from_millis(20), Duration::from_millis(80))),
            ..FaultConfig::default()
        },
        ..Config::default()
    };
    let sandbox = ghl_sandbox::spawn(config).await.unwrap();
    let client = Arc::new(client_for(&sandbox, token()));

    // Warm up: the first response teaches the client the 20 / 1 s limit.
    client.upsert(&person(0)).await.unwrap();
    // Eight senders for 80 requests: four windows' worth, always someone waiting on the limiter.
    burst(client.clone(), 80, 8).await;

    // Correctness only (the rate on a shared machine is a benchmark, docs/BENCHMARKS.md): no
    // 429, no window of the server's over the limit, every request answered once.
    let stats = sandbox.stats();
    assert_eq!(stats.status_429, 0, "{window:?}: no 429 in steady state");
    assert!(
        stats.max_in_window <= 20,
        "{window:?}: {} in one window",
        stats.max_in_window
    );
    assert_eq!(
        stats.total_requests, 81,
        "{window:?}: {:?}",
        stats.by_status
    );
    let counts = client.stats().snapshot();
    assert_eq!(counts.by_endpoint["POST /contacts/upsert"]["200"], 81);
    assert_eq!(counts.throttled, 0);
    assert!(
        client.limiter().throttled() > Duration::ZERO,
        "{window:?}: eight eager senders must have waited for the limiter"
    );
    assert_eq!(client.limiter().limits(), (20, Duration::from_secs(1)));
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn follows_the_server_limit_without_429s_in_a_fixed_window() {
    steady_state_run(WindowMode::Fixed).await;
}

#[tokio::test]
async fn follows_the_server_limit_without_429s_in_a_sliding_window() {
    steady_state_run(WindowMode::Sliding).await;
}

#[tokio::test]
async fn a_429_is_waited_out_and_resent() {
    let mut config = Config::default();
    config.rate_limit.burst = Some((5, Duration::from_millis(500)));
    config.rate_limit.window = WindowMode::Sliding;
    let sandbox = ghl_sandbox::spawn(config).await.unwrap();
    // Someone else spends the window first.
    let raw = crate::util::http();
    for n in 0..5 {
        raw.post(format!("{}/contacts/upsert", sandbox.base_url()))
            .bearer_auth(DEFAULT_TOKEN)
            .header("Version", "2021-07-28")
            .json(&serde_json::json!({"locationId": DEFAULT_LOCATION_ID, "email": format!("other{n}@example.com")}))
            .send()
            .await
            .unwrap();
    }
    let client = client_for(&sandbox, token());
    let response = client.upsert(&person(4)).await.unwrap();
    assert!(response.new);
    let counts = client.stats().snapshot();
    assert_eq!(counts.throttled, 1);
    assert_eq!(counts.by_endpoint["POST /contacts/upsert"]["200"], 1);
    sandbox.shutdown().await.unwrap();
}

/// An unthrottled sandbox injecting `faults`, seeded (42) so that a rate gives the same faults
/// each run.
async fn with_faults(faults: FaultConfig) -> ghl_sandbox::Handle {
    let config = Config {
        rate_limit: RateLimitConfig::off(),
        seed: 42,
        faults,
        ..Config::default()
    };
    ghl_sandbox::spawn(config).await.unwrap()
}

#[tokio::test]
async fn transient_faults_are_retried_and_creates_in_doubt_are_not() {
    let sandbox = with_faults(FaultConfig {
        fault_rate: 0.3,
        ..FaultConfig::default()
    })
    .await;
    let client = client_for(&sandbox, token());
    for n in 0..20 {
        client.upsert(&person(100 + n)).await.unwrap();
    }
    let counts = client.stats().snapshot();
    assert!(counts.retries > 0, "a 30 % fault rate must cause retries");
    sandbox.shutdown().await.unwrap();

    // Every write is cut after its commit: the seed does not matter here.
    let sandbox = with_faults(FaultConfig {
        cut_after_commit: 1.0,
        ..FaultConfig::default()
    })
    .await;
    let client = client_for(&sandbox, token());
    let err = client.create(&person(200)).await.unwrap_err();
    assert!(matches!(err, ApiError::InDoubt { .. }), "{err}");
    assert_eq!(sandbox.stats().contacts, 1, "the cut request was committed");
    assert_eq!(
        client.stats().snapshot().total,
        1,
        "a create in doubt is not resent"
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn oauth_refresh_rotates_the_refresh_token_file() {
    let sandbox = ghl_sandbox::spawn(Config::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("refresh-token");
    std::fs::write(&file, DEFAULT_REFRESH_TOKEN).unwrap();
    let oauth = OAuthConfig {
        client_id: DEFAULT_CLIENT_ID.into(),
        client_secret: Secret::new(DEFAULT_CLIENT_SECRET),
        refresh: RefreshStore::File(file.clone()),
        user_type: None,
    };
    let client = client_for(&sandbox, Credentials::OAuth(oauth.clone()));
    client.upsert(&person(5)).await.unwrap();
    let rotated = std::fs::read_to_string(&file).unwrap();
    assert_ne!(
        rotated.trim(),
        DEFAULT_REFRESH_TOKEN,
        "the file holds the new token"
    );

    // The old refresh token is spent: a client still holding it is refused.
    let stale = dir.path().join("stale");
    std::fs::write(&stale, DEFAULT_REFRESH_TOKEN).unwrap();
    let stale_client = client_for(
        &sandbox,
        Credentials::OAuth(OAuthConfig {
            refresh: RefreshStore::File(stale),
            ..oauth
        }),
    );
    let err = stale_client.upsert(&person(6)).await.unwrap_err();
    assert!(err.is_auth(), "{err}");
    sandbox.shutdown().await.unwrap();
}
