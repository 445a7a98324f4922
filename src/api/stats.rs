//! Counters of what the client sent: requests by endpoint and by status (or transport failure),
//! retries, 429s. The summary and the HTML report are written from these.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// A snapshot of the counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RequestCounts {
    /// Every attempt sent, retries included.
    pub total: u64,
    /// `endpoint → (status or "timeout" / "connect" / "broken") → count`.
    pub by_endpoint: BTreeMap<String, BTreeMap<String, u64>>,
    /// Responses with status 429.
    pub throttled: u64,
    /// Attempts that were resends of an earlier attempt.
    pub retries: u64,
    /// Time from the first request sent to the last one: the span the rate is measured over
    /// (the last answer's latency and the run's start-up are not sending).
    #[serde(skip)]
    pub sending: std::time::Duration,
}

impl RequestCounts {
    /// Requests per second between the first request sent and the last (0 for fewer than two).
    pub fn sending_rate(&self) -> f64 {
        let secs = self.sending.as_secs_f64();
        if self.total < 2 || secs <= 0.0 {
            return 0.0;
        }
        // n requests span n - 1 intervals.
        (self.total - 1) as f64 / secs
    }
}

/// Thread-safe counters, shared by every request of a client.
#[derive(Debug, Default)]
pub struct RequestStats {
    counts: Mutex<RequestCounts>,
    first_sent: Mutex<Option<tokio::time::Instant>>,
}

impl RequestStats {
    /// Notes that an attempt is leaving now (after the limiter let it through).
    pub fn sending(&self) {
        let now = tokio::time::Instant::now();
        let first = *self
            .first_sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(now);
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .sending = now - first;
    }

    /// Counts one attempt.
    pub fn record(&self, endpoint: &str, outcome: &str, retry: bool) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.total += 1;
        if outcome == "429" {
            counts.throttled += 1;
        }
        if retry {
            counts.retries += 1;
        }
        *counts
            .by_endpoint
            .entry(endpoint.to_string())
            .or_default()
            .entry(outcome.to_string())
            .or_default() += 1;
    }

    /// The counters now.
    pub fn snapshot(&self) -> RequestCounts {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_endpoint_and_outcome() {
        let stats = RequestStats::default();
        stats.record("POST /contacts/upsert", "200", false);
        stats.record("POST /contacts/upsert", "429", false);
        stats.record("POST /contacts/upsert", "200", true);
        stats.record("GET /contacts/{id}", "timeout", false);
        let counts = stats.snapshot();
        assert_eq!(counts.total, 4);
        assert_eq!(counts.throttled, 1);
        assert_eq!(counts.retries, 1);
        assert_eq!(counts.by_endpoint["POST /contacts/upsert"]["200"], 2);
        assert_eq!(counts.by_endpoint["GET /contacts/{id}"]["timeout"], 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_is_measured_over_the_sending_span() {
        let stats = RequestStats::default();
        for _ in 0..11 {
            stats.sending();
            stats.record("POST /contacts/upsert", "200", false);
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let counts = stats.snapshot();
        assert_eq!(counts.sending, std::time::Duration::from_secs(1));
        assert!((counts.sending_rate() - 10.0).abs() < 1e-9);
        assert_eq!(RequestCounts::default().sending_rate(), 0.0);
    }
}
