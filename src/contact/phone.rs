//! Phone normalisation to E.164 with the `phonenumber` crate (a port of Google's
//! libphonenumber, metadata 9.0.33).
//!
//! The region for numbers written without `+country` is the row's own country when it has a
//! valid one, else the mapping's `default_region`. Vanity letters (`1-800-FLOWERS`) are mapped to
//! digits by the parser, as libphonenumber does. An extension (`x123`, `ext. 123`, `#123`,
//! `;ext=123`) is parsed and left out, with a warning: HighLevel's `phone` field takes none.
//!
//! Two workarounds for the crate's parser (0.3.10), found by the reference test against
//! libphonenumber (tests/phone_reference.rs):
//! - Given a default region, it strips *that region's* national prefix from a number written
//!   with another country code: `+44 121 234 5678` read with region US lost its `1` and became
//!   `+44212345678`; `+49 1512 3456789` became a *valid but different* German number. So a
//!   number written internationally (`+`, or the default region's own international dialling
//!   prefix such as `00` or `011`) is rewritten as `+<digits>` and parsed without a region,
//!   which makes the crate use the metadata of the number's own country, as libphonenumber
//!   does.
//! - It does not recognise the RFC 3966 extension form `;ext=89`; it is split off here.
//!
//! Speed: the crate looks every regex up by its pattern text in one shared, mutex-guarded LRU
//! cache of only 100 entries, and matches while holding that lock. A file with numbers from
//! many regions uses more than 100 patterns, and an evicted regex is rebuilt from scratch, so
//! the cache is enlarged once before the first parse (`warm_regex_cache`). That does not make
//! the crate fast: hashing long pattern texts per lookup and rebuilding lazy-DFA states still
//! cost about 15 µs of CPU per number (see docs/BENCHMARKS.md), the largest single cost of
//! `validate`. International dialling prefixes start with 0, 1, 8 or 9 only, so the prefix
//! check (another regex) is skipped for numbers starting with 2 to 7.

use std::str::FromStr;

use phonenumber::country::Id;
use phonenumber::Mode;

use super::issue::{IssueCode, Problem};

/// A phone region (ISO alpha-2 as libphonenumber knows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region(Id);

impl Region {
    /// The region for an alpha-2 code (any case), if libphonenumber has metadata for it.
    pub fn from_code(code: &str) -> Option<Region> {
        Id::from_str(&code.trim().to_ascii_uppercase())
            .ok()
            .map(Region)
    }

    /// The alpha-2 code.
    pub fn code(&self) -> &str {
        self.0.as_ref()
    }
}

/// The full parse of one phone, as the reference comparison needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPhone {
    /// The number in E.164, extension left out.
    pub e164: String,
    /// Whether libphonenumber's metadata says the number is valid for its region.
    pub valid: bool,
    /// The extension, if the input had one.
    pub extension: Option<String>,
}

/// Room for every pattern of every region (about 3,000 in metadata 9.0.33), so nothing is
/// ever evicted; a compiled pattern is small, and only the regions a file uses get compiled.
const REGEX_CACHE_CAPACITY: usize = 8192;

fn warm_regex_cache() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // A poisoned lock only means another thread panicked mid-lookup; the cache is still a
        // valid LRU map, so resizing it is safe either way.
        let cache = phonenumber::metadata::DATABASE.cache();
        let mut guard = cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.set_capacity(REGEX_CACHE_CAPACITY);
    });
}

/// Parses a phone without judging it. `Err` holds the parser's reason.
pub fn parse_phone(raw: &str, region: Option<Region>) -> Result<ParsedPhone, String> {
    warm_regex_cache();
    let mut text = raw.trim();
    let mut rfc_extension = None;
    if let Some((number, ext)) = text.split_once(";ext=") {
        text = number.trim_end();
        rfc_extension = Some(ext.trim().to_string()).filter(|e| !e.is_empty());
    }
    let number = match international_form(text, region) {
        Some(plus) => phonenumber::parse(None, plus),
        None => phonenumber::parse(region.map(|r| r.0), text),
    }
    .map_err(|e| e.to_string())?;
    Ok(ParsedPhone {
        e164: number.format().mode(Mode::E164).to_string(),
        valid: phonenumber::is_valid(&number),
        extension: number.extension().map(|e| e.to_string()).or(rfc_extension),
    })
}

/// `Some("+<rest>")` when `text` is written internationally: with a leading `+`, or starting
/// with the default region's international dialling prefix (`00`, `011`, …, per the region's
/// metadata). The rest of the text (punctuation, letters, extension) is kept for the parser.
fn international_form(text: &str, region: Option<Region>) -> Option<String> {
    let start = text.trim_start_matches(|c: char| !c.is_ascii_alphanumeric() && c != '+');
    if let Some(rest) = start.strip_prefix('+') {
        return Some(format!("+{}", rest.trim_start_matches('+')));
    }
    // Every international prefix in the metadata starts with 0, 1, 8 or 9 (00, 011, 0011,
    // 810, Finland's 99x…); the test below checks it against the metadata.
    if !start.starts_with(['0', '1', '8', '9']) {
        return None;
    }
    let meta = phonenumber::metadata::DATABASE.by_id(region?.0.as_ref())?;
    let idd = meta.international_prefix()?;
    // Match the prefix against the leading digits only, then skip that many digits in the
    // original text so its punctuation and extension reach the parser unchanged.
    let digits: String = start
        .chars()
        .take_while(|c| c.is_ascii_digit() || " -.()/".contains(*c))
        .filter(char::is_ascii_digit)
        .collect();
    let found = idd
        .find(&digits)
        .filter(|m| m.start() == 0 && m.end() > 0)?;
    let mut to_skip = found.end();
    let mut rest = start;
    for (i, c) in start.char_indices() {
        if to_skip == 0 {
            rest = &start[i..];
            break;
        }
        if c.is_ascii_digit() {
            to_skip -= 1;
        }
    }
    // A lone prefix ("00") is not a number; let the parser say so.
    (to_skip == 0 && rest.chars().any(|c| c.is_ascii_digit())).then(|| format!("+{rest}"))
}

/// Normalises a phone to E.164. On success, also returns a warning when an extension was left
/// out. Refuses numbers that libphonenumber does not consider valid: HighLevel matches contacts
/// by phone, so a wrong number would merge or split people.
pub fn normalise_phone(
    raw: &str,
    region: Option<Region>,
) -> Result<(String, Option<Problem>), Problem> {
    let shown = raw.trim();
    let parsed = parse_phone(shown, region).map_err(|why| {
        let hint = if region.is_none() && !shown.starts_with('+') {
            " (it has no +country code and the mapping sets no default_region)"
        } else {
            ""
        };
        Problem::new(
            IssueCode::PhoneInvalid,
            format!("\"{shown}\" is not a phone number: {why}{hint}"),
        )
    })?;
    if !parsed.valid {
        let region_note = match region {
            Some(r) if !shown.starts_with('+') => format!(" for region {}", r.code()),
            _ => String::new(),
        };
        return Err(Problem::new(
            IssueCode::PhoneInvalid,
            format!("\"{shown}\" is not a valid phone number{region_note}"),
        ));
    }
    let warning = parsed.extension.as_ref().map(|ext| {
        Problem::new(
            IssueCode::PhoneExtensionDropped,
            format!(
                "extension {ext} left out of {}: HighLevel's phone field takes no extension",
                parsed.e164
            ),
        )
    });
    Ok((parsed.e164, warning))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us() -> Option<Region> {
        Region::from_code("us")
    }

    #[test]
    fn national_and_international_forms() {
        assert_eq!(
            normalise_phone("(415) 555-2671", us()).unwrap().0,
            "+14155552671"
        );
        assert_eq!(
            normalise_phone("+44 20 7946 0958", us()).unwrap().0,
            "+442079460958"
        );
        assert_eq!(
            normalise_phone("020 7946 0958", Region::from_code("GB"))
                .unwrap()
                .0,
            "+442079460958"
        );
        assert_eq!(
            normalise_phone("+14155552671", None).unwrap().0,
            "+14155552671"
        );
    }

    #[test]
    fn vanity_letters_and_extensions() {
        assert_eq!(
            normalise_phone("1-800-FLOWERS", us()).unwrap().0,
            "+18003569377"
        );
        let (e164, warning) = normalise_phone("415-555-2671 ext. 204", us()).unwrap();
        assert_eq!(e164, "+14155552671");
        let warning = warning.unwrap();
        assert_eq!(warning.code, IssueCode::PhoneExtensionDropped);
        assert!(warning.message.contains("204"));
    }

    #[test]
    fn refuses_junk_and_invalid_numbers() {
        for bad in ["", "n/a", "12", "+1 555 0100", "000-000-0000"] {
            let err = normalise_phone(bad, us()).unwrap_err();
            assert_eq!(err.code, IssueCode::PhoneInvalid, "{bad}");
        }
        let err = normalise_phone("4155552671", None).unwrap_err();
        assert!(err.message.contains("default_region"), "{}", err.message);
    }

    #[test]
    fn international_numbers_keep_their_own_national_rules() {
        // Regressions for the crate stripping the default region's prefix (see module docs).
        assert_eq!(
            normalise_phone("+44 121 234 5678", us()).unwrap().0,
            "+441212345678"
        );
        assert_eq!(
            normalise_phone("+49 1512 3456789", us()).unwrap().0,
            "+4915123456789"
        );
        assert_eq!(
            normalise_phone("+44 (0) 1212345678", us()).unwrap().0,
            "+441212345678"
        );
        let de = Region::from_code("DE");
        assert_eq!(
            normalise_phone("0039 0212345678", de).unwrap().0,
            "+390212345678"
        );
        assert_eq!(
            normalise_phone("011 44 121 234 5678", us()).unwrap().0,
            "+441212345678"
        );
        let (e164, ext) = normalise_phone("+1 201-555-0123;ext=89", us()).unwrap();
        assert_eq!(e164, "+12015550123");
        assert!(ext.unwrap().message.contains("89"));
    }

    #[test]
    fn no_international_prefix_starts_with_2_to_7() {
        // Guards the shortcut in `international_form` against a metadata update.
        for meta in phonenumber::metadata::DATABASE.iter() {
            let Some(idd) = meta.international_prefix() else {
                continue;
            };
            for first in ['2', '3', '4', '5', '6', '7'] {
                for rest in ["000000", "111111", "999999", "012345", "810101"] {
                    let text = format!("{first}{rest}");
                    let hit = idd.find(&text).is_some_and(|m| m.start() == 0 && m.end() > 0);
                    assert!(!hit, "{}: {} matches {text}", meta.id(), idd.as_str());
                }
            }
        }
    }

    #[test]
    fn region_codes() {
        assert_eq!(Region::from_code("de").unwrap().code(), "DE");
        assert_eq!(Region::from_code("ZZZ"), None);
    }
}
