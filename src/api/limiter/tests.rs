//! The limiter's tests, on paused time.

use super::*;

/// Counts how many of `times` fall in the busiest window of length `interval`.
fn busiest_window(times: &[Duration], interval: Duration) -> usize {
    let mut best = 0;
    for (start, first) in times.iter().enumerate() {
        let inside = times[start..]
            .iter()
            .take_while(|t| **t < *first + interval)
            .count();
        best = best.max(inside);
    }
    best
}

/// When each of `n` back-to-back acquisitions went through, counted from the first call.
async fn acquire_times(limiter: &Limiter, n: usize) -> Vec<Duration> {
    let start = Instant::now();
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        limiter.acquire().await.unwrap();
        times.push(Instant::now() - start);
    }
    times
}

#[tokio::test(start_paused = true)]
async fn never_exceeds_the_limit_in_any_window_and_stays_near_it() {
    let limiter = Limiter::with_limits(100, Duration::from_secs(2), DailyReserve::Fraction(0.01));
    let times = acquire_times(&limiter, 1_000).await;
    assert!(busiest_window(&times, Duration::from_secs(2)) <= 100);
    let elapsed = times.last().unwrap().as_secs_f64();
    let rate = 999.0 / elapsed;
    assert!(
        rate >= 0.95 * 50.0,
        "rate {rate:.2}/s is under 95 % of 50/s"
    );
    assert!(limiter.throttled() > Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn follows_the_limits_the_headers_report() {
    let limiter = Limiter::new(DailyReserve::Fraction(0.01));
    limiter.observe(
        &RateLimitHeaders {
            max: Some(25),
            interval: Some(Duration::from_secs(10)),
            ..RateLimitHeaders::default()
        },
        false,
    );
    assert_eq!(limiter.limits(), (25, Duration::from_secs(10)));
    let times = acquire_times(&limiter, 60).await;
    assert!(busiest_window(&times, Duration::from_secs(10)) <= 25);
}

#[tokio::test(start_paused = true)]
async fn a_429_holds_every_sender_for_a_whole_interval() {
    let limiter = Limiter::with_limits(100, Duration::from_secs(10), DailyReserve::Fraction(0.01));
    limiter.acquire().await.unwrap();
    let at = Instant::now();
    limiter.observe(&RateLimitHeaders::default(), true);
    limiter.acquire().await.unwrap();
    assert!(Instant::now() - at >= Duration::from_secs(10));
}

/// An answer reporting only the daily budget: `remaining` of `limit` requests.
fn daily(limit: u64, remaining: u64) -> RateLimitHeaders {
    RateLimitHeaders {
        daily_limit: Some(limit),
        daily_remaining: Some(remaining),
        ..RateLimitHeaders::default()
    }
}

#[tokio::test(start_paused = true)]
async fn stops_at_the_daily_reserve() {
    let limiter = Limiter::new(DailyReserve::Fraction(0.01));
    let report = |remaining| daily(200_000, remaining);
    limiter.observe(&report(2_001), false);
    assert!(limiter.acquire().await.is_ok());
    limiter.observe(&report(2_000), false);
    let reached = limiter.acquire().await.unwrap_err();
    assert_eq!(reached.reserve, 2_000);
    assert!(limiter.daily_exhausted().is_some());
}

/// Found by `import_exits::daily_budget_stop_then_resume…` (95 requests against a bound of 94):
/// an answer read after a newer one must not raise the remaining budget it reported.
#[tokio::test(start_paused = true)]
async fn a_stale_answer_does_not_raise_the_daily_budget_but_a_new_day_does() {
    let limiter = Limiter::new(DailyReserve::Requests(10));
    let report = |remaining| daily(100, remaining);
    limiter.observe(&report(10), false);
    limiter.observe(&report(12), false);
    assert_eq!(limiter.daily(), Some((10, 100)));
    assert!(limiter.acquire().await.is_err(), "the reserve is reached");
    limiter.observe(&report(200_000), false);
    assert_eq!(limiter.daily(), Some((200_000, 100)));
    assert!(limiter.acquire().await.is_ok(), "a new day's budget");
}

#[tokio::test(start_paused = true)]
async fn a_full_window_widens_the_spread_and_holds_one_send_interval() {
    let limiter = Limiter::with_limits(50, Duration::from_secs(1), DailyReserve::Fraction(0.01));
    let before = limiter.target_rate();
    limiter.acquire().await.unwrap();
    let full = RateLimitHeaders {
        remaining: Some(0),
        ..RateLimitHeaders::default()
    };
    limiter.observe(&full, false);
    assert!(limiter.spread() > Duration::from_millis(40));
    assert!(limiter.target_rate() < before);
    let at = Instant::now();
    limiter.acquire().await.unwrap();
    assert!(Instant::now() - at >= Duration::from_millis(20));
}

/// Senders that come back late (a busy machine, timers rounded up to the millisecond) must
/// not drag the rate down: the pacer lets a late sender's successor catch up one period.
#[tokio::test(start_paused = true)]
async fn late_senders_keep_the_rate_and_the_limit() {
    let limiter = Limiter::with_limits(100, Duration::from_secs(2), DailyReserve::Fraction(0.01));
    let start = Instant::now();
    let mut times = Vec::new();
    for n in 0..1_000u64 {
        limiter.acquire().await.unwrap();
        times.push(Instant::now() - start);
        // 0–3 ms late, as measured against the sandbox on this machine.
        tokio::time::sleep(Duration::from_micros((n * 7_919) % 3_000)).await;
    }
    assert!(busiest_window(&times, Duration::from_secs(2)) <= 100);
    let rate = 999.0 / times.last().unwrap().as_secs_f64();
    assert!(
        rate >= 0.96 * 50.0,
        "rate {rate:.2}/s fell with late senders"
    );
}
