//! Dates of birth to `YYYY-MM-DD`.
//!
//! Accepted: year-first `YYYY-MM-DD` with `-`, `/`, `.` or `_` (HighLevel's four year-first
//! formats) and an ISO date-time (the time is dropped); `NN?NN?YYYY` with the same separators;
//! two-digit years (`30`–`99` → 19xx, `00`–`29` → 20xx); `YYYYMMDD`; month names (`25 Sep
//! 1990`, `September 25, 1990`, `Sep 25 1990`); and Excel serial day numbers (1–2958465, as a
//! cell holding a date formatted as a number shows). Impossible dates (30 February) are refused.
//!
//! The day/month order of `NN?NN?YYYY` (issue 13.6), first rule that applies:
//! 1. the mapping's `date_order`, when it sets one, for every row;
//! 2. when only one reading is a real date (`25/12/1990`), that one;
//! 3. the row's country, where one order is the rule (month first in the United States and
//!    the places that write dates its way, day first in most of the world; Canada, the
//!    Philippines and the year-first countries settle nothing);
//! 4. a dotted date (`07.03.1985`) is day-first: dotted dates are written day-first nearly
//!    everywhere they are used;
//! 5. otherwise both readings are real dates and nothing says which: `dob_ambiguous`, naming
//!    both, and the date is left out. A wrong birthday is worse than none: HighLevel's
//!    birthday workflows would greet the person on the wrong day.

mod calendar;

use super::invisible::quoted;
use super::issue::{IssueCode, Problem};
use calendar::{checked, excel_serial, from_excel_serial, spelled, two_digit_year, Ymd};

/// How to read `NN/NN/YYYY` when it is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    /// Month first (`03/04/1990` is 4 March), as HighLevel reads it.
    #[default]
    MonthFirst,
    /// Day first (`03/04/1990` is 3 April).
    DayFirst,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Whether a cell is an exporter's way of writing "no date" (Outlook writes `0/0/00`), to be
/// read as empty rather than as a bad date.
pub(crate) fn is_empty_marker(raw: &str) -> bool {
    // Asked of every date of birth: walked, not collected (issue 20).
    let mut marks = raw.chars().filter(|c| !c.is_whitespace()).peekable();
    marks.peek().is_some() && marks.all(|c| c == '0' || c == '/' || c == '-' || c == '.')
}

/// Normalises a date of birth under a known day/month order (the mapping's `date_order`), or
/// says why it cannot.
pub fn normalise_dob(raw: &str, order: DateOrder) -> Result<String, Problem> {
    normalise_dob_for(raw, Some(order), None)
}

/// Normalises a date of birth with the mapping's `date_order` if it sets one, else the row's
/// country (alpha-2) if it has one, under the rules of the module's documentation.
pub fn normalise_dob_for(
    raw: &str,
    mapping_order: Option<DateOrder>,
    country: Option<&str>,
) -> Result<String, Problem> {
    let s = raw.trim();
    let settled = Settled {
        mapping: mapping_order,
        country: country.and_then(country_date_order),
    };
    let (y, m, d) = parse(s, settled).map_err(|refusal| match refusal {
        Refusal::Invalid(why) => Problem::new(
            IssueCode::DobInvalid,
            format!("{} is not a date of birth: {why}", quoted(s)),
        ),
        Refusal::Ambiguous {
            month_first,
            day_first,
        } => Problem::new(
            IssueCode::DobAmbiguous,
            format!(
                "{} could be {} (month first) or {} (day first), so it was left out: set \
                 date_order = \"mdy\" or \"dmy\" in the mapping, or map a country column",
                quoted(s),
                spelled(month_first),
                spelled(day_first)
            ),
        ),
    })?;
    Ok(iso_date(y, m, d))
}

/// `format!("{y:04}-{m:02}-{d:02}")`, written digit by digit for the dates a file holds (the
/// formatter was a fifth of this module's instructions).
fn iso_date(y: i64, m: u32, d: u32) -> String {
    let (Ok(year @ 0..=9999), true, true) = (u32::try_from(y), m < 100, d < 100) else {
        return format!("{y:04}-{m:02}-{d:02}");
    };
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let mut out = String::with_capacity(10);
    out.extend([year / 1000, year / 100, year / 10, year].map(digit));
    out.push('-');
    out.extend([m / 10, m].map(digit));
    out.push('-');
    out.extend([d / 10, d].map(digit));
    out
}

/// What settles the day/month order for one row.
#[derive(Debug, Clone, Copy)]
struct Settled {
    mapping: Option<DateOrder>,
    country: Option<DateOrder>,
}

enum Refusal {
    Invalid(String),
    Ambiguous { month_first: Ymd, day_first: Ymd },
}

impl From<String> for Refusal {
    fn from(why: String) -> Refusal {
        Refusal::Invalid(why)
    }
}

impl From<&str> for Refusal {
    fn from(why: &str) -> Refusal {
        Refusal::Invalid(why.to_string())
    }
}

/// The day/month order a country writes all-numeric dates in, where one order is the rule.
/// Month first: the United States, its territories and the freely associated states, and
/// Belize. Nothing: Canada (all three orders in use), the Philippines, Saudi Arabia, Ghana,
/// Kenya and Malaysia (day and month first both common), and the year-first countries, whose
/// rare year-last dates follow no one rule. Day first: everywhere else.
pub fn country_date_order(code: &str) -> Option<DateOrder> {
    // Upper-cased in place: this runs for every row with a country (issue 20: an allocation
    // per row). Only a two-letter code can be one of the lists below.
    let upper = match code.trim().as_bytes() {
        [] => return None,
        [a, b] => [a.to_ascii_uppercase(), b.to_ascii_uppercase()],
        _ => return Some(DateOrder::DayFirst),
    };
    match &upper {
        b"US" | b"AS" | b"GU" | b"MP" | b"PR" | b"VI" | b"UM" | b"FM" | b"MH" | b"PW" | b"BZ" => {
            Some(DateOrder::MonthFirst)
        }
        b"CA" | b"PH" | b"SA" | b"GH" | b"KE" | b"MY" | b"CN" | b"JP" | b"KR" | b"KP" | b"TW"
        | b"HU" | b"MN" | b"LT" | b"BT" | b"IR" => None,
        _ => Some(DateOrder::DayFirst),
    }
}

fn parse(s: &str, order: Settled) -> Result<Ymd, Refusal> {
    if s.is_empty() {
        return Err("empty".into());
    }
    // ISO date-time: keep the date part.
    let s = match s.find(['T', ' ']) {
        Some(i) if i == 10 && s.as_bytes().get(4) == Some(&b'-') => &s[..10],
        _ => s,
    };
    if let Some(serial) = excel_serial(s) {
        return Ok(from_excel_serial(serial)?);
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
        return Ok(checked(i64::from(n(0..4)), n(4..6), n(6..8))?);
    }
    if s.chars().any(|c| c.is_ascii_alphabetic()) {
        return Ok(month_name(s)?);
    }
    // Three parts, and not a fourth (taken one by one: no `Vec` per date).
    let mut parts = s.split(['-', '/', '.', '_']);
    let (Some(a), Some(b), Some(c), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("expected three parts like 1990-09-25 or 09/25/1990".into());
    };
    let dotted = s.contains('.');
    let num = |p: &str| -> Result<u32, String> {
        if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("\"{p}\" is not a number"));
        }
        p.parse::<u32>().map_err(|e| e.to_string())
    };
    let (a_n, b_n, c_n) = (num(a)?, num(b)?, num(c)?);
    if a.len() == 4 {
        return Ok(checked(i64::from(a_n), b_n, c_n)?);
    }
    if c.len() != 4 && c.len() != 2 {
        return Err("the year must have four (or two) digits".into());
    }
    let year = if c.len() == 2 {
        two_digit_year(c_n)
    } else {
        i64::from(c_n)
    };
    match order.mapping {
        Some(DateOrder::MonthFirst) => Ok(checked(year, a_n, b_n).map_err(|why| {
            if a_n > 12 && b_n <= 12 {
                format!("{why}; it looks day-first: set date_order = \"dmy\" in the mapping")
            } else {
                why
            }
        })?),
        Some(DateOrder::DayFirst) => Ok(checked(year, b_n, a_n)?),
        None => match (checked(year, a_n, b_n), checked(year, b_n, a_n)) {
            (Ok(month_first), Ok(day_first)) if month_first != day_first => match order.country {
                Some(DateOrder::MonthFirst) => Ok(month_first),
                Some(DateOrder::DayFirst) => Ok(day_first),
                None if dotted => Ok(day_first),
                None => Err(Refusal::Ambiguous {
                    month_first,
                    day_first,
                }),
            },
            (Ok(date), _) | (_, Ok(date)) => Ok(date),
            (Err(why), Err(_)) => Err(why.into()),
        },
    }
}

fn month_name(s: &str) -> Result<(i64, u32, u32), String> {
    let words: Vec<String> = s
        .split(|c: char| c.is_whitespace() || c == ',' || c == '-' || c == '/' || c == '.')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let [w1, w2, w3] = words.as_slice() else {
        return Err("expected a day, a month name and a year".into());
    };
    let month_of = |w: &str| {
        MONTHS
            .iter()
            .position(|m| w.len() >= 3 && w.starts_with(m))
            .map(|i| i as u32 + 1)
    };
    let day_of = |w: &str| {
        w.trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .parse::<u32>()
            .ok()
    };
    let year_of = |w: &str| (w.len() == 4).then(|| w.parse::<i64>().ok()).flatten();
    let found = if let Some(m) = month_of(w1) {
        day_of(w2).zip(year_of(w3)).map(|(d, y)| (y, m, d))
    } else if let Some(m) = month_of(w2) {
        day_of(w1).zip(year_of(w3)).map(|(d, y)| (y, m, d))
    } else {
        None
    };
    let (y, m, d) = found.ok_or("expected a day, a month name and a four-digit year")?;
    checked(y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mdy(s: &str) -> Result<String, Problem> {
        normalise_dob(s, DateOrder::MonthFirst)
    }

    proptest::proptest! {
        /// The walk says what the collected copy it replaced said.
        #[test]
        fn empty_markers_as_before(raw in "[0/.\\- \t1a\u{a0}]{0,8}") {
            let collected: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
            let before = !collected.is_empty()
                && collected.chars().all(|c| c == '0' || c == '/' || c == '-' || c == '.');
            proptest::prop_assert_eq!(is_empty_marker(&raw), before, "{:?}", raw);
        }

        /// Digit by digit as the formatter writes it, inside the range and past it.
        #[test]
        fn iso_dates_as_the_formatter_writes_them(y in -20i64..10_020, m in 0u32..120, d in 0u32..120) {
            proptest::prop_assert_eq!(iso_date(y, m, d), format!("{y:04}-{m:02}-{d:02}"));
        }
    }

    #[test]
    fn empty_markers() {
        assert!(is_empty_marker("0/0/00") && is_empty_marker(" 00-00 "));
        assert!(!is_empty_marker("") && !is_empty_marker("  ") && !is_empty_marker("0/1/00"));
    }

    #[test]
    fn a_country_s_date_order_ignores_case_and_spaces() {
        use DateOrder::{DayFirst, MonthFirst};
        for (code, order) in [
            ("US", Some(MonthFirst)),
            (" us ", Some(MonthFirst)),
            ("bZ", Some(MonthFirst)),
            ("ca", None),
            ("Ir", None),
            ("", None),
            ("  ", None),
            ("FR", Some(DayFirst)),
            ("USA", Some(DayFirst)),
            ("U", Some(DayFirst)),
            ("é", Some(DayFirst)),
        ] {
            assert_eq!(country_date_order(code), order, "{code:?}");
        }
    }

    #[test]
    fn every_api_format() {
        for s in [
            "1990/09/25",
            "09/25/1990",
            "1990-09-25",
            "09-25-1990",
            "1990.09.25",
            "09.25.1990",
            "1990_09_25",
            "09_25_1990",
        ] {
            assert_eq!(mdy(s).unwrap(), "1990-09-25", "{s}");
        }
    }

    #[test]
    fn other_common_forms() {
        assert_eq!(mdy("1990-09-25T00:00:00.000Z").unwrap(), "1990-09-25");
        assert_eq!(mdy("19900925").unwrap(), "1990-09-25");
        assert_eq!(mdy("9/5/85").unwrap(), "1985-09-05");
        assert_eq!(mdy("25 Sep 1990").unwrap(), "1990-09-25");
        assert_eq!(mdy("September 25, 1990").unwrap(), "1990-09-25");
        assert_eq!(mdy("Sep 25th 1990").unwrap(), "1990-09-25");
        // Excel serials: 33141 is 1990-09-25; 1 is 1900-01-01; 61 is 1900-03-01.
        assert_eq!(mdy("33141").unwrap(), "1990-09-25");
        assert_eq!(mdy("33141.0").unwrap(), "1990-09-25");
        assert_eq!(mdy("1").unwrap(), "1900-01-01");
        assert_eq!(mdy("61").unwrap(), "1900-03-01");
    }

    #[test]
    fn date_order() {
        assert_eq!(mdy("03/04/1990").unwrap(), "1990-03-04");
        assert_eq!(
            normalise_dob("03/04/1990", DateOrder::DayFirst).unwrap(),
            "1990-04-03"
        );
        let err = mdy("25/12/1990").unwrap_err();
        assert!(err.message.contains("dmy"), "{}", err.message);
        assert_eq!(
            normalise_dob("25/12/1990", DateOrder::DayFirst).unwrap(),
            "1990-12-25"
        );
    }

    #[test]
    fn ambiguous_dates_are_not_guessed() {
        let free = |s: &str, country: Option<&str>| normalise_dob_for(s, None, country);
        // Issue 13.6: a German row's dotted date is day-first.
        assert_eq!(free("07.03.1985", Some("DE")).unwrap(), "1985-03-07");
        // Dotted without a country: day-first all the same.
        assert_eq!(free("07.03.1985", None).unwrap(), "1985-03-07");
        assert_eq!(free("07/03/1985", Some("US")).unwrap(), "1985-07-03");
        assert_eq!(free("07/03/1985", Some("GB")).unwrap(), "1985-03-07");
        // Only one reading is a date, or both are the same day: no question.
        assert_eq!(free("25/12/1990", None).unwrap(), "1990-12-25");
        assert_eq!(free("12/25/1990", Some("FR")).unwrap(), "1990-12-25");
        assert_eq!(free("05/05/1990", None).unwrap(), "1990-05-05");
        assert_eq!(free("09.25.1990", None).unwrap(), "1990-09-25");
        for (s, country) in [("07/03/1985", None), ("07-03-85", Some("CA"))] {
            let err = free(s, country).unwrap_err();
            assert_eq!(err.code, IssueCode::DobAmbiguous, "{s}");
            assert!(err.message.contains("3 July 1985"), "{}", err.message);
            assert!(err.message.contains("7 March 1985"), "{}", err.message);
        }
        // The mapping's date_order settles every row, whatever its country.
        assert_eq!(
            normalise_dob_for("07.03.1985", Some(DateOrder::MonthFirst), Some("DE")).unwrap(),
            "1985-07-03"
        );
        // Year-first and month-name dates are never ambiguous.
        assert_eq!(free("1985-07-03", None).unwrap(), "1985-07-03");
        assert_eq!(free("7 Mar 1985", None).unwrap(), "1985-03-07");
    }

    #[test]
    fn impossible_dates() {
        for s in [
            "02/30/1990",
            "1990-02-29",
            "1990-13-01",
            "00/10/1990",
            "60",
            "1990",
            "x",
            "",
        ] {
            assert_eq!(mdy(s).unwrap_err().code, IssueCode::DobInvalid, "{s}");
        }
        assert_eq!(mdy("2000-02-29").unwrap(), "2000-02-29");
    }
}
