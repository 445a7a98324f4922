//! Fault injection: latency, 5xx answers, stalls and connections cut after the write committed.
//!
//! Every draw comes from an RNG seeded with `seed` mixed with the request's sequence number (the
//! order in which requests reached the sandbox). A client that sends its requests one at a time
//! therefore meets the same faults at the same requests on every run; concurrent clients change
//! the arrival order, and with it which request meets which fault, but not the shares.

use crate::config::FaultConfig;
use axum::http::StatusCode;
use std::time::Duration;

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Plan {
    /// Sleep this long before anything else.
    pub latency: Duration,
    /// Answer this 5xx without handling the request.
    pub fail: Option<StatusCode>,
    /// Hang for the configured stall time, without handling the request.
    pub stall: bool,
    /// If the request is a write that succeeds, close the connection instead of answering.
    pub cut_after_commit: bool,
}

/// The fault plan generator.
#[derive(Debug, Clone)]
pub(crate) struct Faults {
    cfg: FaultConfig,
    seed: u64,
}

/// SplitMix64: decorrelates neighbouring sequence numbers before seeding.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Faults {
    /// A generator for `cfg` and `seed`.
    pub(crate) fn new(cfg: FaultConfig, seed: u64) -> Faults {
        Faults { cfg, seed }
    }

    /// Whether any fault or latency is configured (lets the hot path skip the RNG).
    pub(crate) fn active(&self) -> bool {
        self.cfg.latency.is_some()
            || self.cfg.fault_rate > 0.0
            || self.cfg.stall_rate > 0.0
            || self.cfg.cut_after_commit > 0.0
    }

    /// The plan of request number `seq`.
    pub(crate) fn plan(&self, seq: u64) -> Plan {
        if !self.active() {
            return Plan::default();
        }
        let mut rng = fastrand::Rng::with_seed(mix(self.seed ^ mix(seq)));
        // Draw every value in a fixed order so that changing one rate does not reshuffle the others.
        let lat_draw = rng.f64();
        let fail_draw = rng.f64();
        let fail_kind = rng.u8(..3);
        let stall_draw = rng.f64();
        let cut_draw = rng.f64();
        let latency = match self.cfg.latency {
            Some((lo, hi)) => lo + (hi - lo).mul_f64(lat_draw),
            None => Duration::ZERO,
        };
        let fail = (fail_draw < self.cfg.fault_rate).then_some(match fail_kind {
            0 => StatusCode::INTERNAL_SERVER_ERROR,
            1 => StatusCode::BAD_GATEWAY,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        });
        Plan {
            latency,
            fail,
            stall: fail.is_none() && stall_draw < self.cfg.stall_rate,
            cut_after_commit: cut_draw < self.cfg.cut_after_commit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_are_reproducible_and_match_the_shares() {
        let cfg = FaultConfig {
            latency: Some((Duration::from_millis(50), Duration::from_millis(300))),
            fault_rate: 0.2,
            stall_rate: 0.1,
            stall_for: Duration::from_secs(1),
            cut_after_commit: 0.05,
        };
        let a = Faults::new(cfg.clone(), 42);
        let b = Faults::new(cfg, 42);
        let n = 20_000;
        let plans: Vec<Plan> = (0..n).map(|i| a.plan(i)).collect();
        assert!(plans.iter().zip(0..n).all(|(p, i)| *p == b.plan(i)));
        let fails = plans.iter().filter(|p| p.fail.is_some()).count() as f64 / n as f64;
        let stalls = plans.iter().filter(|p| p.stall).count() as f64 / n as f64;
        assert!((fails - 0.2).abs() < 0.02, "{fails}");
        assert!((stalls - 0.08).abs() < 0.02, "{stalls}");
        assert!(plans
            .iter()
            .all(|p| p.latency >= Duration::from_millis(50)
                && p.latency <= Duration::from_millis(300)));
        for code in [500, 502, 503] {
            assert!(plans
                .iter()
                .any(|p| p.fail.map(|s| s.as_u16()) == Some(code)));
        }
        assert_ne!(Faults::new(a.cfg.clone(), 43).plan(0), a.plan(0));
    }
}
