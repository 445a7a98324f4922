//! What a command is about to send, said before it sends it: how many requests, and how long
//! they take at the rate limit the API reports (learned from a first, small request).
//!
//! Every command that sends requests prints one [`Estimate`] before its first write; its
//! `--dry-run` prints only that. The time is a floor: it assumes the limiter's steady rate
//! and no retries, and it says so when the day's budget will not cover the work.

use std::fmt;
use std::time::Duration;

use super::limiter::Limiter;
use super::pacer;
use crate::format::{human, thousands};

/// The requests a command plans to send, and the limits they will be sent within.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Requests the command will send (a floor: retries come on top).
    pub requests: u64,
    /// The API's limit: `max` requests per `interval`.
    pub max: u32,
    /// The API's window.
    pub interval: Duration,
    /// Requests left today, and the day's limit, when the API reported them.
    pub daily: Option<(u64, u64)>,
}

impl Estimate {
    /// An estimate for `requests` at the limits `limiter` currently follows.
    pub fn new(requests: u64, limiter: &Limiter) -> Self {
        let (max, interval) = limiter.limits();
        Estimate {
            requests,
            max,
            interval,
            daily: limiter.daily(),
        }
    }

    /// Requests per second the limiter sends at (a little under the API's limit).
    pub fn rate(&self) -> f64 {
        pacer::steady_rate(self.max, self.interval)
    }

    /// Time the requests take at [`Estimate::rate`].
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.requests as f64 / self.rate())
    }

    /// Whether today's remaining budget is smaller than the work.
    pub fn exceeds_daily(&self) -> bool {
        matches!(self.daily, Some((remaining, _)) if remaining < self.requests)
    }
}

impl fmt::Display for Estimate {
    /// One line: `Estimate: 1,234 requests, about 2 min 5 s at the limit the API reports (100
    /// per 10 s).` plus the day's budget when known.
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        // "about under 1 s" said nothing twice (issue 13 item 11): a bound needs no "about".
        let time = match human(self.duration()) {
            bound if bound == "under 1 s" || bound == "0 s" => bound,
            time => format!("about {time}"),
        };
        write!(
            out,
            "Estimate: {} request{}, {time} at the limit the API reports ({} per {})",
            thousands(self.requests),
            if self.requests == 1 { "" } else { "s" },
            self.max,
            human(self.interval),
        )?;
        match self.daily {
            Some((remaining, limit)) if self.exceeds_daily() => write!(
                out,
                "; only {} of today's {} are left: the run will stop at the daily budget and \
                 can be resumed tomorrow",
                thousands(remaining),
                thousands(limit)
            )?,
            Some((remaining, limit)) => write!(
                out,
                "; {} of today's {} left",
                thousands(remaining),
                thousands(limit)
            )?,
            None => {}
        }
        out.write_str(".")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(requests: u64, daily: Option<(u64, u64)>) -> Estimate {
        Estimate {
            requests,
            max: 100,
            interval: Duration::from_secs(10),
            daily,
        }
    }

    #[test]
    fn time_is_at_the_limiters_steady_rate() {
        // 100 per 10 s plus the pacer's 150 ms spread: 100 requests every 10.15 s.
        let took = estimate(1_000, None).duration().as_secs_f64();
        assert!((took - 101.5).abs() < 0.001, "{took}");
        assert_eq!(
            estimate(1234, None).to_string(),
            "Estimate: 1,234 requests, about 2 min 5 s at the limit the API reports (100 per 10 s)."
        );
    }

    #[test]
    fn the_daily_budget_is_stated_and_a_short_one_is_flagged() {
        let fits = estimate(1, Some((199_000, 200_000)));
        assert!(!fits.exceeds_daily());
        assert!(fits
            .to_string()
            .ends_with("1 request, under 1 s at the limit the API reports (100 per 10 s); 199,000 of today's 200,000 left."));
        let short = estimate(250_000, Some((199_000, 200_000)));
        assert!(short.exceeds_daily());
        assert!(short.to_string().contains("stop at the daily budget"));
    }
}
