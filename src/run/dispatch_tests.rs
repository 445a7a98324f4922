//! The dispatch loop on paused time (bound, stop, order), and the one table of what each API
//! error means for the run.

use super::*;
use crate::api::guard::Refusal;
use crate::api::models::ErrorBody;
use crate::api::{AuthError, DailyBudgetReached};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Counts requests started and in flight, and the most ever in flight at once.
#[derive(Default)]
struct Meter {
    started: AtomicUsize,
    now: AtomicUsize,
    most: AtomicUsize,
}

impl Meter {
    /// One request that takes `ms` milliseconds and answers `item`.
    async fn request(self: Arc<Self>, item: u64, ms: u64) -> u64 {
        self.started.fetch_add(1, Ordering::SeqCst);
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
        item
    }
}

#[tokio::test(start_paused = true)]
async fn never_more_in_flight_than_the_bound_and_every_item_answered() {
    let meter = Arc::new(Meter::default());
    let (_tx, cancel) = watch::channel(false);
    let mut pool = Dispatch::new(3, cancel);
    let mut items = 0..20u64;
    let mut done = Vec::new();
    while let Some(item) = pool
        .next_from(&mut items, |i| meter.clone().request(i, 10 + (i * 7) % 13))
        .await
    {
        assert!(pool.len() <= 3);
        done.push(item);
    }
    done.sort_unstable();
    assert_eq!(done, (0..20).collect::<Vec<_>>());
    assert_eq!(meter.most.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn a_new_bound_applies_to_what_is_sent_next() {
    let meter = Arc::new(Meter::default());
    let mut pool = Dispatch::uncancellable(2);
    let mut items = 0..12u64;
    pool.fill(&mut items, |i| meter.clone().request(i, 10));
    assert_eq!(pool.len(), 2);
    pool.set_bound(5);
    while pool
        .next_from(&mut items, |i| meter.clone().request(i, 10))
        .await
        .is_some()
    {}
    assert_eq!(meter.most.load(Ordering::SeqCst), 5);
    assert_eq!(meter.started.load(Ordering::SeqCst), 12);
}

#[tokio::test(start_paused = true)]
async fn a_stop_takes_no_new_work_and_lets_what_is_in_flight_finish() {
    let meter = Arc::new(Meter::default());
    let (tx, cancel) = watch::channel(false);
    let mut pool = Dispatch::new(4, cancel);
    let mut items = 0..100u64;
    let mut done = Vec::new();
    while let Some(item) = pool
        .next_from(&mut items, |i| meter.clone().request(i, 10 * (i + 1)))
        .await
    {
        done.push(item);
        if done.len() == 1 {
            tx.send(true).unwrap();
        }
    }
    // Four were sent before the stop; the three still in flight finished; nothing new left.
    assert_eq!(meter.started.load(Ordering::SeqCst), 4);
    assert_eq!(done, [0, 1, 2, 3]);
    assert!(pool.cancel_requested());
    assert!(!pool.taking());
}

#[tokio::test(start_paused = true)]
async fn a_halt_stops_like_a_stop_but_is_no_interruption() {
    let meter = Arc::new(Meter::default());
    let (_tx, cancel) = watch::channel(false);
    let mut pool = Dispatch::new(2, cancel);
    let mut items = 0..100u64;
    let mut done = 0;
    while pool
        .next_from(&mut items, |i| meter.clone().request(i, 10))
        .await
        .is_some()
    {
        done += 1;
        pool.halt();
    }
    assert_eq!((done, meter.started.load(Ordering::SeqCst)), (2, 2));
    assert!(!pool.cancel_requested());
}

#[tokio::test(start_paused = true)]
async fn outcomes_come_as_they_complete_or_as_they_were_sent() {
    let meter = Arc::new(Meter::default());
    let slow_first = |i: u64| meter.clone().request(i, 100 - 10 * i);
    let mut pool = Dispatch::uncancellable(8);
    let mut completed = Vec::new();
    let mut items = 0..5;
    while let Some(item) = pool.next_from(&mut items, slow_first).await {
        completed.push(item);
    }
    assert_eq!(completed, [4, 3, 2, 1, 0]);

    let mut pool = Dispatch::uncancellable(8).in_sending_order();
    let mut sent = Vec::new();
    let mut items = 0..5;
    while let Some(item) = pool.next_from(&mut items, slow_first).await {
        sent.push(item);
    }
    assert_eq!(sent, [0, 1, 2, 3, 4]);
}

#[tokio::test(start_paused = true)]
async fn waiting_wakes_for_an_outcome_the_deadline_or_a_stop() {
    let meter = Arc::new(Meter::default());
    let (tx, cancel) = watch::channel(false);
    let mut pool = Dispatch::new(2, cancel);
    let start = Instant::now();
    pool.push(Box::pin(meter.clone().request(7, 50)));
    let woke = pool.wait_until(start + Duration::from_millis(20)).await;
    assert!(matches!(woke, Wake::Deadline));
    assert!(matches!(
        pool.wait_until(start + Duration::from_secs(9)).await,
        Wake::Done(7)
    ));
    // Nothing in flight: only the deadline or a stop can wake it.
    let stop = async {
        tokio::time::sleep(Duration::from_millis(5)).await;
        tx.send(true).unwrap();
    };
    let (woke, ()) = tokio::join!(pool.wait_until(start + Duration::from_secs(60)), stop);
    assert!(matches!(woke, Wake::Cancelled));
    assert!(Instant::now() < start + Duration::from_secs(1));
    // A stop already seen does not wake it again: the deadline does.
    assert!(matches!(
        pool.wait_until(start + Duration::from_secs(2)).await,
        Wake::Deadline
    ));
}

fn status(code: u16) -> ApiError {
    ApiError::Status {
        endpoint: "contacts",
        status: code,
        body: Box::default(),
    }
}

#[test]
fn every_error_means_the_same_for_every_command() {
    let budget = DailyBudgetReached {
        remaining: 10,
        limit: 200_000,
        reserve: 1_000,
    };
    let table: Vec<(ApiError, Verdict)> = vec![
        (status(401), Verdict::Auth),
        (status(403), Verdict::Auth),
        (
            ApiError::Auth(AuthError::EmptyFile {
                path: PathBuf::from("refresh"),
            }),
            Verdict::Auth,
        ),
        (
            ApiError::Refused {
                endpoint: "contacts",
                refusal: Refusal::Tls("bad certificate".into()),
            },
            Verdict::Auth,
        ),
        (ApiError::DailyBudget(budget), Verdict::Resumable),
        (
            ApiError::Exhausted {
                endpoint: "contacts",
                attempts: 5,
                last: "HTTP 503".into(),
            },
            Verdict::Resumable,
        ),
        (
            ApiError::Exhausted {
                endpoint: "contacts",
                attempts: 5,
                last: "connection refused".into(),
            },
            Verdict::Resumable,
        ),
        (
            ApiError::RateLimited {
                endpoint: "contacts",
                times: 8,
            },
            Verdict::Resumable,
        ),
        (status(400), Verdict::RowFailure),
        (status(404), Verdict::RowFailure),
        (status(422), Verdict::RowFailure),
        (status(501), Verdict::RowFailure),
        (
            ApiError::InDoubt {
                endpoint: "contacts",
                last: "timed out".into(),
            },
            Verdict::RowFailure,
        ),
        (
            ApiError::NoContactId {
                endpoint: "contacts",
                id: String::new(),
            },
            Verdict::RowFailure,
        ),
        (
            ApiError::Decode {
                endpoint: "contacts",
                detail: "not JSON".into(),
            },
            Verdict::RowFailure,
        ),
        (ApiError::Build("bad body".into()), Verdict::RowFailure),
    ];
    for (error, expected) in &table {
        assert_eq!(verdict(error), *expected, "{error}");
    }
}

#[test]
fn only_a_refusal_of_the_members_is_worth_halving() {
    let body = ErrorBody {
        message: "one contact is invalid".into(),
        ..ErrorBody::default()
    };
    let refused = ApiError::Status {
        endpoint: "tags",
        status: 422,
        body: Box::new(body),
    };
    assert!(halving_may_help(&refused, 2));
    assert!(!halving_may_help(&refused, 1));
    assert!(halving_may_help(&status(400), 100));
    assert!(!halving_may_help(&status(401), 100));
    assert!(!halving_may_help(&status(403), 100));
    assert!(!halving_may_help(&status(500), 100));
    let gave_up = ApiError::Exhausted {
        endpoint: "tags",
        attempts: 5,
        last: "HTTP 502".into(),
    };
    assert!(!halving_may_help(&gave_up, 100));
}
