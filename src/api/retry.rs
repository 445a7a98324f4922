//! The one retry policy: what a response or a transport error means (classify), how long to wait
//! before trying again (full-jitter exponential backoff, capped), and a retry budget so a failing
//! API cannot set off a storm of retries.

use reqwest::StatusCode;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// What happened to one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The server answered with this status.
    Status(StatusCode),
    /// No connection was made: the request was certainly not processed.
    ConnectFailed,
    /// The request may have reached the server, but no answer came in time.
    TimedOut,
    /// The connection broke after the request may have been sent.
    Broken,
}

/// Whether a request may be sent twice without harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads, upserts, updates, tag additions: resending ends in the same state.
    Safe,
    /// Creates (contacts, notes, tasks): a resend after an unknown outcome may make a second one.
    Unsafe,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Done: hand the response to the caller (success or a final error status).
    Done,
    /// Transient trouble: back off, then resend through the limiter.
    Backoff,
    /// Rate limited: the limiter holds for the window; resend through it.
    Throttled,
    /// 401: refresh the OAuth token once, then resend.
    Reauthenticate,
    /// The outcome is unknown and the request is not safe to resend: the caller must resolve it.
    InDoubt,
}

/// Classifies one attempt.
pub fn classify(attempt: Attempt, idempotency: Idempotency) -> Action {
    match attempt {
        Attempt::Status(status) if status == StatusCode::TOO_MANY_REQUESTS => Action::Throttled,
        Attempt::Status(status) if status == StatusCode::UNAUTHORIZED => Action::Reauthenticate,
        // 501 Not Implemented will not change on a resend.
        Attempt::Status(status)
            if status.is_server_error() && status != StatusCode::NOT_IMPLEMENTED =>
        {
            // A 5xx on a create may come after the write (HighLevel issue #64: a create that
            // errored had still created the contact), so it is in doubt like a timeout.
            match idempotency {
                Idempotency::Safe => Action::Backoff,
                Idempotency::Unsafe => Action::InDoubt,
            }
        }
        Attempt::Status(StatusCode::REQUEST_TIMEOUT) => Action::Backoff,
        Attempt::Status(_) => Action::Done,
        Attempt::ConnectFailed => Action::Backoff,
        Attempt::TimedOut | Attempt::Broken => match idempotency {
            Idempotency::Safe => Action::Backoff,
            Idempotency::Unsafe => Action::InDoubt,
        },
    }
}

/// Backoff and budget settings.
#[derive(Debug, Clone)]
pub struct RetryConfig {
    /// Attempts per request, the first included (429s are counted separately).
    pub max_attempts: u32,
    /// How many 429s one request may meet before it fails.
    pub max_throttled: u32,
    /// The first backoff's upper bound.
    pub base_delay: Duration,
    /// No backoff is longer than this.
    pub max_delay: Duration,
    /// Retry tokens available when the run starts; each retry spends [`RETRY_COST`], each
    /// success gives one back, up to this ceiling.
    pub budget: i64,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 6,
            max_throttled: 30,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            budget: 500,
        }
    }
}

/// What a retry costs from the budget (AWS SDK's standard strategy uses the same numbers).
pub const RETRY_COST: i64 = 5;

/// The retry policy shared by every request of a run.
pub struct RetryPolicy {
    config: RetryConfig,
    tokens: AtomicI64,
    rng: Mutex<fastrand::Rng>,
}

impl RetryPolicy {
    /// A policy with its budget full; `seed` makes the jitter reproducible in tests.
    pub fn new(config: RetryConfig, seed: u64) -> Self {
        let tokens = AtomicI64::new(config.budget);
        RetryPolicy {
            config,
            tokens,
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
        }
    }

    /// The settings.
    pub fn config(&self) -> &RetryConfig {
        &self.config
    }

    /// Full jitter: a uniform delay in `[0, min(max_delay, base × 2^(retry−1))]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(20);
        let ceiling = self
            .config
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.config.max_delay);
        let share = self.rng.lock().map(|mut rng| rng.f64()).unwrap_or(1.0);
        ceiling.mul_f64(share)
    }

    /// Takes the tokens for one retry; false when the budget is spent (stop retrying).
    pub fn try_spend(&self) -> bool {
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
                (tokens >= RETRY_COST).then_some(tokens - RETRY_COST)
            })
            .is_ok()
    }

    /// Gives one token back after a success.
    pub fn refund(&self) {
        let ceiling = self.config.budget;
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
                (tokens < ceiling).then_some(tokens + 1)
            });
    }

    /// Tokens left.
    pub fn tokens(&self) -> i64 {
        self.tokens.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Attempt {
        Attempt::Status(StatusCode::from_u16(code).unwrap())
    }

    #[test]
    fn every_status_and_error_has_one_action() {
        use Action::*;
        use Idempotency::*;
        let table = [
            (status(200), Safe, Done),
            (status(201), Unsafe, Done),
            (status(400), Safe, Done),
            (status(403), Safe, Done),
            (status(404), Safe, Done),
            (status(422), Unsafe, Done),
            (status(401), Safe, Reauthenticate),
            (status(429), Safe, Throttled),
            (status(429), Unsafe, Throttled),
            (status(408), Safe, Backoff),
            (status(500), Safe, Backoff),
            (status(502), Safe, Backoff),
            (status(503), Safe, Backoff),
            (status(504), Safe, Backoff),
            (status(500), Unsafe, InDoubt),
            (status(501), Safe, Done),
            (Attempt::ConnectFailed, Safe, Backoff),
            (Attempt::ConnectFailed, Unsafe, Backoff),
            (Attempt::TimedOut, Safe, Backoff),
            (Attempt::TimedOut, Unsafe, InDoubt),
            (Attempt::Broken, Safe, Backoff),
            (Attempt::Broken, Unsafe, InDoubt),
        ];
        for (attempt, idempotency, expected) in table {
            assert_eq!(
                classify(attempt, idempotency),
                expected,
                "{attempt:?} {idempotency:?}"
            );
        }
    }

    #[test]
    fn backoff_is_jittered_and_capped() {
        let policy = RetryPolicy::new(RetryConfig::default(), 7);
        for retry in 1..40 {
            let delay = policy.backoff(retry);
            let ceiling = Duration::from_millis(500)
                .saturating_mul(1 << (retry - 1).min(20))
                .min(Duration::from_secs(30));
            assert!(delay <= ceiling, "retry {retry}: {delay:?} > {ceiling:?}");
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| policy.backoff(5)).collect();
        assert!(spread.len() > 10, "full jitter should spread delays");
    }

    #[test]
    fn the_budget_runs_out_and_refills_slowly() {
        let policy = RetryPolicy::new(
            RetryConfig {
                budget: 12,
                ..RetryConfig::default()
            },
            1,
        );
        assert!(policy.try_spend());
        assert!(policy.try_spend());
        assert!(!policy.try_spend(), "2 tokens left, a retry costs 5");
        for _ in 0..3 {
            policy.refund();
        }
        assert!(policy.try_spend());
        for _ in 0..100 {
            policy.refund();
        }
        assert_eq!(policy.tokens(), 12, "refunds stop at the ceiling");
    }
}
