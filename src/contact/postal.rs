//! Postal codes: trimmed and spaces collapsed, and the leading zeros a spreadsheet dropped put
//! back (issue 21.6). Saving a CSV in Excel turns `02108` into the number `2108`; re-imported
//! as it is, the damage would be sent as a change.
//!
//! Careful by design: zeros are restored only when the row's own country is known (a mapping's
//! `default_region` is a guess for phones, not a fact about a row: Australian codes have four
//! digits, which a US default would "repair" wrongly), that country's codes are all digits of
//! one fixed length, and the value is all digits, shorter than that length by no more than the
//! zeros its real codes can start with (`00501` is the lowest US ZIP code, so 3–4 digits).

use super::invisible::quoted;
use super::issue::{IssueCode, Problem};
use super::text::collapse_spaces;

/// (country, digits in its codes, fewest digits a truncated real code keeps).
const FIXED_LENGTH: &[(&str, usize, usize)] = &[
    // US ZIP codes, also used by its territories (Puerto Rico's and the Virgin Islands' start
    // with 00) and the freely associated states.
    ("US", 5, 3),
    ("PR", 5, 3),
    ("VI", 5, 3),
    ("GU", 5, 3),
    ("AS", 5, 3),
    ("MP", 5, 3),
    ("FM", 5, 3),
    ("MH", 5, 3),
    ("PW", 5, 3),
    // Five digits starting with 0 in one region each (Dresden 01067, Ain 01000, Álava 01001,
    // Mexico City 01000, Perlis 01000, Seoul 01000, Kyiv 01001, Adana 01000).
    ("DE", 5, 4),
    ("FR", 5, 4),
    ("ES", 5, 4),
    ("MX", 5, 4),
    ("MY", 5, 4),
    ("KR", 5, 4),
    ("UA", 5, 4),
    ("TR", 5, 4),
    // Five digits with codes from 00010 (Italy) and 00100 (Helsinki).
    ("IT", 5, 2),
    ("FI", 5, 3),
    // Four digits with codes from 0001 (Oslo, Pretoria) and 0200 or 0110 (Canberra, Whangarei).
    ("NO", 4, 2),
    ("ZA", 4, 2),
    ("AU", 4, 3),
    ("NZ", 4, 3),
    // Seven digits (Hokkaido 0xx-xxxx) and eight (São Paulo 0xxxx-xxx), when written bare.
    ("JP", 7, 6),
    ("BR", 8, 7),
];

/// A postal code as sent: trimmed and spaces collapsed, with the leading zeros put back when
/// the row's country (alpha-2) says they were lost, and then a `postal_code_truncated`
/// warning saying so.
pub fn normalise_postal_code(raw: &str, country: Option<&str>) -> (String, Option<Problem>) {
    let code = collapse_spaces(raw);
    let Some((country, length, shortest)) = country.and_then(|c| {
        FIXED_LENGTH
            .iter()
            .find(|(known, _, _)| known.eq_ignore_ascii_case(c.trim()))
    }) else {
        return (code, None);
    };
    let digits = code.len();
    if !code.bytes().all(|b| b.is_ascii_digit()) || digits >= *length || digits < *shortest {
        return (code, None);
    }
    let restored = format!("{code:0>length$}");
    let warning = Problem::new(
        IssueCode::PostalCodeTruncated,
        format!(
            "{} is too short for a {country} postal code ({length} digits): a spreadsheet \
             dropped its leading zeros, sent as {restored} (edit the file as .xlsx to keep them)",
            quoted(&code)
        ),
    );
    (restored, Some(warning))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn lost_zeros_come_back_where_the_country_says_so() {
        let (code, warning) = normalise_postal_code("2108", Some("US"));
        assert_eq!(code, "02108");
        let warning = warning.unwrap();
        assert_eq!(warning.code, IssueCode::PostalCodeTruncated);
        assert!(warning.message.contains("\"2108\""), "{}", warning.message);
        assert_eq!(normalise_postal_code("501", Some("us")).0, "00501");
        assert_eq!(normalise_postal_code("1067", Some("DE")).0, "01067");
        assert_eq!(normalise_postal_code("150", Some("NO")).0, "0150");
        assert_eq!(normalise_postal_code("600000", Some("JP")).0, "0600000");
    }

    #[test]
    fn anything_else_is_left_as_written() {
        for (raw, country) in [
            ("2108", None),            // no country: no way to know the length
            ("2000", Some("AU")),      // a whole Australian code
            ("02108", Some("US")),     // nothing lost
            ("21", Some("US")),        // no US ZIP code is that short
            ("2108-1234", Some("US")), // ZIP+4 as text was not damaged
            ("1234", Some("GB")),      // not a fixed-length country
            ("SW1A 1AA", Some("GB")),
            ("K1A 0B1", Some("CA")),
            ("123", Some("DE")), // German codes keep at least four digits
        ] {
            let (code, warning) = normalise_postal_code(raw, country);
            assert_eq!(code, raw, "{raw} {country:?}");
            assert!(warning.is_none(), "{raw} {country:?}");
        }
        assert_eq!(
            normalise_postal_code("  SW1A   1AA ", Some("GB")).0,
            "SW1A 1AA"
        );
    }

    proptest! {
        #[test]
        fn restoring_is_idempotent_and_only_adds_zeros(
            raw in "[0-9]{0,9}|[0-9A-Z -]{0,9}",
            country in "(US|DE|IT|NO|AU|JP|BR|GB|CA|FR)",
        ) {
            let (once, warning) = normalise_postal_code(&raw, Some(&country));
            let (twice, again) = normalise_postal_code(&once, Some(&country));
            prop_assert_eq!(&twice, &once);
            prop_assert!(again.is_none());
            let trimmed = collapse_spaces(&raw);
            prop_assert!(once.ends_with(trimmed.as_str()));
            prop_assert_eq!(warning.is_some(), once != trimmed);
            prop_assert!(once.trim_start_matches('0').len() == trimmed.trim_start_matches('0').len());
        }
    }
}
