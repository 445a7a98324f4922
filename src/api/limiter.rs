//! The location's rate limiter: a GCRA (governor) for the steady rate, corrected by the
//! `X-RateLimit-*` headers HighLevel sends on every response, and the daily budget.
//!
//! The headers are the truth: the limiter starts at the documented 100 requests / 10 s and
//! switches to whatever `X-RateLimit-Max` / `X-RateLimit-Interval-Milliseconds` say (a trial
//! token's 25 / 10 s is picked up from the first response, no flag needed). Every clock read and
//! sleep goes through tokio time, so tests run on paused time. The headers arrive clamped
//! (`limit_headers`); a wait of more than [`NOTICE_AFTER`] is told to the user with its reason.

use governor::clock::{Clock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;

pub use super::limit_headers::RateLimitHeaders;

/// The documented burst limit: 100 requests per 10 seconds per location.
pub const DEFAULT_MAX: u32 = 100;
/// The documented burst interval.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);
/// A wait longer than this is announced (stderr, progress line): past a few seconds a silent
/// run looks hung.
pub const NOTICE_AFTER: Duration = Duration::from_secs(3);

/// How much of the daily allowance to leave unused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DailyReserve {
    /// A share of the daily limit (0.01 = 1 %).
    Fraction(f64),
    /// A number of requests.
    Requests(u64),
}

impl DailyReserve {
    fn requests(self, daily_limit: u64) -> u64 {
        match self {
            DailyReserve::Fraction(share) => (daily_limit as f64 * share).ceil() as u64,
            DailyReserve::Requests(count) => count,
        }
    }
}

/// The limiter refuses to send because the daily budget is down to the reserve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("daily request budget reached: {remaining} of {limit} left, reserve is {reserve}")]
pub struct DailyBudgetReached {
    pub remaining: u64,
    pub limit: u64,
    pub reserve: u64,
}

/// Tokio's clock as a governor clock, so the GCRA runs on paused time in tests.
#[derive(Debug, Clone, Copy)]
struct TokioClock {
    origin: Instant,
}

impl Clock for TokioClock {
    type Instant = Nanos;
    fn now(&self) -> Nanos {
        Nanos::from(Instant::now().saturating_duration_since(self.origin))
    }
}

type Gcra = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Nanos>>;

struct State {
    max: u32,
    interval: Duration,
    gcra: Arc<Gcra>,
    hold_until: Option<Instant>,
    daily_limit: Option<u64>,
    daily_remaining: Option<u64>,
    throttled: Duration,
    /// Why the run is held (a 429, the window reported full), while `hold_until` is ahead.
    hold_reason: &'static str,
    /// The end of the last wait announced: one notice per long wait, however many wait it.
    announced_until: Option<Instant>,
    /// A header was nonsense (not a number, out of range) and the user was told once.
    warned_nonsense: bool,
}

/// One location's limiter, shared by every request to that location.
pub struct Limiter {
    clock: TokioClock,
    reserve: DailyReserve,
    /// Waiters queue here one at a time (FIFO), so a crowd of tasks does not wake together.
    turn: tokio::sync::Mutex<()>,
    state: Mutex<State>,
}

impl Limiter {
    /// A limiter at the documented defaults until the first response says otherwise.
    pub fn new(reserve: DailyReserve) -> Self {
        Self::with_limits(DEFAULT_MAX, DEFAULT_INTERVAL, reserve)
    }

    /// A limiter starting from given limits.
    pub fn with_limits(max: u32, interval: Duration, reserve: DailyReserve) -> Self {
        let clock = TokioClock {
            origin: Instant::now(),
        };
        let state = State {
            max,
            interval,
            gcra: Arc::new(gcra(max, interval, clock)),
            hold_until: None,
            daily_limit: None,
            daily_remaining: None,
            throttled: Duration::ZERO,
            hold_reason: "",
            announced_until: None,
            warned_nonsense: false,
        };
        Limiter {
            clock,
            reserve,
            turn: tokio::sync::Mutex::new(()),
            state: Mutex::new(state),
        }
    }

    /// Waits until one request may be sent, or says the daily budget is spent.
    pub async fn acquire(&self) -> Result<(), DailyBudgetReached> {
        let _turn = self.turn.lock().await;
        loop {
            let wait = {
                let mut state = self.lock();
                if let Some(reached) = self.daily_budget_reached(&state) {
                    return Err(reached);
                }
                let now = Instant::now();
                let (wait, reason) = match state.hold_until {
                    Some(until) if until > now => (until - now, state.hold_reason),
                    _ => match state.gcra.check() {
                        Ok(()) => return Ok(()),
                        Err(not_until) => (
                            not_until.wait_time_from(self.clock.now()),
                            "the rate limit the API reports",
                        ),
                    },
                };
                announce(&mut state, now, wait, reason);
                wait
            };
            let started = Instant::now();
            tokio::time::sleep(wait).await;
            self.lock().throttled += Instant::now() - started;
        }
    }

    /// Takes in what a response said: new limits, the remaining burst and daily budget, a 429.
    pub fn observe(&self, headers: &RateLimitHeaders, throttled: bool) {
        let mut state = self.lock();
        if let (Some(header), false) = (headers.nonsense, state.warned_nonsense) {
            state.warned_nonsense = true;
            tracing::warn!(
                "The API sent a {header} header that is not a sane number; it was ignored or \
                 clamped (windows are kept within 1-60 s, limits within 1-10,000 requests). \
                 Said once per run."
            );
        }
        let max = headers.max.unwrap_or(state.max);
        let interval = headers.interval.unwrap_or(state.interval);
        if (max, interval) != (state.max, state.interval) {
            tracing::info!(
                max,
                interval_ms = interval.as_millis() as u64,
                "The API reports a different rate limit; following it."
            );
            state.max = max;
            state.interval = interval;
            state.gcra = Arc::new(gcra(max, interval, self.clock));
        }
        let now = Instant::now();
        let hold = if throttled {
            // A 429: the window is full. Wait for a whole interval, as the official SDK does:
            // that empties a sliding window and passes the boundary of a fixed one.
            Some((interval, "HighLevel answered 429 (rate limited)"))
        } else if headers.remaining == Some(0) {
            // The server's count is ahead of ours (another client on the location, or a
            // previous run): give the window one request's worth of time to drain.
            Some((interval / max.max(1), "HighLevel reports the window full"))
        } else {
            None
        };
        if let Some((hold, reason)) = hold {
            let until = now + hold;
            if state.hold_until.is_none_or(|held| held < until) {
                state.hold_until = Some(until);
                state.hold_reason = reason;
            }
        }
        if let Some(limit) = headers.daily_limit {
            state.daily_limit = Some(limit);
        }
        if let Some(remaining) = headers.daily_remaining {
            state.daily_remaining = Some(remaining);
        }
    }

    /// The limits currently followed: (requests, per interval).
    pub fn limits(&self) -> (u32, Duration) {
        let state = self.lock();
        (state.max, state.interval)
    }

    /// The request rate the limiter sends at, per second.
    pub fn target_rate(&self) -> f64 {
        let state = self.lock();
        f64::from(effective_max(state.max)) / state.interval.as_secs_f64()
    }

    /// The rate HighLevel allows, per second.
    pub fn allowed_rate(&self) -> f64 {
        let state = self.lock();
        f64::from(state.max) / state.interval.as_secs_f64()
    }

    /// Why and for how much longer the server holds the run back, when it does for more than
    /// [`NOTICE_AFTER`] in all (for the progress line).
    pub fn held(&self) -> Option<(&'static str, Duration)> {
        let state = self.lock();
        let now = Instant::now();
        let until = state.hold_until.filter(|until| *until > now)?;
        let announced = state.announced_until.is_some_and(|at| at >= until);
        announced.then_some((state.hold_reason, until - now))
    }

    /// Total time requests spent waiting for the limiter.
    pub fn throttled(&self) -> Duration {
        self.lock().throttled
    }

    /// The daily budget as last reported: (remaining, limit).
    pub fn daily(&self) -> Option<(u64, u64)> {
        let state = self.lock();
        Some((state.daily_remaining?, state.daily_limit?))
    }

    /// Whether the daily budget is down to the reserve.
    pub fn daily_exhausted(&self) -> Option<DailyBudgetReached> {
        let state = self.lock();
        self.daily_budget_reached(&state)
    }

    fn daily_budget_reached(&self, state: &State) -> Option<DailyBudgetReached> {
        let (remaining, limit) = (state.daily_remaining?, state.daily_limit?);
        let reserve = self.reserve.requests(limit);
        (remaining <= reserve).then_some(DailyBudgetReached {
            remaining,
            limit,
            reserve,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is plain numbers, always consistent between statements: a panic elsewhere
        // while holding the lock cannot leave it half-written.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Tells the user once about a wait longer than [`NOTICE_AFTER`], with its reason and length.
fn announce(state: &mut State, now: Instant, wait: Duration, reason: &'static str) {
    if wait < NOTICE_AFTER || state.announced_until.is_some_and(|until| until > now) {
        return;
    }
    state.announced_until = Some(now + wait);
    tracing::warn!(
        wait_s = wait.as_secs(),
        "The run is held back for {} s: {reason}.",
        wait.as_secs_f64().ceil()
    );
}

/// How many requests per interval the limiter allows itself out of the server's `max`.
///
/// A GCRA with a burst of `b` lets `n + b` requests through in any closed window that spans `n`
/// emission intervals, so the steady rate leaves `b` requests of room, and a further 2 % for the
/// spread between a request leaving the limiter and reaching HighLevel (scheduling, the
/// connection pool, the network): every window stays at or under `max - max / 50` (98 of 100)
/// while sending at 96 % of the allowed rate (96 % for a trial token's 25 too).
pub fn effective_max(max: u32) -> u32 {
    max.saturating_sub(burst(max) + max / 50).max(1)
}

/// How many requests the limiter may let through at once (its GCRA burst).
///
/// With a burst of one, every late wake-up is lost for good: a waiter that sleeps a little
/// longer than asked (timers round up to the millisecond, a busy machine wakes tasks late)
/// restarts the schedule from its own late instant, and the achieved rate fell ~7 % below the
/// target (0.90 of the allowed rate measured at 100 per 2 s). A burst of two absorbs up to one
/// interval of lateness. Small limits (a trial token's 25) keep a burst of one: the request of
/// room it costs is 4 % of their rate.
pub fn burst(max: u32) -> u32 {
    if max >= 50 {
        2
    } else {
        1
    }
}

fn gcra(max: u32, interval: Duration, clock: TokioClock) -> Gcra {
    let per = effective_max(max);
    let period = (interval / per).max(Duration::from_micros(1));
    let burst = NonZeroU32::new(burst(max)).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst);
    RateLimiter::direct_with_clock(quota, clock)
}

// `Nanos` must be a governor clock reference for `TokioClock`; this keeps the bound checked here.
const _: fn() = || {
    fn assert_reference<T: Reference>() {}
    assert_reference::<Nanos>();
};

#[cfg(test)]
mod tests {
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

    #[tokio::test(start_paused = true)]
    async fn never_exceeds_the_limit_in_any_window_and_stays_near_it() {
        let limiter =
            Limiter::with_limits(100, Duration::from_secs(2), DailyReserve::Fraction(0.01));
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..1_000 {
            limiter.acquire().await.unwrap();
            times.push(Instant::now() - start);
        }
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
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..60 {
            limiter.acquire().await.unwrap();
            times.push(Instant::now() - start);
        }
        assert!(busiest_window(&times, Duration::from_secs(10)) <= 25);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_every_sender_for_a_whole_interval() {
        let limiter =
            Limiter::with_limits(100, Duration::from_secs(10), DailyReserve::Fraction(0.01));
        limiter.acquire().await.unwrap();
        let at = Instant::now();
        limiter.observe(&RateLimitHeaders::default(), true);
        limiter.acquire().await.unwrap();
        assert!(Instant::now() - at >= Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn stops_at_the_daily_reserve() {
        let limiter = Limiter::new(DailyReserve::Fraction(0.01));
        let report = |remaining| RateLimitHeaders {
            daily_limit: Some(200_000),
            daily_remaining: Some(remaining),
            ..RateLimitHeaders::default()
        };
        limiter.observe(&report(2_001), false);
        assert!(limiter.acquire().await.is_ok());
        limiter.observe(&report(2_000), false);
        let reached = limiter.acquire().await.unwrap_err();
        assert_eq!(reached.reserve, 2_000);
        assert!(limiter.daily_exhausted().is_some());
    }

    #[test]
    fn effective_max_keeps_a_margin() {
        assert_eq!(effective_max(100), 96);
        assert_eq!(effective_max(25), 24);
        assert_eq!(effective_max(1), 1);
        for max in [1, 2, 10, 25, 50, 100, 200, 1_000] {
            let worst = effective_max(max) + burst(max);
            assert!(worst <= max.max(2), "{max}: the worst window fits");
            if max >= 50 {
                assert!(worst < max, "{max}: with room for the arrival spread");
            }
        }
    }

    /// Senders that come back late (a busy machine, timers rounded up to the millisecond) must
    /// not drag the rate down: the burst absorbs their lateness.
    #[tokio::test(start_paused = true)]
    async fn late_senders_keep_the_rate_and_the_limit() {
        let limiter =
            Limiter::with_limits(100, Duration::from_secs(2), DailyReserve::Fraction(0.01));
        let start = Instant::now();
        let mut times = Vec::new();
        for n in 0..1_000u64 {
            limiter.acquire().await.unwrap();
            times.push(Instant::now() - start);
            // 0–3 ms late, as measured against the sandbox on this machine.
            tokio::time::sleep(Duration::from_micros((n * 7_919) % 3_000)).await;
        }
        assert!(busiest_window(&times, Duration::from_secs(2)) <= 99);
        let rate = 999.0 / times.last().unwrap().as_secs_f64();
        assert!(
            rate >= 0.96 * 50.0,
            "rate {rate:.2}/s fell with late senders"
        );
    }
}
