//! Calendar arithmetic for dates of birth: a plausible, real date (`checked`), two-digit
//! years, Excel's serial day numbers (its 1900 leap-year bug included), and a date spelled out
//! for a message. Proleptic Gregorian; no time zones (a birthday has none).

/// Year, month (1-12), day.
pub(super) type Ymd = (i64, u32, u32);

/// "3 July 1985".
pub(super) fn spelled((y, m, d): Ymd) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = NAMES.get(m as usize - 1).copied().unwrap_or("?");
    format!("{d} {month} {y}")
}

pub(super) fn two_digit_year(yy: u32) -> i64 {
    // A person born in 2030 is not in a contact list yet; 1930 is plausible.
    if yy >= 30 {
        1900 + i64::from(yy)
    } else {
        2000 + i64::from(yy)
    }
}

pub(super) fn excel_serial(s: &str) -> Option<i64> {
    let int = s.strip_suffix(".0").unwrap_or(s);
    if int.is_empty() || int.len() > 7 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Four digits is a year, not a date; eight is YYYYMMDD.
    if int.len() == 4 && s.len() == 4 {
        return None;
    }
    int.parse().ok().filter(|n| (1..=2_958_465).contains(n))
}

pub(super) fn from_excel_serial(serial: i64) -> Result<(i64, u32, u32), String> {
    if serial == 60 {
        return Err("Excel's serial 60 is 29 February 1900, a day that never was".into());
    }
    // Excel counts from 1900-01-01 = 1 and wrongly has 1900-02-29: from serial 61 on, day 0 is
    // 1899-12-30; before it, 1899-12-31.
    let base = if serial > 60 { serial } else { serial + 1 };
    let (y, m, d) = civil_from_days(days_from_civil(1899, 12, 30) + base);
    checked(y, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub(super) fn checked(y: i64, m: u32, d: u32) -> Result<(i64, u32, u32), String> {
    if !(1900..=2100).contains(&y) {
        return Err(format!("year {y} is not a plausible birth year"));
    }
    if !(1..=12).contains(&m) {
        return Err(format!("there is no month {m}"));
    }
    let days = match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if d == 0 || d > days {
        return Err(format!("month {m} of {y} has no day {d}"));
    }
    Ok((y, m, d))
}

// Howard Hinnant's days-from-civil algorithm (proleptic Gregorian).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
