//! Timezones: IANA names from chrono-tz's copy of the tz database (links such as
//! `Asia/Calcutta` included, since HighLevel's own examples use them), matched without regard to
//! case and returned in the database's spelling. Only `Area/Location` names and `UTC` are
//! accepted: the database also keeps legacy names such as `EST`, `EST5EDT` or `Japan`, but in a
//! spreadsheet "EST" is an abbreviation someone typed, and HighLevel's own timezone lists use
//! `Area/Location` names (the safer reading; undocumented).

use chrono_tz::Tz;

use super::invisible::quoted;
use super::issue::{IssueCode, Problem};

/// Normalises a timezone to its IANA spelling, or says why it cannot.
pub fn normalise_timezone(raw: &str) -> Result<&'static str, Problem> {
    let trimmed = raw.trim();
    // People write "America/New York" for the zone whose name has an underscore.
    let candidate = trimmed.replace(' ', "_");
    Tz::from_str_insensitive(&candidate)
        .ok()
        .map(|tz| tz.name())
        .filter(|name| name.contains('/') || *name == "UTC")
        .ok_or_else(|| {
            Problem::new(
                IssueCode::TimezoneInvalid,
                format!(
                    "{} is not an IANA timezone such as America/New_York",
                    quoted(trimmed)
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_links() {
        assert_eq!(
            normalise_timezone("america/chihuahua").unwrap(),
            "America/Chihuahua"
        );
        assert_eq!(
            normalise_timezone(" Asia/Calcutta ").unwrap(),
            "Asia/Calcutta"
        );
        assert_eq!(
            normalise_timezone("America/New York").unwrap(),
            "America/New_York"
        );
        assert_eq!(normalise_timezone("UTC").unwrap(), "UTC");
        assert!(normalise_timezone("Mars/Olympus").is_err());
        assert!(normalise_timezone("EST").is_err());
        assert!(normalise_timezone("EST5EDT").is_err());
        assert!(normalise_timezone("").is_err());
    }
}
