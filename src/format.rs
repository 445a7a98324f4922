//! Numbers and durations as people read them in the tool's messages and reports: `1,234,567`,
//! `1 request` / `2 requests`, `2 min 9 s`. A leaf: every layer may use it.

use std::time::Duration;

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
