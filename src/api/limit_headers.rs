//! The five `X-RateLimit-*` headers, read into clamped ranges: whatever a server sends, the
//! limiter never sees a limit or a window it could crash on or wait a day for. A header that is
//! not a number, or is outside its range, is named so that the limiter can warn once per run.

use reqwest::header::HeaderMap;
use std::ops::RangeInclusive;
use std::time::Duration;

/// The window lengths obeyed. HighLevel documents 10 s windows (ghl-api.md §2); a server that
/// says 0 ms or 584 million years is not describing HighLevel, and a wait of more than a minute
/// per window would look like a hang. 1–60 s keeps any plausible window and bounds every hold.
pub const INTERVAL_MS: RangeInclusive<u64> = 1_000..=60_000;

/// The requests per window obeyed: HighLevel documents 100 (25 for trial tokens); 10,000 leaves
/// room for any plan while keeping the pacer's send interval above a microsecond.
pub const MAX: RangeInclusive<u32> = 1..=10_000;

/// What one response said about the limits (any header may be missing), already clamped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimitHeaders {
    pub max: Option<u32>,
    pub interval: Option<Duration>,
    pub remaining: Option<u32>,
    pub daily_limit: Option<u64>,
    pub daily_remaining: Option<u64>,
    /// The first header that was not a number or was out of range (clamped or ignored).
    pub nonsense: Option<&'static str>,
}

impl RateLimitHeaders {
    /// Reads the five `X-RateLimit-*` headers (names are case-insensitive in HTTP).
    pub fn parse(headers: &HeaderMap) -> Self {
        let mut nonsense = None;
        let mut number = |name: &'static str| -> Option<u64> {
            let value = headers.get(name)?;
            let parsed = value
                .to_str()
                .ok()
                .and_then(|text| parse_count(text.trim()));
            if parsed.is_none() {
                nonsense.get_or_insert(name);
            }
            parsed
        };
        let max = number("x-ratelimit-max");
        let interval = number("x-ratelimit-interval-milliseconds");
        let remaining = number("x-ratelimit-remaining");
        let daily_limit = number("x-ratelimit-limit-daily");
        let daily_remaining = number("x-ratelimit-daily-remaining");
        let mut clamp = |name: &'static str, value: u64, range: RangeInclusive<u64>| -> u64 {
            if !range.contains(&value) {
                nonsense.get_or_insert(name);
            }
            value.clamp(*range.start(), *range.end())
        };
        let max = max.map(|max| {
            let range = u64::from(*MAX.start())..=u64::from(*MAX.end());
            clamp("x-ratelimit-max", max, range) as u32
        });
        let interval = interval.map(|ms| {
            Duration::from_millis(clamp("x-ratelimit-interval-milliseconds", ms, INTERVAL_MS))
        });
        RateLimitHeaders {
            max,
            interval,
            // A count left in the window is at most the window's size; the limiter only asks
            // whether it is 0, so saturating is exact enough.
            remaining: remaining.map(|left| u32::try_from(left).unwrap_or(u32::MAX)),
            daily_limit,
            daily_remaining,
            nonsense,
        }
    }
}

/// A non-negative integer; a decimal point with zeros after it (`10000.0`) is tolerated, and a
/// number too large for 64 bits is read as the largest one (then clamped).
fn parse_count(text: &str) -> Option<u64> {
    let digits = match text.split_once('.') {
        Some((whole, fraction)) if fraction.chars().all(|c| c == '0') => whole,
        Some(_) => return None,
        None => text,
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(u64::MAX))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    /// A header map from name-value pairs (also for the other readers of these headers).
    pub(crate) fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn parses_the_five_headers_case_insensitively() {
        let parsed = RateLimitHeaders::parse(&headers(&[
            ("X-RateLimit-Max", "25"),
            ("x-ratelimit-interval-milliseconds", "10000"),
            ("X-RATELIMIT-REMAINING", "7"),
            ("X-RateLimit-Limit-Daily", "10000"),
            ("X-RateLimit-Daily-Remaining", "9000"),
        ]));
        assert_eq!(parsed.max, Some(25));
        assert_eq!(parsed.interval, Some(Duration::from_secs(10)));
        assert_eq!(parsed.remaining, Some(7));
        assert_eq!(parsed.daily_limit, Some(10_000));
        assert_eq!(parsed.daily_remaining, Some(9_000));
        assert_eq!(parsed.nonsense, None);
        assert_eq!(
            RateLimitHeaders::parse(&headers(&[("x-ratelimit-max", "lots")])),
            RateLimitHeaders {
                nonsense: Some("x-ratelimit-max"),
                ..RateLimitHeaders::default()
            }
        );
    }

    /// The values of issue 19.3: u64::MAX panicked the limiter, a day made the run wait a day.
    #[test]
    fn absurd_windows_are_clamped_and_named() {
        for (value, expected) in [
            ("18446744073709551615", 60),
            ("99999999999999999999999", 60),
            ("86400000", 60),
            ("0", 1),
            ("10000.0", 10),
        ] {
            let parsed =
                RateLimitHeaders::parse(&headers(&[("X-RateLimit-Interval-Milliseconds", value)]));
            assert_eq!(
                parsed.interval,
                Some(Duration::from_secs(expected)),
                "{value}"
            );
            assert_eq!(
                parsed.nonsense.is_some(),
                value != "10000.0",
                "{value} is named"
            );
        }
        for value in ["-5", "1e9", "", "ten"] {
            let parsed =
                RateLimitHeaders::parse(&headers(&[("X-RateLimit-Interval-Milliseconds", value)]));
            assert_eq!(parsed.interval, None, "{value} is ignored");
            assert_eq!(parsed.nonsense, Some("x-ratelimit-interval-milliseconds"));
        }
        let parsed = RateLimitHeaders::parse(&headers(&[("X-RateLimit-Max", "4294967296")]));
        assert_eq!(parsed.max, Some(10_000));
    }

    /// Whatever five values a server sends, on a 429 or not, the limiter neither panics nor
    /// holds a request longer than the longest window obeyed (issue 19.3).
    mod arbitrary_values {
        use super::*;
        use crate::api::limiter::{DailyReserve, Limiter};
        use proptest::prelude::*;

        fn value() -> impl Strategy<Value = Option<String>> {
            prop::option::of(prop_oneof![
                any::<u64>().prop_map(|n| n.to_string()),
                (0u64..100_000).prop_map(|n| n.to_string()),
                "[0-9]{15,40}",
                "-?[0-9]{0,6}(\\.[0-9]{0,3})?",
                "[ -~]{0,12}",
            ])
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]
            #[test]
            fn no_panic_and_bounded_waits(
                values in prop::collection::vec(value(), 5),
                throttled in any::<bool>(),
            ) {
                let names = [
                    "x-ratelimit-max",
                    "x-ratelimit-interval-milliseconds",
                    "x-ratelimit-remaining",
                    "x-ratelimit-limit-daily",
                    "x-ratelimit-daily-remaining",
                ];
                let mut map = HeaderMap::new();
                for (name, value) in names.iter().zip(&values) {
                    if let Some(Ok(value)) = value.as_deref().map(HeaderValue::from_str) {
                        map.insert(*name, value);
                    }
                }
                let parsed = RateLimitHeaders::parse(&map);
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_time()
                    .start_paused(true)
                    .build()
                    .unwrap();
                let waits = runtime.block_on(async {
                    let limiter = Limiter::new(DailyReserve::Fraction(0.01));
                    let mut waits = Vec::new();
                    for _ in 0..3 {
                        limiter.observe(&parsed, throttled);
                        let start = tokio::time::Instant::now();
                        let acquired = limiter.acquire().await;
                        waits.push((start.elapsed(), acquired.is_ok()));
                    }
                    waits
                });
                // The clamped window, plus the pacer's margin on it (at most a tenth of the
                // window, `pacer::max_spread`): a 59.1 s window once waited 60.002 s.
                let window = Duration::from_millis(*INTERVAL_MS.end());
                let longest = window + window / 10;
                for (wait, _) in waits {
                    prop_assert!(wait <= longest + Duration::from_millis(1), "waited {wait:?}");
                }
            }
        }
    }
}
