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
//! and fed back, gives the original values. The rule lives beside the reader, the lowest layer
//! that needs it: `report` (which writes) and `mapping` (which reads a reject file) both import
//! it from here.

use std::borrow::Cow;

/// The characters that make a spreadsheet treat a cell as a formula (or start one).
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as it should be written: unchanged, or with a leading `'` when a spreadsheet
/// could take it for a formula. Plain numbers and E.164 phones are exempt.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(first) if TRIGGERS.contains(&first) && !is_plain_number(cell) => {
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
/// E.164 phones (`+` and up to 15 digits) are such numbers too.
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
        // A trailing letter, an empty exponent, a lone point, separators inside.
        for cell in ["-12a", "-1e", "-.", "+1-415", "+1 415 555 0134", "-1,5"] {
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
