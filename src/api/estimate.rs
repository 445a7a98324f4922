//! What a command is about to send, said before it sends it: how many requests, and how long
//! they take at the rate limit the API reports (learned from a first, small request).
//!
//! Every command that sends requests prints one [`Estimate`] before its first write; its
//! `--dry-run` prints only that. The time is a floor: it assumes the limiter's steady rate
//! and no retries, and it says so when the day's budget will not cover the work.

use std::fmt;
use std::time::Duration;

use super::limiter::{effective_max, Limiter};

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
        f64::from(effective_max(self.max)) / self.interval.as_secs_f64().max(f64::EPSILON)
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
    /// One line: `Estimate: 1,234 requests, about 2 min 9 s at the limit the API reports (100
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

/// `n` things in words: `1 request`, `2 requests`, `1,234 rows` (issue 13 item 11: "1 requests"
/// and `199734` beside `199,906` on the same screen).
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration as a person reads it: `45 s`, `2 min 9 s`, `3 h 20 min`, `under 1 s`.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs_f64().round() as u64;
    match secs {
        0 if d.is_zero() => "0 s".to_string(),
        0 => "under 1 s".to_string(),
        1..=59 => format!("{secs} s"),
        60..=3599 if secs.is_multiple_of(60) => format!("{} min", secs / 60),
        60..=3599 => format!("{} min {} s", secs / 60, secs % 60),
        _ if secs % 3600 < 60 => format!("{} h", secs / 3600),
        _ => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
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
        // 96 of 100 per 10 s: 9.6 requests a second.
        assert_eq!(estimate(960, None).duration(), Duration::from_secs(100));
        assert_eq!(
            estimate(1234, None).to_string(),
            "Estimate: 1,234 requests, about 2 min 9 s at the limit the API reports (100 per 10 s)."
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

    #[test]
    fn durations_read_like_a_person_writes_them() {
        assert_eq!(human(Duration::ZERO), "0 s");
        assert_eq!(human(Duration::from_millis(300)), "under 1 s");
        assert_eq!(human(Duration::from_secs(45)), "45 s");
        assert_eq!(human(Duration::from_secs(120)), "2 min");
        assert_eq!(human(Duration::from_secs(3 * 3600 + 20 * 60)), "3 h 20 min");
        assert_eq!(human(Duration::from_secs(7200 + 5)), "2 h");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(counted(1, "request", "requests"), "1 request");
        assert_eq!(counted(0, "request", "requests"), "0 requests");
        assert_eq!(counted(199_734, "row", "rows"), "199,734 rows");
    }
}
