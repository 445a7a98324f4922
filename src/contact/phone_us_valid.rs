//! A quick "valid" for most ten-digit North American numbers: whether libphonenumber's US
//! patterns accept one is read from a table of its first four digits, built once from
//! libphonenumber's own answers, instead of running its regexes per number (issue 20: the validity check was 5 %
//! of `validate`'s instructions once the parse itself took the shortcut).
//!
//! Why a table of four digits is exact, for the case it answers: libphonenumber's
//! `is_valid_for_region(number, US)` is true when the national number matches the US general
//! pattern and then any type's pattern (a type found is never "unknown"). In the metadata this
//! build links (9.0.42), the general pattern is `[2-9]\d{9}|3\d{6}` (every ten digits starting
//! 2–9) and the fixed-line pattern is `983[2-57-9]\d{6}|(?:<area codes>)[2-9]\d{6}`: each
//! alternative decides on the first four digits and takes any six after them. So when the
//! first four digits followed by six zeros are a US fixed-line number (libphonenumber says
//! valid for the US, of type "fixed line or mobile"), the number is valid for the US whatever
//! its last six digits, and `phone::is_valid`, which asks the US first, says valid. Any other
//! number (a premium, toll-free, personal or Caribbean number, an invalid one) gets the full
//! check, as before. The tests pin both patterns' text and check it against libphonenumber's
//! answers for every four-digit start, and compare the quick answer with libphonenumber's for
//! any ten digits.

use std::sync::LazyLock;

use rlibphonenumber::enums::Region as PnRegion;
use rlibphonenumber::{PhoneNumber, PhoneNumberType, PHONE_NUMBER_UTIL};

/// Ten digits starting 2–9: the national numbers [`surely_valid`] looks up.
const FIRST: u64 = 2_000_000_000;
const LAST: u64 = 9_999_999_999;
/// A national number's first four digits are `national / DIVISOR`.
const DIVISOR: u64 = 1_000_000;

/// For each four-digit start, whether it followed by six zeros is a US fixed-line number, and
/// so (see the module docs) followed by any six digits.
static US_FIXED_LINE_STARTS: LazyLock<Vec<bool>> = LazyLock::new(|| {
    (0..10_000u64)
        .map(|start| start * DIVISOR >= FIRST && is_us_fixed_line(&number(start * DIVISOR)))
        .collect()
});

/// libphonenumber's answer: valid for the US, and its US type is "fixed line or mobile" (so
/// its fixed-line pattern matched; a number of another type is left to the full check).
fn is_us_fixed_line(number: &PhoneNumber) -> bool {
    number.is_valid_for_region(PnRegion::US)
        && PHONE_NUMBER_UTIL.get_number_type(number) == PhoneNumberType::FixedLineOrMobile
}

fn number(national: u64) -> PhoneNumber {
    PhoneNumber {
        country_code: 1,
        national_number: national,
        ..PhoneNumber::default()
    }
}

/// `true` when libphonenumber would call `number` valid for the US (so valid), read from the
/// table; `false` means "not known here": ask libphonenumber. Only for numbers the shortcut
/// parser built (country code 1, ten national digits, nothing else set).
pub(super) fn surely_valid(number: &PhoneNumber) -> bool {
    let national = number.national_number;
    number.country_code == 1
        && (FIRST..=LAST).contains(&national)
        && US_FIXED_LINE_STARTS
            .get((national / DIVISOR) as usize)
            .copied()
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The patterns the module docs reason about, as this build's metadata holds them.
    const GENERAL: &str = r"[2-9]\d{9}|3\d{6}";
    const FIXED_LINE: &str = r"983[2-57-9]\d{6}|(?:2(?:0[1-35-9]|1[02-9]|2[03-57-9]|3[1459]|4[08]|5[1-46]|6[0279]|7[02469]|8[13])|3(?:0[1-57-9]|1[02-9]|2[013-79]|3[0-24679]|4[167]|5[0-3]|6[01349]|8[056])|4(?:0[124-9]|1[02-579]|2[3-5]|3[0245]|4[023578]|58|6[349]|7[02589]|8[04])|5(?:0[1-57-9]|1[0235-8]|20|3[0149]|4[01]|5[179]|6[1-47]|7[0-5]|8[0256])|6(?:0[1-35-9]|1[024-9]|2[03689]|3[016]|4[0156]|5[01679]|6[0-279]|78|8[0-269])|7(?:0[1-46-8]|1[2-9]|2[04-8]|3[0-2478]|4[0378]|5[47]|6[02359]|7[0-59]|8[156])|8(?:0[1-68]|1[02-8]|2[0168]|3[0-2589]|4[03578]|5[046-9]|6[02-5]|7[028])|9(?:0[1346-9]|1[02-9]|2[0589]|3[0146-8]|4[01357-9]|5[12469]|7[0-3589]|8[04-69]))[2-9]\d{6}";

    fn full_match(pattern: &str) -> regex::Regex {
        regex::Regex::new(&format!("^(?:{pattern})$")).expect("a valid pattern")
    }

    /// The pinned patterns are libphonenumber's: for every four-digit start and several ends,
    /// a number the pinned fixed-line pattern takes is valid for the US, and one libphonenumber
    /// calls a US fixed-line number is taken by it; the general pattern takes all ten digits
    /// from 2–9. With that text (every alternative ends in six free digits), the table is
    /// exact. A metadata update that changes them fails here, and must come back to the
    /// module docs' reasoning.
    #[test]
    fn the_pinned_us_patterns_are_libphonenumbers_for_every_start() {
        let (general, fixed) = (full_match(GENERAL), full_match(FIXED_LINE));
        let mut valid_starts = 0;
        for start in 2000..10_000u64 {
            valid_starts += usize::from(US_FIXED_LINE_STARTS[start as usize]);
            for end in [0, 999_999, 529_813, 100_000, 47] {
                let n = number(start * DIVISOR + end);
                let text = n.national_number.to_string();
                assert!(general.is_match(&text), "{text}");
                if fixed.is_match(&text) {
                    assert!(n.is_valid_for_region(PnRegion::US), "{text}");
                }
                if is_us_fixed_line(&n) {
                    assert!(fixed.is_match(&text), "{text}");
                }
                if US_FIXED_LINE_STARTS[start as usize] {
                    assert!(fixed.is_match(&text), "{text}");
                    assert!(surely_valid(&n) && n.is_valid(), "{text}");
                }
            }
        }
        // Most area codes, each with the exchange's first digit 2–9.
        assert!(valid_starts > 2_000, "{valid_starts}");
        assert!(
            !surely_valid(&number(9_836_000_000)),
            "983 takes 2-5, 7-9 only"
        );
        assert!(surely_valid(&number(9_835_000_000)));
        assert!(surely_valid(&number(6_152_000_000)));
        assert!(!surely_valid(&number(6_151_000_000)), "exchange starting 1");
        assert!(
            !surely_valid(&number(8_005_550_199)),
            "toll free: not in the table"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        /// Any ten digits starting 2–9: where the table says valid, libphonenumber's full
        /// check does, and valid for the US.
        #[test]
        fn surely_valid_numbers_are_valid(national in FIRST..=LAST) {
            let n = number(national);
            if surely_valid(&n) {
                prop_assert!(n.is_valid_for_region(PnRegion::US), "{}", national);
                prop_assert!(n.is_valid(), "{}", national);
            }
        }

        /// Numbers in the table's area codes: the answer holds for any last six digits.
        #[test]
        fn the_last_six_digits_never_matter(start in 2000u64..10_000, end in 0u64..DIVISOR) {
            let n = number(start * DIVISOR + end);
            prop_assert_eq!(surely_valid(&n), US_FIXED_LINE_STARTS[start as usize]);
            if surely_valid(&n) {
                prop_assert!(n.is_valid(), "{}", n.national_number);
            }
        }
    }
}
