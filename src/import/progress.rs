//! The progress shown while delivering: a bar on a terminal, a line every ten seconds (and a
//! last one) otherwise. It follows the requests, not only the rows: with tags, rows are done
//! only when their bulk tag call is answered, which comes late by design (fewest requests), so
//! a bar of rows alone sat at 0 and then jumped (issue 13.8). The figures are computed apart
//! from the drawing ([`Figures`]) so that they can be tested.

use crate::api::Client;
use crate::delivery::EngineCounts;
use crate::format::human;
use std::time::Duration;
use tokio::time::Instant;

/// What the progress line says at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub rows_done: u64,
    pub rows_total: u64,
    /// Requests answered since delivery started (429s and retries included).
    pub requests_done: u64,
    /// The estimate's requests, or the answered ones once they pass it (retries, splits).
    pub requests_planned: u64,
    /// Requests per second since delivery started.
    pub rate: f64,
    /// The rate HighLevel allows, per second.
    pub allowed: f64,
    /// Time left at the rate measured (the limiter's target rate in the first seconds).
    pub eta: Duration,
    /// Time the limiter held requests back since delivery started; never more than `elapsed`.
    pub throttled: Duration,
    pub elapsed: Duration,
    /// The server is holding the run back: why, and for how much longer.
    pub held: Option<(&'static str, Duration)>,
}

/// What a run's figures are measured from.
#[derive(Debug, Clone, Copy)]
pub struct Baseline {
    pub started: Instant,
    pub rows_total: u64,
    pub requests_planned: u64,
    /// The client's counters when delivery started (the probe and the custom fields read).
    pub requests_before: u64,
    pub throttled_before: Duration,
}

/// The counters read at one instant.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    pub rows_done: u64,
    pub requests: u64,
    pub throttled: Duration,
    pub target_rate: f64,
    pub allowed: f64,
    /// The limit's window: a rate is never taken over less (see `Baseline::figures`).
    pub window: Duration,
    pub held: Option<(&'static str, Duration)>,
}

impl Baseline {
    /// The figures for `reading` taken at `now`.
    pub fn figures(&self, reading: &Reading, now: Instant) -> Figures {
        let elapsed = now.saturating_duration_since(self.started);
        let requests_done = reading.requests.saturating_sub(self.requests_before);
        let requests_planned = self.requests_planned.max(requests_done);
        let secs = elapsed.as_secs_f64();
        // Over at least one window of the limit, as the API counts: 20 requests in the first
        // half second are 2 req/s of a 100-per-10-s limit, not 40 (issue 13 item 11).
        let over = secs.max(reading.window.as_secs_f64());
        let rate = if over > 0.0 {
            requests_done as f64 / over
        } else {
            0.0
        };
        // The first seconds' rate says little (a burst, the pool filling): the limiter's target
        // is the better guess until then.
        let pace = if secs >= 5.0 && rate > 0.0 {
            rate
        } else {
            reading.target_rate
        };
        let left = requests_planned - requests_done;
        let eta = if pace > 0.0 && left > 0 {
            Duration::from_secs_f64((left as f64 / pace).min(1e7))
        } else {
            Duration::ZERO
        };
        Figures {
            rows_done: reading.rows_done,
            rows_total: self.rows_total,
            requests_done,
            requests_planned,
            rate,
            allowed: reading.allowed,
            eta,
            throttled: reading
                .throttled
                .saturating_sub(self.throttled_before)
                .min(elapsed),
            elapsed,
            held: reading.held,
        }
    }
}

impl Figures {
    /// The words after the bar (or the whole line without one).
    pub fn message(&self) -> String {
        let mut text = format!(
            "{}/{} rows, {}/{} requests, {:.1} req/s of {:.1} allowed, ETA {}, throttled {} of {}",
            self.rows_done,
            self.rows_total,
            self.requests_done,
            self.requests_planned,
            self.rate,
            self.allowed,
            human(self.eta),
            human(self.throttled),
            human(self.elapsed),
        );
        if let Some((reason, left)) = self.held {
            text.push_str(&format!(" (held back: {reason}, {} left)", human(left)));
        }
        text
    }
}

/// Progress while delivering: a bar on a terminal, a line every ten seconds otherwise.
pub(super) struct Progress {
    shown: crate::run::progress::Progress,
    baseline: Baseline,
}

impl Progress {
    pub(super) fn new(
        bar: bool,
        lines: bool,
        rows_total: u64,
        requests_planned: u64,
        client: &Client,
    ) -> Self {
        Progress {
            shown: crate::run::progress::Progress::bar(
                bar,
                lines,
                requests_planned.max(1),
                "{bar:30} {msg}",
            ),
            baseline: Baseline {
                started: Instant::now(),
                rows_total,
                requests_planned,
                requests_before: client.stats().snapshot().total,
                throttled_before: client.limiter().throttled(),
            },
        }
    }

    fn figures(&self, counts: &EngineCounts, client: &Client) -> Figures {
        let limiter = client.limiter();
        let reading = Reading {
            rows_done: counts.done(),
            requests: client.stats().snapshot().total,
            throttled: limiter.throttled(),
            target_rate: limiter.target_rate(),
            allowed: limiter.allowed_rate(),
            window: limiter.limits().1,
            held: limiter.held(),
        };
        self.baseline.figures(&reading, Instant::now())
    }

    /// This location's figures on the board of a run over many locations.
    pub(super) fn report(
        &self,
        slot: &crate::run::board::Slot,
        counts: &EngineCounts,
        client: &Client,
    ) {
        let figures = self.figures(counts, client);
        slot.report(figures.rows_done, figures.rows_total, figures.requests_done);
    }

    pub(super) fn update(&self, counts: &EngineCounts, client: &Client) {
        if self.shown.has_bar() {
            let figures = self.figures(counts, client);
            self.shown.set_length(figures.requests_planned.max(1));
            self.shown.set_position(figures.requests_done);
            self.shown.set_message(figures.message());
        } else if self.shown.line_due() {
            eprintln!("Delivering: {}.", self.figures(counts, client).message());
        }
    }

    /// Clears the bar; without one, prints the last figures (a line a log keeps).
    pub(super) fn finish(&self, counts: Option<&EngineCounts>, client: &Client) {
        if self.shown.has_bar() {
            self.shown.finish();
        } else if let (true, Some(counts)) = (self.shown.shows_lines(), counts) {
            eprintln!("Delivered: {}.", self.figures(counts, client).message());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline(started: Instant) -> Baseline {
        Baseline {
            started,
            rows_total: 400,
            requests_planned: 405,
            requests_before: 2,
            throttled_before: Duration::from_secs(3),
        }
    }

    fn reading(rows_done: u64, requests: u64, throttled: u64) -> Reading {
        Reading {
            rows_done,
            requests,
            throttled: Duration::from_secs(throttled),
            target_rate: 9.6,
            allowed: 10.0,
            window: Duration::from_secs(10),
            held: None,
        }
    }

    /// Issue 13 item 11: a short run's rate is taken over the limit's window, as the API
    /// counts it, so 20 requests in half a second never read as 40 req/s "of 10 allowed".
    #[test]
    fn a_short_run_is_paced_over_the_limits_window() {
        let start = Instant::now();
        let figures =
            baseline(start).figures(&reading(20, 22, 3), start + Duration::from_millis(500));
        assert!((figures.rate - 2.0).abs() < 1e-9, "{}", figures.rate);
        assert!(figures.message().contains("2.0 req/s of 10.0 allowed"));
    }

    /// 13.8: rows wait for their tag call, but the requests move; ETA follows the plan.
    #[test]
    fn requests_move_while_rows_wait_for_their_tags() {
        let start = Instant::now();
        let at = start + Duration::from_secs(30);
        let figures = baseline(start).figures(&reading(0, 302, 25), at);
        assert_eq!(figures.rows_done, 0);
        assert_eq!(
            figures.requests_done, 300,
            "the probe before delivery is not counted"
        );
        assert_eq!(figures.requests_planned, 405);
        assert!((figures.rate - 10.0).abs() < 1e-9);
        assert_eq!(figures.eta, Duration::from_secs_f64(105.0 / 10.0));
        assert_eq!(figures.throttled, Duration::from_secs(22));
        let message = figures.message();
        assert!(message.contains("0/400 rows"), "{message}");
        assert!(message.contains("300/405 requests"), "{message}");
        assert!(message.contains("10.0 req/s of 10.0 allowed"), "{message}");
    }

    /// 13.8: "throttled" can never exceed the time elapsed; a plan passed (retries) is not
    /// left behind; the first seconds use the limiter's rate for the ETA.
    #[test]
    fn throttled_time_and_plan_stay_truthful() {
        let start = Instant::now();
        let figures = baseline(start).figures(&reading(10, 12, 60), start + Duration::from_secs(2));
        assert_eq!(figures.throttled, Duration::from_secs(2));
        assert_eq!(figures.eta, Duration::from_secs_f64(395.0 / 9.6));
        let past_plan =
            baseline(start).figures(&reading(400, 502, 4), start + Duration::from_secs(50));
        assert_eq!(past_plan.requests_planned, 500);
        assert_eq!(past_plan.eta, Duration::ZERO);
        let held = Figures {
            held: Some((
                "HighLevel answered 429 (rate limited)",
                Duration::from_secs(8),
            )),
            ..past_plan
        };
        assert!(held.message().contains("held back: HighLevel answered 429"));
    }
}
