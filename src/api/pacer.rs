//! When the next request may leave: requests spaced evenly at the allowed rate, under a hard cap
//! of `max` sends in any stretch of `interval + spread` (a log of the send times), where the
//! spread is a margin in time that widens when the server reports its window full.
//!
//! What it guarantees: in any half-open stretch of `interval + spread` the pacer lets at most
//! `max` requests go, whatever the senders do (late wake-ups, bursts after a pause). If every
//! request reaches the server between `a` and `a + spread` after it left (loopback and a network
//! that delays all requests alike), then every window of `interval` the server counts, sliding
//! or fixed, holds at most `max` of our requests, so the server never answers 429 to us alone.
//! The steady rate is `max / (interval + spread)`: at 50 / 1 s with the 40 ms base spread,
//! 0.96 of the allowed rate; at 100 / 10 s with 150 ms, 0.985.
//!
//! Why a spread and not a share of the rate: HighLevel counts requests when they *arrive*, we
//! can only time them when they *leave*. What separates the two is scheduling and network
//! jitter, a length of time that does not scale with the window; a margin of 4 % of the rate is
//! 400 ms at 10 s (plenty) but 40 ms at 1 s, and at 1 s the margin is all the jitter the pacer
//! can absorb. When the answers say the window was full when a request arrived (remaining 0,
//! where even spacing leaves room: [`Pacer::expects_room`]) or a 429 comes, the jitter was
//! bigger than the spread allows for: it widens by half a send interval (a full one on a 429),
//! up to a tenth of the window, and narrows back one step per quiet window. The safer reading of an undocumented window kind (ghl-api.md §8): sliding, which holds
//! every fixed window too.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::time::Instant;

/// The margin between the server's window and ours on windows of a second or two: the jitter
/// between a request leaving and arriving that the pacer absorbs without a word from the server.
pub const BASE_SPREAD: Duration = Duration::from_millis(40);

/// The base spread for a window: [`BASE_SPREAD`], but at most 4 % of a window under a second
/// and 1.5 % of a long one (150 ms at 10 s, still 0.985 of the allowed rate).
pub fn base_spread(interval: Duration) -> Duration {
    BASE_SPREAD.min(interval / 25).max(interval.mul_f64(0.015))
}

/// Requests per second a fresh pacer keeps at these limits (for estimates).
pub fn steady_rate(max: u32, interval: Duration) -> f64 {
    Pacer::new(max, interval).rate()
}

/// How late a sleeping sender wakes at most for the timer's sake: tokio's timer wheel ticks in
/// milliseconds, so a wait shorter than that lasts until the next tick.
const TIMER_TICK: Duration = Duration::from_millis(1);

/// The widest spread: a tenth of the window (the rate never falls below 0.9 of the allowed one
/// for the margin's sake).
fn max_spread(interval: Duration) -> Duration {
    interval / 10
}

/// The pacing state of one location.
#[derive(Debug, Clone)]
pub struct Pacer {
    max: u32,
    interval: Duration,
    spread: Duration,
    /// The earliest instant the next request may leave by even spacing.
    next_at: Option<Instant>,
    /// Send times still inside the last `interval + spread` (at most `max` kept).
    sent: VecDeque<Instant>,
    /// When the spread last widened, or narrowed: it narrows one step per quiet window.
    changed_at: Option<Instant>,
}

impl Pacer {
    /// A pacer for `max` requests per `interval` (both clamped upstream to sane ranges).
    pub fn new(max: u32, interval: Duration) -> Self {
        Pacer {
            max: max.max(1),
            interval,
            spread: base_spread(interval),
            next_at: None,
            sent: VecDeque::new(),
            changed_at: None,
        }
    }

    /// Follows new limits; the sends already made keep counting.
    pub fn set_limits(&mut self, max: u32, interval: Duration) {
        if (max.max(1), interval) == (self.max, self.interval) {
            return;
        }
        self.max = max.max(1);
        self.interval = interval;
        // A spread widened for another window says nothing about this one (and the default
        // 10 s window's 150 ms, kept, held the first 12 s of a 50 / 1 s run at 0.94).
        self.spread = base_spread(interval);
        self.changed_at = None;
    }

    /// The margin in time currently kept.
    pub fn spread(&self) -> Duration {
        self.spread
    }

    /// The stretch of time in which at most `max` requests leave.
    fn span(&self) -> Duration {
        self.interval + self.spread
    }

    /// The even spacing between two sends.
    pub fn period(&self) -> Duration {
        (self.span() / self.max).max(Duration::from_micros(1))
    }

    /// Whether evenly spaced sends leave room in every window of the server's (`max - 1` send
    /// intervals span the window): then a window reported full means the arrivals bunched.
    /// With a spread under one send interval (a trial token's 25 / 10 s) a full window is the
    /// normal state and says nothing.
    pub fn expects_room(&self) -> bool {
        self.period() * (self.max - 1) >= self.interval
    }

    /// Requests per second in steady state.
    pub fn rate(&self) -> f64 {
        f64::from(self.max) / self.span().as_secs_f64()
    }

    /// The earliest instant, not before `now`, at which one more request may leave.
    pub fn earliest(&self, now: Instant) -> Instant {
        let spaced = self.next_at.unwrap_or(now);
        let capped = match self.sent.len().checked_sub(self.max as usize) {
            // The oldest of the last `max` sends must be a whole span old.
            Some(skip) => self
                .sent
                .get(skip)
                .map_or(now, |oldest| *oldest + self.span()),
            None => now,
        };
        spaced.max(capped).max(now)
    }

    /// Records a request leaving at `now` (the caller checked [`Pacer::earliest`]).
    pub fn record(&mut self, now: Instant) {
        let period = self.period();
        // A sender that woke late may go again one period early, so lateness is not lost for
        // good; the log, not the spacing, keeps the limit. Two periods (tried, issue 15 in
        // docs/BENCHMARKS.md) bunched the sends: sliding windows reported full more often and
        // the widened spread cost more than the catch-up won. Under a millisecond a period is
        // shorter than the timer's tick, which every sleeping sender overshoots: the catch-up is
        // then a tick, or the rate would be two sends per tick whatever the limit (1,800/s at
        // 10,000 / 1 s, issue 20). Real limits (100 / 10 s) space sends far wider than a tick.
        let catch_up = period.max(TIMER_TICK);
        let base = self.next_at.map_or(now, |next| {
            next.max(now.checked_sub(catch_up).unwrap_or(now))
        });
        self.next_at = Some(base + period);
        self.sent.push_back(now);
        let span = self.span();
        while self.sent.len() > self.max as usize
            || self
                .sent
                .front()
                .is_some_and(|first| now.saturating_duration_since(*first) >= span)
        {
            self.sent.pop_front();
        }
        self.relax(now);
    }

    /// The server counted a full window (remaining 0, or a 429 when `throttled`): the arrivals
    /// were bunched more than the spread allows for; widen it.
    pub fn widen(&mut self, now: Instant, throttled: bool) {
        let step = if throttled {
            self.period()
        } else {
            self.period() / 2
        };
        let widest = max_spread(self.interval).max(base_spread(self.interval));
        self.spread = (self.spread + step).min(widest);
        self.changed_at = Some(now);
    }

    /// One narrowing step back towards the base spread per window without a full one.
    fn relax(&mut self, now: Instant) {
        let base = base_spread(self.interval);
        if self.spread <= base {
            return;
        }
        let since = self.changed_at.map_or(self.interval, |at| now - at);
        if since >= self.interval {
            self.spread = self.spread.saturating_sub(self.period() / 4).max(base);
            self.changed_at = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The most of `times` (sorted) inside any half-open stretch of `length`.
    pub(crate) fn busiest(times: &[Duration], length: Duration) -> usize {
        let mut best = 0;
        let mut first = 0;
        for (last, at) in times.iter().enumerate() {
            while *at - times[first] >= length {
                first += 1;
            }
            best = best.max(last + 1 - first);
        }
        best
    }

    /// Sends per second from the first of `times` to the last, once no stretch of 1,040 ms (a
    /// one-second window and the 40 ms spread of the tests' limits) held more than `max`.
    fn rate_within(times: &[Duration], max: usize) -> f64 {
        assert!(busiest(times, Duration::from_millis(1_040)) <= max);
        let last = times.len() - 1;
        last as f64 / times[last].as_secs_f64()
    }

    /// Drives a pacer on paused time: `gaps[n]` is how long the sender takes before asking for
    /// the next request (its lateness); returns the send times from the first.
    fn drive(pacer: &mut Pacer, gaps: &[Duration]) -> Vec<Duration> {
        let start = Instant::now();
        let mut now = start;
        let mut times = Vec::new();
        for gap in gaps {
            now = pacer.earliest(now);
            pacer.record(now);
            times.push(now - start);
            now += *gap;
        }
        times
    }

    #[test]
    fn the_steady_rate_is_the_limit_over_the_window_and_spread() {
        let pacer = Pacer::new(50, Duration::from_secs(1));
        assert_eq!(pacer.spread(), Duration::from_millis(40));
        assert!((pacer.rate() - 50.0 / 1.04).abs() < 1e-9);
        assert!(pacer.expects_room());
        let pacer = Pacer::new(100, Duration::from_secs(10));
        assert_eq!(pacer.spread(), Duration::from_millis(150));
        assert!(pacer.rate() / 10.0 > 0.985);
        assert!(pacer.expects_room());
        assert!(!Pacer::new(25, Duration::from_secs(10)).expects_room());
        assert!(!Pacer::new(1, Duration::from_secs(10)).expects_room());
    }

    #[tokio::test(start_paused = true)]
    async fn eager_senders_get_the_rate_and_never_more_than_max_per_window() {
        let mut pacer = Pacer::new(50, Duration::from_secs(1));
        let times = drive(&mut pacer, &[Duration::ZERO; 3_000]);
        let rate = rate_within(&times, 50);
        assert!(rate / 50.0 > 0.955, "{rate}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_sender_catches_up_one_period_within_the_cap() {
        let mut pacer = Pacer::new(50, Duration::from_secs(1));
        // Every fifth sender wakes 30 ms late: 1.5 periods.
        let gaps: Vec<Duration> = (0..1_000)
            .map(|n| Duration::from_millis(if n % 5 == 4 { 30 } else { 0 }))
            .collect();
        let times = drive(&mut pacer, &gaps);
        let rate = rate_within(&times, 50);
        assert!(rate / 50.0 > 0.93, "{rate}");
    }

    #[tokio::test(start_paused = true)]
    async fn senders_woken_on_the_timer_tick_still_get_a_rate_above_a_thousand() {
        // 10,000 / 1 s: a period of 104 µs, ten to a tick of the timer.
        let mut pacer = Pacer::new(10_000, Duration::from_secs(1));
        let start = Instant::now();
        let mut now = start;
        let mut times = Vec::new();
        for _ in 0..30_000 {
            let at = pacer.earliest(now);
            // A sleep ends on the next whole millisecond after the instant asked for.
            now = if at > now {
                let ticks = (at - start).as_micros().div_ceil(1_000) as u32;
                start + TIMER_TICK * ticks
            } else {
                now
            };
            pacer.record(now);
            times.push(now - start);
        }
        let rate = rate_within(&times, 10_000);
        assert!(rate > 0.9 * pacer.rate(), "{rate} of {}", pacer.rate());
    }

    #[tokio::test(start_paused = true)]
    async fn widens_on_a_full_window_and_narrows_back() {
        let mut pacer = Pacer::new(50, Duration::from_secs(1));
        let now = Instant::now();
        pacer.widen(now, false);
        assert!(pacer.spread() > BASE_SPREAD);
        for _ in 0..20 {
            pacer.widen(now, true);
        }
        assert_eq!(
            pacer.spread(),
            Duration::from_millis(100),
            "capped at a tenth"
        );
        drive(&mut pacer, &[Duration::ZERO; 1_000]);
        assert_eq!(pacer.spread(), BASE_SPREAD);
    }

    #[test]
    fn new_limits_start_from_their_own_base_spread() {
        let mut pacer = Pacer::new(100, Duration::from_secs(10));
        pacer.set_limits(50, Duration::from_secs(1));
        assert_eq!(pacer.spread(), BASE_SPREAD);
        assert!((pacer.rate() - 50.0 / 1.04).abs() < 1e-9);
    }

    #[test]
    fn the_base_spread_is_40_ms_but_four_percent_of_short_windows_and_more_for_long_ones() {
        let ms = Duration::from_millis;
        assert_eq!(base_spread(Duration::from_secs(1)), ms(40));
        assert_eq!(base_spread(ms(500)), ms(20));
        assert_eq!(base_spread(Duration::from_secs(2)), ms(40));
        assert_eq!(base_spread(Duration::from_secs(10)), ms(150));
        assert_eq!(base_spread(Duration::from_secs(60)), ms(900));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever the senders' lateness and each request's trip time (up to the spread), no
        /// window of the server's length, placed anywhere, sees more than `max` arrivals.
        #[test]
        fn no_window_of_arrivals_holds_more_than_max(
            max in 1u32..120,
            interval_ms in 1_000u64..12_000,
            gaps in prop::collection::vec(0u64..40, 50..600),
            trips in prop::collection::vec(0.0f64..1.0, 600),
            widen_at in prop::option::of(0usize..600),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap();
            let interval = Duration::from_millis(interval_ms);
            let (sends, spread) = runtime.block_on(async {
                let mut pacer = Pacer::new(max, interval);
                let start = Instant::now();
                let mut now = start;
                let mut sends = Vec::new();
                for (n, gap) in gaps.iter().enumerate() {
                    if widen_at == Some(n) {
                        pacer.widen(now, n % 2 == 0);
                    }
                    now = pacer.earliest(now);
                    pacer.record(now);
                    sends.push((now - start, pacer.spread()));
                    now += Duration::from_millis(*gap * interval_ms / 1_000);
                }
                (sends, base_spread(interval))
            });
            let times: Vec<Duration> = sends.iter().map(|(at, _)| *at).collect();
            prop_assert!(busiest(&times, interval + spread) <= max as usize);
            // Each request arrives after a trip of up to the base spread (the narrowest).
            let mut arrivals: Vec<Duration> = times
                .iter()
                .zip(&trips)
                .map(|(at, share)| *at + spread.mul_f64(*share))
                .collect();
            arrivals.sort();
            prop_assert!(busiest(&arrivals, interval) <= max as usize);
        }
    }
}
