//! How the sandbox normalises what it stores, as HighLevel does on write (ghl-api.md §5):
//! phones to E.164, dates of birth from the 8 documented formats, countries checked against the
//! 247 documented codes, tags lower-cased, timestamps as ISO-8601 with milliseconds.

use crate::countries;
use chrono::{DateTime, NaiveDate, Utc};
use std::time::{SystemTime, UNIX_EPOCH};

/// Reads a phone number and returns it in E.164.
///
/// Default-country rule (HighLevel does not document one, ghl-api.md §8): a number written with
/// a leading `+` (or `00`) is read as international; any other number is read as a national
/// number of `country`, which is the contact's own `country` when the same request sets a valid
/// one, else the location's country (default `US`). So `(888) 555-0100` becomes `+18885550100`
/// in a US location. Numbers libphonenumber cannot read, or whose E.164 form has fewer than 7 or
/// more than 15 digits, are refused. Validity against numbering plans is *not* required: test
/// data such as 555 numbers must be storable, and the real API accepts numbers other products
/// reject (I#223).
pub(crate) fn phone_e164(raw: &str, country: &str) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || !trimmed.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let intl = if let Some(rest) = trimmed.strip_prefix("00") {
        format!("+{rest}")
    } else {
        trimmed.to_string()
    };
    let id = country.parse::<phonenumber::country::Id>().ok();
    let parsed = phonenumber::parse(if intl.starts_with('+') { None } else { id }, &intl).ok()?;
    let e164 = parsed.format().mode(phonenumber::Mode::E164).to_string();
    let digits = e164.len().saturating_sub(1);
    (7..=15).contains(&digits).then_some(e164)
}

/// The 8 date-of-birth formats of the spec: year first with `/ - . _`, or month first
/// (`MM/DD/YYYY`; no day-first reading exists). Returns the date as `YYYY-MM-DD`.
pub(crate) fn date_of_birth(raw: &str) -> Option<String> {
    let s = raw.trim();
    // The create response echoes ISO midnight; accept that back too, so a GET→PUT round trip works.
    let s = s.strip_suffix("T00:00:00.000Z").unwrap_or(s);
    let sep = s.chars().find(|c| matches!(c, '/' | '-' | '.' | '_'))?;
    let parts: Vec<&str> = s.split(sep).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let (y, m, d) = if parts[0].len() == 4 {
        (parts[0], parts[1], parts[2])
    } else if parts[2].len() == 4 {
        (parts[2], parts[0], parts[1])
    } else {
        return None;
    };
    let date = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
    Some(date.format("%Y-%m-%d").to_string())
}

/// Upper-cases and checks a country code against the documented list.
pub(crate) fn country(raw: &str) -> Option<String> {
    let up = raw.trim().to_ascii_uppercase();
    countries::is_known(&up).then_some(up)
}

/// Lower-cases and trims tags, drops empty ones and duplicates, keeps first-seen order.
pub(crate) fn tags<I: IntoIterator<Item = S>, S: AsRef<str>>(raw: I) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in raw {
        let t = t.as_ref().trim().to_lowercase();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// Wall-clock now in epoch milliseconds (data timestamps need the wall clock, not tokio's).
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Epoch milliseconds as `2021-07-02T05:18:26.704Z`.
pub(crate) fn iso_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Reads a timestamp given as an ISO-8601 string (date-only allowed, read as midnight UTC) or
/// as epoch milliseconds, into epoch milliseconds.
pub(crate) fn parse_instant(v: &serde_json::Value) -> Option<i64> {
    match v {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        serde_json::Value::String(s) => {
            if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
                return Some(dt.timestamp_millis());
            }
            if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                return d
                    .and_hms_opt(0, 0, 0)
                    .map(|t| t.and_utc().timestamp_millis());
            }
            s.parse::<i64>().ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_become_e164() {
        for (raw, country, want) in [
            ("+1 888-888-8888", "US", Some("+18888888888")),
            ("(888) 555-0100", "US", Some("+18885550100")),
            ("07700 900123", "GB", Some("+447700900123")),
            ("0044 7700 900123", "US", Some("+447700900123")),
            ("+91 70100 00000", "US", Some("+917010000000")),
            ("not a phone", "US", None),
            ("12", "US", None),
        ] {
            assert_eq!(
                phone_e164(raw, country).as_deref(),
                want,
                "{raw} in {country}"
            );
        }
    }

    #[test]
    fn dob_accepts_the_eight_formats_only() {
        for s in [
            "1990/09/25",
            "09/25/1990",
            "1990-09-25",
            "09-25-1990",
            "1990.09.25",
            "09.25.1990",
            "1990_09_25",
            "09_25_1990",
            "1990-09-25T00:00:00.000Z",
        ] {
            assert_eq!(date_of_birth(s).as_deref(), Some("1990-09-25"), "{s}");
        }
        // Day-first is not a documented format: 25/09/1990 has no month 25.
        assert_eq!(date_of_birth("25/09/1990"), None);
        assert_eq!(date_of_birth("1990/02/30"), None);
        assert_eq!(date_of_birth("yesterday"), None);
    }

    #[test]
    fn tags_are_lowercased_and_deduplicated() {
        assert_eq!(tags(["VIP", " vip ", "Lead", ""]), vec!["vip", "lead"]);
    }

    #[test]
    fn instants_read_iso_and_epoch() {
        let v = serde_json::json!("2021-07-02T05:18:26.704Z");
        let ms = parse_instant(&v).unwrap();
        assert_eq!(iso_ms(ms), "2021-07-02T05:18:26.704Z");
        assert_eq!(parse_instant(&serde_json::json!(ms)), Some(ms));
        assert_eq!(
            parse_instant(&serde_json::json!("2021-07-02"))
                .map(iso_ms)
                .as_deref(),
            Some("2021-07-02T00:00:00.000Z")
        );
        assert_eq!(country("gb").as_deref(), Some("GB"));
        assert_eq!(country("UK"), None);
    }
}
