//! Request counters (per route and status, 429s, injected faults) and the `Stats` snapshot served
//! at `/_sandbox/stats` and returned by `Handle::stats`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The burst limit as configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitInfo {
    /// Requests per interval (0 = no burst limit).
    pub max: u64,
    /// Interval length in milliseconds.
    pub interval_ms: u64,
    /// `fixed` or `sliding`.
    pub window: String,
    /// Daily allowance (0 = none).
    pub daily: u64,
}

/// Counts of injected faults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultCounts {
    /// Requests answered 500/502/503 by injection.
    pub injected_5xx: u64,
    /// Requests stalled.
    pub stalled: u64,
    /// Writes committed whose connection was then closed without an answer.
    pub cut_after_commit: u64,
}

/// A snapshot of the sandbox's counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// API requests received (the `/_sandbox` routes are not counted).
    pub total_requests: u64,
    /// Requests answered 429.
    pub status_429: u64,
    /// Answers by HTTP status (`"cut"` for connections closed after commit).
    pub by_status: BTreeMap<String, u64>,
    /// Answers by route (`"POST /contacts/upsert"`) then status.
    pub by_route: BTreeMap<String, BTreeMap<String, u64>>,
    /// Most admitted requests the limiter saw inside any one burst interval (sliding measure,
    /// whatever the window mode), over all locations.
    pub max_in_window: u64,
    /// The same per location.
    pub max_in_window_by_location: BTreeMap<String, u64>,
    /// The burst and daily limits.
    pub limit: LimitInfo,
    /// Contacts stored, over all locations.
    pub contacts: u64,
    /// Injected faults.
    pub faults: FaultCounts,
}

#[derive(Debug, Default)]
struct Inner {
    total: u64,
    status_429: u64,
    by_status: BTreeMap<String, u64>,
    by_route: BTreeMap<String, BTreeMap<String, u64>>,
    faults: FaultCounts,
}

/// Live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    inner: Mutex<Inner>,
}

/// What ended a request, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// An answer with this status.
    Status(u16),
    /// An injected 5xx.
    Injected(u16),
    /// A stalled request, answered (504) after the stall.
    Stalled,
    /// A connection closed after a committed write.
    Cut,
}

impl Counters {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while counting cannot leave the counters inconsistent in a way that matters.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one request on `route`.
    pub(crate) fn record(&self, route: &str, outcome: Outcome) {
        let key = match outcome {
            Outcome::Status(s) | Outcome::Injected(s) => s.to_string(),
            Outcome::Stalled => "504".to_string(),
            Outcome::Cut => "cut".to_string(),
        };
        let mut g = self.lock();
        g.total += 1;
        match outcome {
            Outcome::Status(429) => g.status_429 += 1,
            Outcome::Injected(_) => g.faults.injected_5xx += 1,
            Outcome::Stalled => g.faults.stalled += 1,
            Outcome::Cut => g.faults.cut_after_commit += 1,
            Outcome::Status(_) => {}
        }
        *g.by_status.entry(key.clone()).or_default() += 1;
        let r = match g.by_route.get_mut(route) {
            Some(r) => r,
            None => g.by_route.entry(route.to_string()).or_default(),
        };
        *r.entry(key).or_default() += 1;
    }

    /// The counters part of a snapshot; the caller fills in the limiter and store parts.
    pub(crate) fn snapshot(
        &self,
        limit: LimitInfo,
        max_in_window: BTreeMap<String, u64>,
        contacts: u64,
    ) -> Stats {
        let g = self.lock();
        Stats {
            total_requests: g.total,
            status_429: g.status_429,
            by_status: g.by_status.clone(),
            by_route: g.by_route.clone(),
            max_in_window: max_in_window.values().copied().max().unwrap_or(0),
            max_in_window_by_location: max_in_window,
            limit,
            contacts,
            faults: g.faults.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_route_and_status() {
        let c = Counters::default();
        c.record("POST /contacts/upsert", Outcome::Status(200));
        c.record("POST /contacts/upsert", Outcome::Status(429));
        c.record("GET /contacts/{contactId}", Outcome::Cut);
        let s = c.snapshot(
            LimitInfo {
                max: 1,
                interval_ms: 1,
                window: "fixed".into(),
                daily: 0,
            },
            BTreeMap::new(),
            0,
        );
        assert_eq!(s.total_requests, 3);
        assert_eq!(s.status_429, 1);
        assert_eq!(s.by_route["POST /contacts/upsert"]["429"], 1);
        assert_eq!(s.faults.cut_after_commit, 1);
    }
}
