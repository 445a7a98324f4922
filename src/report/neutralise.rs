//! Formula-injection defence for cells written to files a person opens in a spreadsheet.
//!
//! A cell that starts with `=`, `+`, `-`, `@`, tab or carriage return can be run as a formula
//! by Excel, LibreOffice or Google Sheets when the file is opened (CSV) or the cell edited
//! (XLSX). The OWASP recommendation is to prefix such a cell with a single quote `'`: a
//! spreadsheet then shows the text as text, and the quote is visible, so nothing is hidden
//! from the reviewer. Values that are plainly numbers (`-12.5`, `+3`) and E.164 phones
//! (`+14155550134`) are left alone: a spreadsheet reads them as numbers, never as formulas,
//! and prefixing every phone would make the reject file useless to re-import.
//!
//! [`unneutralise`] undoes the prefix; the input side applies it so that a reject file, fixed
//! and fed back, gives the original values.

use std::borrow::Cow;

/// The characters that make a spreadsheet treat a cell as a formula (or start one).
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as it should be written: unchanged, or with a leading `'` when a spreadsheet
/// could take it for a formula. Plain numbers and E.164 phones are exempt.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(first) if TRIGGERS.contains(&first) && !is_plain_number(cell) && !is_e164(cell) => {
            Cow::Owned(format!("'{cell}"))
        }
        _ => Cow::Borrowed(cell),
    }
}

/// Whether [`neutralise`] would change the cell.
pub fn needs_neutralising(cell: &str) -> bool {
    matches!(neutralise(cell), Cow::Owned(_))
}

/// Undo [`neutralise`]: strip one leading `'` when what follows would have been neutralised.
/// Anything else (a name like `'Tis`, a lone quote) is returned unchanged.
pub fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_neutralising(rest) => rest,
        _ => cell,
    }
}

/// An optionally signed decimal with an optional exponent: `-12.5`, `+3`, `-.5`, `-1e-3`.
fn is_plain_number(cell: &str) -> bool {
    let unsigned = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = (!int.is_empty() || !frac.is_empty()) && digits(int) && digits(frac);
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// `+` then 7 to 15 digits, the first not 0 (ITU-T E.164 allows at most 15).
fn is_e164(cell: &str) -> bool {
    let Some(digits) = cell.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len())
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trigger_is_prefixed() {
        for cell in [
            "=1+2",
            "=HYPERLINK(\"http://x\")",
            "+1 (415) 555-0134",
            "-2+3",
            "- none -",
            "@SUM(A1)",
            "@vip",
            "\tTab",
            "\rCR",
            "-",
            "+",
        ] {
            assert_eq!(neutralise(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn plain_numbers_and_e164_are_exempt() {
        for cell in [
            "-12.5",
            "+3",
            "-.5",
            "-1e-3",
            "-7E+2",
            "+14155550134",
            "+442079460123",
        ] {
            assert_eq!(neutralise(cell), cell, "{cell:?}");
            assert!(matches!(neutralise(cell), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn lookalikes_are_not_exempt() {
        // Too long for E.164, a leading zero, a trailing letter, an empty exponent.
        for cell in [
            "+1415555013412345",
            "+0123456789",
            "-12a",
            "-1e",
            "-.",
            "+1-415",
        ] {
            assert_eq!(neutralise(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn ordinary_text_is_untouched() {
        for cell in ["", "Ann", "a@x.com", "12", " =1", "'quoted", "O'Brien"] {
            assert!(matches!(neutralise(cell), Cow::Borrowed(_)), "{cell:?}");
        }
    }

    #[test]
    fn unneutralise_round_trips() {
        for cell in [
            "=1+2",
            "+1 (415) 555-0134",
            "@vip",
            "-12.5",
            "+14155550134",
            "'Tis",
            "'",
        ] {
            assert_eq!(unneutralise(&neutralise(cell)), cell, "{cell:?}");
        }
    }
}
