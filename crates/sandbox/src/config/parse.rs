//! The sandbox's command-line values: durations, limits, latency ranges and rates.

use super::ConfigError;
use std::time::Duration;

fn bad(what: &'static str, value: &str, reason: &str) -> ConfigError {
    ConfigError::Value {
        what,
        value: value.into(),
        reason: reason.into(),
    }
}

/// Parses `250ms`, `10s`, `2m`, `1h` or `0`.
pub fn parse_duration(s: &str) -> Result<Duration, ConfigError> {
    let t = s.trim();
    if t == "0" {
        return Ok(Duration::ZERO);
    }
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| bad("duration", s, "expected a number and a unit (ms, s, m, h)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(bad("duration", s, "unit must be ms, s, m or h")),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| bad("duration", s, "out of range"))
}

/// Parses `100/10s` (or `off`) into `(max, interval)`.
pub fn parse_limit(s: &str) -> Result<Option<(u32, Duration)>, ConfigError> {
    if s == "off" {
        return Ok(None);
    }
    let (max, interval) = s
        .split_once('/')
        .ok_or_else(|| bad("limit", s, "expected MAX/INTERVAL, e.g. 100/10s"))?;
    let max: u32 = max
        .parse()
        .map_err(|_| bad("limit", s, "MAX must be a positive integer"))?;
    let interval = parse_duration(interval)?;
    if max == 0 || interval.is_zero() {
        return Err(bad("limit", s, "MAX and INTERVAL must be positive"));
    }
    Ok(Some((max, interval)))
}

/// Parses `50ms..300ms`, a single duration, or `0`/`off`.
pub fn parse_latency(s: &str) -> Result<Option<(Duration, Duration)>, ConfigError> {
    if s == "off" || s == "0" {
        return Ok(None);
    }
    let (lo, hi) = match s.split_once("..") {
        Some((a, b)) => (parse_duration(a)?, parse_duration(b)?),
        None => {
            let d = parse_duration(s)?;
            (d, d)
        }
    };
    if hi < lo {
        return Err(bad("latency", s, "the upper bound is below the lower one"));
    }
    Ok(Some((lo, hi)))
}

/// Parses a share between 0 and 1.
pub fn parse_rate(s: &str) -> Result<f64, ConfigError> {
    let v: f64 = s
        .parse()
        .map_err(|_| bad("rate", s, "expected a number between 0 and 1"))?;
    if !(0.0..=1.0).contains(&v) {
        return Err(bad("rate", s, "must be between 0 and 1"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_limits_and_latency() {
        assert_eq!(
            parse_limit("100/10s").unwrap(),
            Some((100, Duration::from_secs(10)))
        );
        assert_eq!(
            parse_limit("20/500ms").unwrap(),
            Some((20, Duration::from_millis(500)))
        );
        assert_eq!(parse_limit("off").unwrap(), None);
        assert!(parse_limit("0/1s").is_err());
        assert!(parse_limit("100").is_err());
        assert_eq!(
            parse_latency("50ms..300ms").unwrap(),
            Some((Duration::from_millis(50), Duration::from_millis(300)))
        );
        assert!(parse_latency("300ms..50ms").is_err());
        assert!(parse_rate("1.5").is_err());
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
    }
}
