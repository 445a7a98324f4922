//! The few layouts of a North American number that most files hold (`(615) 200-0000`,
//! `615-633-9887`, `+1 615 633 9887`, …), read without libphonenumber's parser: the same
//! `PhoneNumber` its `parse` gives, at a fraction of the cost (issue 20: the parse was ~15 %
//! of `validate`'s instructions). Anything else, or any doubt, goes to the full parse.
//!
//! Why the result is the parser's own, for these layouts only: the input is digits and the
//! layout's fixed punctuation (no letters, no extension, no `;phone-context`); the ten national
//! digits start with 2–9 (a NANP area code), so neither the region's international prefix
//! (`011`) nor its national prefix (`1`) can be read into them; written with `+1`, the country
//! code is 1 whatever the region; written with a bare leading `1` or none, the region must be
//! US or CA, whose metadata strips that `1` as the country code (eleven digits are too long
//! for either) and take ten digits as they are. Validity is not decided here: it is checked on
//! the number built, as for any other. The tests compare both paths on every layout.

use rlibphonenumber::enums::Region as PnRegion;
use rlibphonenumber::PhoneNumber;

use super::phone::Region;

/// Layouts with `+1`: the region does not matter. `N` is a digit, anything else itself.
const INTERNATIONAL: [&[u8]; 5] = [
    b"+1NNNNNNNNNN",
    b"+1 NNN NNN NNNN",
    b"+1-NNN-NNN-NNNN",
    b"+1.NNN.NNN.NNNN",
    b"+1 (NNN) NNN-NNNN",
];

/// Layouts read with a US or CA region.
const NATIONAL: [&[u8]; 11] = [
    b"NNNNNNNNNN",
    b"(NNN) NNN-NNNN",
    b"(NNN)NNN-NNNN",
    b"NNN-NNN-NNNN",
    b"NNN.NNN.NNNN",
    b"NNN NNN NNNN",
    b"1NNNNNNNNNN",
    b"1-NNN-NNN-NNNN",
    b"1.NNN.NNN.NNNN",
    b"1 NNN NNN NNNN",
    b"1 (NNN) NNN-NNNN",
];

/// The number `PHONE_NUMBER_UTIL.parse(raw, region)` gives, when `raw` (trimmed) has one of
/// the layouts above; `None` otherwise.
pub(super) fn parse(raw: &str, region: Option<Region>) -> Option<PhoneNumber> {
    let bytes = raw.as_bytes();
    let national_ok = region.is_some_and(|r| matches!(r.inner(), PnRegion::US | PnRegion::CA));
    let layouts: &[&[u8]] = match bytes.first() {
        Some(b'+') => &INTERNATIONAL,
        Some(_) if national_ok => &NATIONAL,
        _ => return None,
    };
    let national = layouts
        .iter()
        .filter(|layout| layout.len() == bytes.len())
        .find_map(|layout| national_digits(layout, bytes))?;
    Some(PhoneNumber {
        country_code: 1,
        national_number: national,
        ..PhoneNumber::default()
    })
}

/// The E.164 form of a number [`parse`] gave (`+1` and its ten national digits), as
/// libphonenumber's formatter writes it, without the formatter.
pub(super) fn e164(number: &PhoneNumber) -> String {
    let mut out = String::with_capacity(12);
    out.push_str("+1");
    let mut buf = [0u8; 20];
    let mut n = number.national_number;
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(buf[at..].iter().map(|&b| char::from(b)));
    out
}

/// The ten national digits as a number, when `bytes` has `layout` and the first of them is
/// 2–9. A layout's `N`s are its last ten digits plus, for some, none before them (the `1`s
/// before are literal).
fn national_digits(layout: &[u8], bytes: &[u8]) -> Option<u64> {
    let mut national = 0u64;
    let mut count = 0;
    for (&want, &got) in layout.iter().zip(bytes) {
        if want == b'N' {
            if !got.is_ascii_digit() || (count == 0 && got < b'2') {
                return None;
            }
            national = national * 10 + u64::from(got - b'0');
            count += 1;
        } else if want != got {
            return None;
        }
    }
    (count == 10).then_some(national)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rlibphonenumber::{PhoneNumberFormat, PHONE_NUMBER_UTIL};

    use super::*;

    fn regions() -> Vec<Option<Region>> {
        let mut regions = vec![None];
        for code in ["US", "CA", "GB", "DE", "JM", "AG", "PR", "AU", "FR"] {
            regions.push(Some(Region::from_code(code).expect("a known region")));
        }
        regions
    }

    fn full(raw: &str, region: Option<Region>) -> Option<PhoneNumber> {
        PHONE_NUMBER_UTIL.parse(raw, region.map(|r| r.inner())).ok()
    }

    /// Fills a layout's `N`s from `digits`.
    fn laid_out(layout: &[u8], digits: &[u8]) -> String {
        let mut next = digits.iter();
        layout
            .iter()
            .map(|&b| {
                if b == b'N' {
                    char::from(b'0' + next.next().copied().unwrap_or(0))
                } else {
                    char::from(b)
                }
            })
            .collect()
    }

    #[test]
    fn the_common_layouts_take_the_shortcut() {
        let us = Region::from_code("US");
        for raw in [
            "(615) 200-0000",
            "615-633-9887",
            "+16156339887",
            "1-615-633-9887",
        ] {
            let fast = parse(raw, us).expect(raw);
            assert_eq!(Some(fast), full(raw, us), "{raw}");
        }
        // Not these: a region outside US/CA, an area code starting 0 or 1, a letter, an
        // extension, another country code.
        for (raw, region) in [
            ("615-633-9887", Region::from_code("GB")),
            ("615-633-9887", Region::from_code("JM")),
            ("615-633-9887", None),
            ("015-633-9887", us),
            ("115-633-9887", us),
            ("615-633-98a7", us),
            ("615-633-9887 x12", us),
            ("+44 20 7946 0958", us),
            ("+1 015 633 9887", us),
        ] {
            assert_eq!(parse(raw, region), None, "{raw} {region:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Every layout, any digits (area codes 0–9 first), every region: where the shortcut
        /// answers, the full parse gives the same number; and it answers for every area code
        /// starting 2–9 in the regions it covers.
        #[test]
        fn every_layout_parses_as_the_full_parser_does(
            layout in prop::sample::select(
                INTERNATIONAL.iter().chain(NATIONAL.iter()).copied().collect::<Vec<_>>()
            ),
            digits in prop::collection::vec(0u8..10, 11),
            region in prop::sample::select(regions()),
        ) {
            let raw = laid_out(layout, &digits);
            let fast = parse(&raw, region);
            if let Some(fast) = &fast {
                prop_assert_eq!(Some(fast.clone()), full(&raw, region), "{} {:?}", raw, region);
                let formatted = fast.format_as(PhoneNumberFormat::E164).to_string();
                prop_assert_eq!(e164(fast), formatted);
            }
            let first = raw.bytes().position(|b| b.is_ascii_digit()).unwrap_or(0);
            let skip = usize::from(layout.starts_with(b"+1") || layout.starts_with(b"1"));
            let area = raw[first..].bytes().filter(u8::is_ascii_digit).nth(skip).unwrap_or(b'0');
            let covered = layout.starts_with(b"+")
                || region.is_some_and(|r| matches!(r.inner(), PnRegion::US | PnRegion::CA));
            prop_assert_eq!(fast.is_some(), covered && area >= b'2', "{} {:?}", raw, region);
        }

        /// Any string of digits and phone punctuation: the shortcut never disagrees.
        #[test]
        fn never_disagrees_with_the_full_parser(
            raw in "[+0-9() .x-]{0,18}",
            region in prop::sample::select(regions()),
        ) {
            if let Some(fast) = parse(&raw, region) {
                prop_assert_eq!(Some(fast), full(&raw, region), "{} {:?}", raw, region);
            }
        }
    }
}
