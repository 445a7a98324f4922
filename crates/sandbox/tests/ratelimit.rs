//! Rate limits over loopback: bursts of 300 against fixed and sliding windows, the five headers
//! on every answer including 429s, `Retry-After` only on request, the daily allowance, and
//! `max_in_window` catching a client that bursts across a fixed-window boundary. The limiter
//! reads tokio's clock, so the tests that place bursts in time pause it and move it themselves
//! (a burst then takes no time at all, and no test waits for a window to pass).

use crate::util::{hold_clock, start, Api, ClockHold, Reply};
use ghl_sandbox::{Config, Handle, RateLimitConfig, WindowMode};
use std::time::Duration;
use tokio::time::{advance, Instant};

const HEADERS: [&str; 5] = [
    "x-ratelimit-max",
    "x-ratelimit-interval-milliseconds",
    "x-ratelimit-remaining",
    "x-ratelimit-limit-daily",
    "x-ratelimit-daily-remaining",
];

/// A sandbox allowing `max` requests an `interval`, on a paused clock held still (the tests
/// move it themselves).
async fn start_limited(
    max: u32,
    interval: Duration,
    window: WindowMode,
    retry_after: bool,
) -> (ClockHold, Handle, Api) {
    let clock = hold_clock();
    let rate_limit = RateLimitConfig {
        burst: Some((max, interval)),
        daily: Some(200_000),
        window,
        retry_after,
    };
    let (handle, api) = start(Config {
        rate_limit,
        ..Config::default()
    })
    .await;
    (clock, handle, api)
}

async fn burst(api: &Api, n: usize) -> Vec<Reply> {
    let path = "/contacts/search/duplicate?locationId=SandboxLocation00001&email=a%40b.io";
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { api.get(path).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("request task"));
    }
    out
}

fn check_headers(replies: &[Reply], max: u64, interval_ms: u64, retry_after: bool) {
    for r in replies {
        for h in HEADERS {
            assert!(r.headers.contains_key(h), "{h} missing on a {}", r.status);
        }
        assert_eq!(r.header("x-ratelimit-max"), Some(max));
        assert_eq!(
            r.header("x-ratelimit-interval-milliseconds"),
            Some(interval_ms)
        );
        assert_eq!(r.header("x-ratelimit-limit-daily"), Some(200_000));
        if r.status == 429 {
            assert_eq!(r.header("x-ratelimit-remaining"), Some(0));
            assert_eq!(
                r.body,
                serde_json::json!({"statusCode": 429, "message": "Too Many Requests"})
            );
            assert_eq!(r.headers.contains_key("retry-after"), retry_after);
        } else {
            assert_eq!(r.status, 200);
            assert!(!r.headers.contains_key("retry-after"));
        }
    }
}

#[tokio::test(start_paused = true)]
async fn fixed_window_burst_of_300_admits_exactly_the_limit() {
    let (_clock, h, api) =
        start_limited(100, Duration::from_secs(2), WindowMode::Fixed, false).await;
    // Windows are aligned to sandbox start: begin just inside the second window so the whole
    // burst (well under a second on loopback) stays in one window.
    let started = Instant::now();
    advance(Duration::from_millis(2050).saturating_sub(started.elapsed())).await;
    let replies = burst(&api, 300).await;
    assert!(
        started.elapsed() < Duration::from_millis(3900),
        "burst took too long to be meaningful"
    );
    let ok = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 100);
    assert_eq!(replies.iter().filter(|r| r.status == 429).count(), 200);
    check_headers(&replies, 100, 2000, false);
    let mut remaining: Vec<u64> = replies
        .iter()
        .filter(|r| r.status == 200)
        .filter_map(|r| r.header("x-ratelimit-remaining"))
        .collect();
    remaining.sort();
    assert_eq!(
        remaining,
        (0..100).collect::<Vec<u64>>(),
        "each admitted request sees one less"
    );
    let stats = h.stats();
    assert_eq!(stats.max_in_window, 100);
    assert_eq!(stats.status_429, 200);
    assert_eq!(
        (
            stats.limit.max,
            stats.limit.interval_ms,
            stats.limit.window.as_str()
        ),
        (100, 2000, "fixed")
    );
}

#[tokio::test(start_paused = true)]
async fn sliding_window_burst_of_300_never_exceeds_the_limit_in_any_interval() {
    let (_clock, h, api) =
        start_limited(50, Duration::from_millis(500), WindowMode::Sliding, true).await;
    let mut all = Vec::new();
    let t0 = Instant::now();
    // Three bursts of 100 spread over ~1.2 s: windows slide over them.
    for _ in 0..3 {
        all.extend(burst(&api, 100).await);
        advance(Duration::from_millis(400)).await;
    }
    assert!(t0.elapsed() < Duration::from_secs(10));
    check_headers(&all, 50, 500, true);
    let stats = h.stats();
    assert!(
        stats.max_in_window <= 50,
        "max_in_window {}",
        stats.max_in_window
    );
    assert_eq!(stats.max_in_window, 50, "the first burst fills a window");
    let ok = all.iter().filter(|r| r.status == 200).count() as u64;
    assert!((100..=150).contains(&ok), "admitted {ok}");
    let retry: Vec<u64> = all
        .iter()
        .filter(|r| r.status == 429)
        .filter_map(|r| r.header("retry-after"))
        .collect();
    assert!(
        !retry.is_empty() && retry.iter().all(|s| *s == 1),
        "{retry:?}"
    );
    assert_eq!(api.stats().await.status_429, 300 - ok);
}

#[tokio::test(start_paused = true)]
async fn max_in_window_sees_a_burst_across_a_fixed_boundary() {
    let (_clock, h, api) =
        start_limited(40, Duration::from_secs(1), WindowMode::Fixed, false).await;
    let t0 = Instant::now();
    advance(Duration::from_millis(850).saturating_sub(t0.elapsed())).await;
    let a = burst(&api, 40).await;
    advance(Duration::from_millis(1020).saturating_sub(t0.elapsed())).await;
    let b = burst(&api, 40).await;
    let ok = a.iter().chain(&b).filter(|r| r.status == 200).count();
    assert_eq!(ok, 80, "two fixed windows admit 40 each");
    if t0.elapsed() < Duration::from_millis(1800) {
        assert!(
            h.stats().max_in_window > 40,
            "80 requests within one second must show"
        );
    }
}

#[tokio::test]
async fn daily_allowance_and_unauthenticated_requests() {
    let cfg = Config {
        rate_limit: RateLimitConfig {
            burst: Some((100, Duration::from_secs(10))),
            daily: Some(3),
            window: WindowMode::Fixed,
            retry_after: false,
        },
        ..Config::default()
    };
    let (_h, api) = start(cfg).await;
    let replies = burst(&api, 5).await;
    let ok: Vec<&Reply> = replies.iter().filter(|r| r.status == 200).collect();
    assert_eq!(ok.len(), 3);
    for r in replies.iter().filter(|r| r.status == 429) {
        assert_eq!(r.header("x-ratelimit-daily-remaining"), Some(0));
    }
    // A bad token is answered 401 and not counted against the location.
    let r = api
        .with_token("bad")
        .raw("GET", "/contacts/AAAAAAAAAAAAAAAAAAAA", None, &[])
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(api.stats().await.total_requests, 6);
}
