//! Phone normalisation to E.164 with `rlibphonenumber`, a Rust port of Google's libphonenumber
//! (metadata 9.0.42) that is checked against the C++ library by differential fuzzing.
//!
//! The region for numbers written without `+country` is the row's own country when it has a
//! valid one, else the mapping's `default_region`. Vanity letters (`1-800-FLOWERS`) become
//! digits, and an extension (`x123`, `ext. 123`, `#123`, `;ext=123`) is parsed and left out,
//! with a warning: HighLevel's `phone` field takes none. Numbers written internationally (`+44`,
//! or the region's own international prefix such as `00` or `011`) keep their own country's
//! rules, as in libphonenumber.
//!
//! Why this crate and not `phonenumber` (which the sandbox uses): the reference table
//! (tests/phone_reference.rs) found `phonenumber` 0.3.10 stripping the default region's
//! national prefix from numbers written with another country code (`+49 1512 3456789` read
//! with region US became a different, valid German number) and not reading `;ext=`; and it
//! looks every regex up in one mutex-guarded cache, about 18 µs of CPU per number on one core
//! at a time, which made phone parsing more than half of `validate`'s time. This crate agrees
//! with the table without workarounds and parses a number in about 4 µs, in parallel.

use rlibphonenumber::{PhoneNumberFormat, PHONE_NUMBER_UTIL};

use super::invisible::quoted;
use super::issue::{IssueCode, Problem};

/// A phone region (ISO alpha-2 as libphonenumber knows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region(rlibphonenumber::enums::Region);

impl Region {
    /// The region for an alpha-2 code (any case), if libphonenumber has metadata for it.
    pub fn from_code(code: &str) -> Option<Region> {
        // Asked once per row (its country): upper-cased in place, no allocation.
        let upper = <[u8; 2]>::try_from(code.trim().as_bytes())
            .ok()?
            .map(|b| b.to_ascii_uppercase());
        let code = std::str::from_utf8(&upper).ok()?;
        // `from_code` accepts any two letters; only regions with numbering metadata count.
        rlibphonenumber::enums::Region::from_code(code)
            .ok()
            .filter(|region| {
                PHONE_NUMBER_UTIL
                    .get_country_code_for_region(*region)
                    .is_some_and(|cc| cc > 0)
            })
            .map(Region)
    }

    /// libphonenumber's own region.
    pub(super) fn inner(self) -> rlibphonenumber::enums::Region {
        self.0
    }

    /// The alpha-2 code.
    pub fn code(&self) -> String {
        self.0.as_region_str().as_str().to_string()
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

/// Parses a phone without judging it. `Err` holds the parser's reason.
pub fn parse_phone(raw: &str, region: Option<Region>) -> Result<ParsedPhone, String> {
    let raw = raw.trim();
    let (number, e164, surely_valid) = match super::phone_shortcut::parse(raw, region) {
        Some(number) => {
            let e164 = super::phone_shortcut::e164(&number);
            let surely_valid = super::phone_us_valid::surely_valid(&number);
            (number, e164, surely_valid)
        }
        None => {
            let number = PHONE_NUMBER_UTIL
                .parse(raw, region.map(|r| r.0))
                .map_err(|e| e.to_string())?;
            let e164 = number.format_as(PhoneNumberFormat::E164).to_string();
            (number, e164, false)
        }
    };
    Ok(ParsedPhone {
        e164,
        valid: surely_valid || is_valid(&number),
        extension: number.extension.clone().filter(|e| !e.is_empty()),
    })
}

/// libphonenumber's `is_valid`, with half the pattern matching for most numbers. `is_valid`
/// first picks the number's region: the first region of its country code (in the metadata's
/// order, main country first) whose leading digits or number patterns match; then it checks
/// the number against that region's patterns again. When the first region already validates
/// the number, that search stops there and the second check agrees, so asking it first gives
/// the same answer with one round of patterns instead of two (every number of a US file). Any
/// other number gets the full check.
fn is_valid(number: &rlibphonenumber::PhoneNumber) -> bool {
    PHONE_NUMBER_UTIL
        .get_region_for_country_code(number.country_code)
        .is_some_and(|first| number.is_valid_for_region(first))
        || number.is_valid()
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
            format!("{} is not a phone number: {why}{hint}", quoted(shown)),
        )
    })?;
    if !parsed.valid {
        let region_note = match region {
            Some(r) if !shown.starts_with('+') => format!(" for region {}", r.code()),
            _ => String::new(),
        };
        return Err(Problem::new(
            IssueCode::PhoneInvalid,
            format!("{} is not a valid phone number{region_note}", quoted(shown)),
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

    /// The E.164 form of a number `region` must accept.
    fn e164(raw: &str, region: Option<Region>) -> String {
        normalise_phone(raw, region).unwrap().0
    }

    #[test]
    fn quick_validity_agrees_with_the_full_check() {
        // Shared country codes (NANP, +44, +7, +61, +262, +590), a non-geographic code, valid,
        // invalid and impossible numbers, national forms read with several regions.
        let numbers = [
            "+1 415 555 2671",
            "+1 202 456 1111",
            "+1 416 555 0123",
            "+1 604 555 0199",
            "+1 876 927 1234",
            "+1 268 460 1234",
            "+1 787 723 1234",
            "+1 345 949 1234",
            "+1 800 555 0199",
            "+1 555 555 5555",
            "+1 123 456 7890",
            "+1 999 999 9999",
            "+44 20 7946 0958",
            "+44 7700 900123",
            "+44 1534 456789",
            "+44 7797 123456",
            "+44 1481 256789",
            "+44 7781 123456",
            "+44 1624 756789",
            "+44 7624 123456",
            "+7 495 123 4567",
            "+7 727 250 1234",
            "+7 701 123 4567",
            "+61 2 9374 4000",
            "+61 8 9164 1234",
            "+61 8 9162 1234",
            "+262 262 16 1234",
            "+262 269 60 1234",
            "+590 590 27 1234",
            "+800 1234 5678",
            "+49 1512 3456789",
            "+33 1 42 68 53 00",
            "+91 98765 43210",
            "+86 138 0013 8000",
            "+999 123",
            "+44 12",
        ];
        let regions = [None, us(), Region::from_code("GB"), Region::from_code("CA")];
        let nationals = [
            "(415) 555-2671",
            "020 7946 0958",
            "416-555-0123",
            "01534 456789",
        ];
        for region in regions {
            for raw in numbers.iter().chain(&nationals) {
                let Ok(number) = PHONE_NUMBER_UTIL.parse(*raw, region.map(|r| r.0)) else {
                    continue;
                };
                assert_eq!(
                    is_valid(&number),
                    number.is_valid(),
                    "{raw} with {region:?}"
                );
            }
        }
    }

    #[test]
    fn national_and_international_forms() {
        assert_eq!(e164("(415) 555-2671", us()), "+14155552671");
        assert_eq!(e164("+44 20 7946 0958", us()), "+442079460958");
        assert_eq!(
            e164("020 7946 0958", Region::from_code("GB")),
            "+442079460958"
        );
        assert_eq!(e164("+14155552671", None), "+14155552671");
    }

    #[test]
    fn vanity_letters_and_extensions() {
        assert_eq!(e164("1-800-FLOWERS", us()), "+18003569377");
        let (number, warning) = normalise_phone("415-555-2671 ext. 204", us()).unwrap();
        assert_eq!(number, "+14155552671");
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
        // Regressions for the `phonenumber` crate, which stripped the default region's national
        // prefix (see module docs).
        assert_eq!(e164("+44 121 234 5678", us()), "+441212345678");
        assert_eq!(e164("+49 1512 3456789", us()), "+4915123456789");
        assert_eq!(e164("+44 (0) 1212345678", us()), "+441212345678");
        let de = Region::from_code("DE");
        assert_eq!(e164("0039 0212345678", de), "+390212345678");
        assert_eq!(e164("011 44 121 234 5678", us()), "+441212345678");
        let (number, ext) = normalise_phone("+1 201-555-0123;ext=89", us()).unwrap();
        assert_eq!(number, "+12015550123");
        assert!(ext.unwrap().message.contains("89"));
    }

    #[test]
    fn region_codes() {
        assert_eq!(Region::from_code("de").unwrap().code(), "DE");
        assert_eq!(Region::from_code("ZZZ"), None);
        // Regression: rlibphonenumber's own parser takes any two letters.
        assert_eq!(Region::from_code("XX"), None);
        assert_eq!(Region::from_code("ZZ"), None);
        assert!(Region::from_code("gb").is_some());
    }
}
