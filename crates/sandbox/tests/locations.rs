//! Many locations in one sandbox share nothing: each has its own contacts, its own rate-limit
//! buckets and its own tokens (issue 16 item 4).

use crate::agency::{two_locations, SECOND, SECOND_TOKEN};
use crate::util::{start, Api};
use ghl_sandbox::{Config, RateLimitConfig, DEFAULT_LOCATION_ID};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn each_location_has_its_own_data_limits_and_tokens() {
    let mut cfg = two_locations(Config::default());
    // A window far longer than the test, so no boundary falls inside it.
    cfg.rate_limit = RateLimitConfig {
        burst: Some((3, Duration::from_secs(3600))),
        daily: None,
        ..RateLimitConfig::default()
    };
    let (h, first) = start(cfg).await;
    let second = Api {
        location: SECOND.into(),
        ..first.with_token(SECOND_TOKEN)
    };
    let (new_first, _) = first.upsert(json!({"email": "same@x.io"})).await;
    let (new_second, id_second) = second.upsert(json!({"email": "same@x.io"})).await;
    assert!(
        new_first && new_second,
        "the same email is a new contact in each location"
    );
    assert_eq!(h.contacts(Some(SECOND)).len(), 1);
    assert_eq!(h.contacts(Some(DEFAULT_LOCATION_ID)).len(), 1);
    let r = first.get(&format!("/contacts/{id_second}")).await;
    assert_eq!(
        r.status, 403,
        "a token opens its own location only: {}",
        r.body
    );
    // Its third request spends the first location's 3 and its fourth is refused, while the
    // second location has spent 1 of its own 3.
    let other = format!("/contacts/{id_second}");
    assert_eq!(first.get(&other).await.status, 403);
    assert_eq!(first.get(&other).await.status, 429);
    let r = second.get(&format!("/contacts/{id_second}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("x-ratelimit-remaining"), Some(1));
}
