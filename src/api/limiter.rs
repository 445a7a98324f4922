//! The location's rate limiter: the pacer (`pacer`) for the steady rate, corrected by the
//! `X-RateLimit-*` headers HighLevel sends on every response, and the daily budget.
//!
//! The headers are the truth: the limiter starts at the documented 100 requests / 10 s and
//! switches to whatever `X-RateLimit-Max` / `X-RateLimit-Interval-Milliseconds` say (a trial
//! token's 25 / 10 s is picked up from the first response, no flag needed). Every clock read and
//! sleep goes through tokio time, so tests run on paused time. The headers arrive clamped
//! (`limit_headers`); a wait of more than [`NOTICE_AFTER`] is told to the user with its reason.
//!
//! What it guarantees (the pacer's note says why): at most `max` requests leave in any stretch
//! of the window plus a spread (40 ms at 1–2 s windows, 4 % of shorter ones, 1.5 % of longer
//! ones), sent evenly at `max / (window + spread)`; a request that arrives with the window full
//! (remaining 0, where even spacing leaves room) or a 429 widens the spread and holds every
//! sender (one send interval, or the whole window on a 429).

use super::pacer::Pacer;
use std::sync::{Mutex, MutexGuard};
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

struct State {
    max: u32,
    interval: Duration,
    pacer: Pacer,
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
    reserve: DailyReserve,
    /// Waiters queue here one at a time (FIFO), so a crowd of tasks does not wake together.
    turn: tokio::sync::Mutex<()>,
    state: Mutex<State>,
}

/// The most a stale answer's daily remaining can exceed a newer one's: the requests in flight
/// between them (bounded far below this); a larger rise is the budget reset for a new day.
const STALE_RISE: u64 = 1_000;

impl Limiter {
    /// A limiter at the documented defaults until the first response says otherwise.
    pub fn new(reserve: DailyReserve) -> Self {
        Self::with_limits(DEFAULT_MAX, DEFAULT_INTERVAL, reserve)
    }

    /// A limiter starting from given limits.
    pub fn with_limits(max: u32, interval: Duration, reserve: DailyReserve) -> Self {
        let state = State {
            max,
            interval,
            pacer: Pacer::new(max, interval),
            hold_until: None,
            daily_limit: None,
            daily_remaining: None,
            throttled: Duration::ZERO,
            hold_reason: "",
            announced_until: None,
            warned_nonsense: false,
        };
        Limiter {
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
                    _ => {
                        let at = state.pacer.earliest(now);
                        if at <= now {
                            state.pacer.record(now);
                            return Ok(());
                        }
                        (at - now, "the rate limit the API reports")
                    }
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
            state.pacer.set_limits(max, interval);
        }
        let now = Instant::now();
        let hold = if throttled {
            // A 429: the window is full. Wait for a whole interval, as the official SDK does:
            // that empties a sliding window and passes the boundary of a fixed one.
            state.pacer.widen(now, true);
            tracing::debug!(
                spread_ms = state.pacer.spread().as_millis() as u64,
                "429: the pacer's spread widens."
            );
            Some((interval, "HighLevel answered 429 (rate limited)"))
        } else if headers.remaining == Some(0) && state.pacer.expects_room() {
            // The server's count is ahead of ours: arrivals bunched more than the spread allows
            // (or another client shares the location). Widen the spread and give the window
            // one send interval to drain.
            state.pacer.widen(now, false);
            tracing::debug!(
                spread_ms = state.pacer.spread().as_millis() as u64,
                "The window was full when a request arrived: the pacer's spread widens."
            );
            Some((state.pacer.period(), "HighLevel reports the window full"))
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
            state.daily_remaining = Some(match state.daily_remaining {
                // Answers arrive out of order: one sent earlier, read later, reports more left
                // than a newer one already did. Within a day the budget only falls, so a rise
                // is stale unless it is a new day's budget (far more than the requests that can
                // be in flight at once).
                Some(known) if remaining > known && remaining - known <= STALE_RISE => known,
                _ => remaining,
            });
        }
    }

    /// The limits currently followed: (requests, per interval).
    pub fn limits(&self) -> (u32, Duration) {
        let state = self.lock();
        (state.max, state.interval)
    }

    /// The request rate the limiter sends at, per second.
    pub fn target_rate(&self) -> f64 {
        self.lock().pacer.rate()
    }

    /// The margin in time the pacer keeps between the server's window and its own.
    pub fn spread(&self) -> Duration {
        self.lock().pacer.spread()
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

#[cfg(test)]
mod tests;
