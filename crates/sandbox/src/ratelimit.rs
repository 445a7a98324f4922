//! Per-location rate limits: a burst limit (fixed or sliding window) and a daily allowance, the
//! five `X-RateLimit-*` header values, and the `max_in_window` measurement.
//!
//! `max_in_window` is always measured as a *sliding* count — the most admitted requests inside
//! any interval of the burst length — even when the limiter itself runs fixed windows. A client
//! that spends a full window just before a fixed boundary and another just after it gets up to
//! twice the limit through in one interval; HighLevel does not document its window kind
//! (ghl-api.md §8), so a benchmark must be able to see that.

use crate::config::{RateLimitConfig, WindowMode};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

/// The header values of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Headers {
    pub max: u64,
    pub interval_ms: u64,
    pub remaining: u64,
    pub daily_limit: u64,
    pub daily_remaining: u64,
    /// Seconds until a request would be admitted (only meaningful on a 429).
    pub retry_after_secs: u64,
    /// Whether a burst limit is configured (else the three burst headers are left out).
    pub burst_on: bool,
    /// Whether a daily limit is configured (else the two daily headers are left out).
    pub daily_on: bool,
}

/// The limiter's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Go ahead.
    Admitted(Headers),
    /// 429.
    Rejected(Headers),
}

#[derive(Debug, Default)]
struct Bucket {
    /// Fixed mode: index of the current window and requests admitted in it.
    window_index: u64,
    window_count: u64,
    /// Admitted timestamps within the last interval (sliding limit and the measurement).
    recent: VecDeque<Instant>,
    max_in_window: u64,
    day_index: u64,
    day_count: u64,
}

/// Limits for every location.
#[derive(Debug)]
pub(crate) struct Limiter {
    cfg: RateLimitConfig,
    start: Instant,
    buckets: HashMap<String, Bucket>,
}

const DAY: Duration = Duration::from_secs(86_400);

impl Limiter {
    /// A limiter whose fixed windows and days are aligned to now.
    pub(crate) fn new(cfg: RateLimitConfig) -> Limiter {
        Limiter {
            cfg,
            start: Instant::now(),
            buckets: HashMap::new(),
        }
    }

    /// The configuration.
    pub(crate) fn config(&self) -> &RateLimitConfig {
        &self.cfg
    }

    /// Counts one request of `location` at `now` (admitting it or not).
    pub(crate) fn check(&mut self, location: &str, now: Instant) -> Verdict {
        let cfg = self.cfg.clone();
        let elapsed = now.saturating_duration_since(self.start);
        let b = match self.buckets.get_mut(location) {
            Some(b) => b,
            None => self.buckets.entry(location.to_string()).or_default(),
        };
        let (max, interval) = cfg
            .burst
            .map(|(m, i)| (u64::from(m), i))
            .unwrap_or((u64::MAX, Duration::ZERO));
        let interval_ms = u64::try_from(interval.as_millis()).unwrap_or(u64::MAX);

        // Daily window.
        let day = (elapsed.as_secs_f64() / DAY.as_secs_f64()) as u64;
        if day != b.day_index {
            b.day_index = day;
            b.day_count = 0;
        }
        let daily = cfg.daily.unwrap_or(u64::MAX);

        // Sliding bookkeeping, needed by the measurement in both modes.
        if !interval.is_zero() {
            while b
                .recent
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) >= interval)
            {
                b.recent.pop_front();
            }
        }
        if cfg.window == WindowMode::Fixed && !interval.is_zero() {
            let idx = (elapsed.as_nanos() / interval.as_nanos()) as u64;
            if idx != b.window_index {
                b.window_index = idx;
                b.window_count = 0;
            }
        }
        let used = match cfg.window {
            WindowMode::Fixed => b.window_count,
            WindowMode::Sliding => b.recent.len() as u64,
        };
        let burst_ok = cfg.burst.is_none() || used < max;
        let daily_ok = b.day_count < daily;
        let mut h = Headers {
            max: if cfg.burst.is_some() { max } else { 0 },
            interval_ms,
            remaining: 0,
            daily_limit: cfg.daily.unwrap_or(0),
            daily_remaining: daily.saturating_sub(b.day_count),
            retry_after_secs: 0,
            burst_on: cfg.burst.is_some(),
            daily_on: cfg.daily.is_some(),
        };
        if !(burst_ok && daily_ok) {
            h.remaining = max.saturating_sub(used);
            let wait = if !daily_ok {
                DAY.saturating_sub(Duration::from_secs_f64(
                    elapsed.as_secs_f64() % DAY.as_secs_f64(),
                ))
            } else {
                match cfg.window {
                    WindowMode::Fixed => interval.saturating_sub(Duration::from_nanos(
                        (elapsed.as_nanos() % interval.as_nanos()) as u64,
                    )),
                    WindowMode::Sliding => b
                        .recent
                        .front()
                        .map(|t| interval.saturating_sub(now.saturating_duration_since(*t)))
                        .unwrap_or_default(),
                }
            };
            h.retry_after_secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            return Verdict::Rejected(h);
        }
        b.day_count += 1;
        b.window_count += 1;
        if !interval.is_zero() {
            b.recent.push_back(now);
            b.max_in_window = b.max_in_window.max(b.recent.len() as u64);
        }
        let used = match cfg.window {
            WindowMode::Fixed => b.window_count,
            WindowMode::Sliding => b.recent.len() as u64,
        };
        h.remaining = max.saturating_sub(used);
        h.daily_remaining = daily.saturating_sub(b.day_count);
        Verdict::Admitted(h)
    }

    /// The most admitted requests seen inside one burst interval, over all locations.
    #[cfg(test)]
    pub(crate) fn max_in_window(&self) -> u64 {
        self.buckets
            .values()
            .map(|b| b.max_in_window)
            .max()
            .unwrap_or(0)
    }

    /// The same per location.
    pub(crate) fn max_in_window_by_location(&self) -> HashMap<String, u64> {
        self.buckets
            .iter()
            .map(|(k, b)| (k.clone(), b.max_in_window))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(window: WindowMode) -> Limiter {
        Limiter::new(RateLimitConfig {
            burst: Some((3, Duration::from_secs(1))),
            daily: Some(5),
            window,
            retry_after: false,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn fixed_window_resets_at_the_boundary_and_the_measurement_sees_the_burst() {
        let mut l = limiter(WindowMode::Fixed);
        let t0 = l.start;
        let at = |ms| t0 + Duration::from_millis(ms);
        for ms in [900, 950, 990] {
            assert!(matches!(l.check("L", at(ms)), Verdict::Admitted(_)));
        }
        let Verdict::Rejected(h) = l.check("L", at(995)) else {
            panic!("4th in window must be refused")
        };
        assert_eq!(
            (h.remaining, h.max, h.interval_ms, h.retry_after_secs),
            (0, 3, 1000, 1)
        );
        // New fixed window: admitted again, so 4 land within 1 s of each other.
        assert!(matches!(l.check("L", at(1000)), Verdict::Admitted(_)));
        assert_eq!(l.max_in_window(), 4);
        // Daily allowance of 5.
        assert!(matches!(l.check("L", at(1001)), Verdict::Admitted(h) if h.daily_remaining == 0));
        assert!(matches!(l.check("L", at(2500)), Verdict::Rejected(h) if h.daily_remaining == 0));
    }

    #[tokio::test(start_paused = true)]
    async fn sliding_window_never_admits_more_than_max_in_any_interval() {
        let mut l = Limiter::new(RateLimitConfig {
            daily: None,
            ..limiter(WindowMode::Sliding).cfg
        });
        let t0 = l.start;
        let mut admitted = 0;
        for ms in (0..3000).step_by(10) {
            if let Verdict::Admitted(h) = l.check("L", t0 + Duration::from_millis(ms)) {
                admitted += 1;
                assert!(h.remaining <= 2);
            }
        }
        assert_eq!(l.max_in_window(), 3);
        assert_eq!(admitted, 9);
    }
}
