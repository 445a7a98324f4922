//! Characters a person cannot see: zero-width and BOM characters stripped from identities and
//! names (issue 21.5), control characters stripped from every value with a warning (issue
//! 19.10), and [`quoted`], which every message quoting a value uses so that what is left
//! invisible shows by code point (`"ann@example.com<U+00A0>"`).

use std::borrow::Cow;

use super::issue::{IssueCode, Problem};

/// Zero-width space, non-joiner and joiner, word joiner, and the BOM (zero-width no-break
/// space): what copying from web pages, PDFs and Word leaves behind in a cell.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// An email or phone without zero-width or BOM characters: they are never part of one, and a
/// stray one makes a valid address look invalid (or two equal addresses differ).
pub(crate) fn strip_zero_width(raw: &str) -> Cow<'_, str> {
    // Every zero-width character is outside ASCII, and most cells are ASCII: one fast scan.
    if raw.is_ascii() || !raw.chars().any(is_zero_width) {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(raw.chars().filter(|c| !is_zero_width(*c)).collect())
}

/// A name without zero-width or BOM characters, except a zero-width non-joiner or joiner
/// between two non-ASCII characters: Persian and Indic names and emoji sequences use them
/// there on purpose, while next to Latin letters, spaces or the ends they are debris.
pub(crate) fn strip_zero_width_in_name(raw: &str) -> Cow<'_, str> {
    if raw.is_ascii() || !raw.chars().any(is_zero_width) {
        return Cow::Borrowed(raw);
    }
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    for (i, &c) in chars.iter().enumerate() {
        if !is_zero_width(c) {
            out.push(c);
            continue;
        }
        let joiner = matches!(c, '\u{200C}' | '\u{200D}');
        let meaningful = |n: Option<&char>| {
            n.is_some_and(|n| !n.is_ascii() && !n.is_whitespace() && !is_zero_width(*n))
        };
        let before = out.chars().next_back();
        if joiner && meaningful(before.as_ref()) && meaningful(chars.get(i + 1)) {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A control character that has no business in a contact field. Tab, line feed and carriage
/// return are whitespace: notes keep them, other fields collapse them to one space.
fn is_stray_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Removes control characters (NUL, ESC, DEL, C1 controls…) from a value: they are never
/// sent. Returns the cleaned value and, when something was removed, a `control_characters`
/// warning that names them by code point.
pub(crate) fn strip_controls(raw: &str) -> (Cow<'_, str>, Option<Problem>) {
    // Asked of every value of every row (issue 20): printable ASCII, tab, LF and CR are the
    // common case and hold no control character; anything else is looked at by character.
    let printable = |b: u8| (b' '..=b'~').contains(&b) || matches!(b, b'\t' | b'\n' | b'\r');
    if raw.bytes().all(printable) || !raw.chars().any(is_stray_control) {
        return (Cow::Borrowed(raw), None);
    }
    let mut found: Vec<char> = raw.chars().filter(|c| is_stray_control(*c)).collect();
    found.sort_unstable();
    found.dedup();
    let names: Vec<String> = found.iter().map(|c| code_point(*c)).collect();
    let cleaned: String = raw.chars().filter(|c| !is_stray_control(*c)).collect();
    let problem = Problem::new(
        IssueCode::ControlCharacters,
        format!(
            "{} held control character{} {} (not sent: removed from the value)",
            quoted(raw),
            if found.len() == 1 { "" } else { "s" },
            names.join(", ")
        ),
    );
    (Cow::Owned(cleaned), Some(problem))
}

/// Whether a character is invisible in a message: a control character, a space other than
/// the plain one, or a default-ignorable code point (Unicode's DerivedCoreProperties:
/// zero-width characters, bidi marks, soft hyphen, variation selectors, tag characters…).
fn is_invisible(c: char) -> bool {
    (c.is_control() || (c.is_whitespace() && c != ' '))
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFF8}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

fn code_point(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// A value in double quotes for a message, every invisible character written as `<U+XXXX>` so
/// that the culprit of "not a valid email" can be seen.
pub fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if is_invisible(c) {
            out.push('<');
            out.push_str(&code_point(c));
            out.push('>');
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The ASCII shortcuts answer as the character walks: borrowed exactly when nothing
        /// is found.
        #[test]
        fn the_ascii_shortcuts_change_no_answer(
            raw in "[ -~\t\n\r\u{0}\u{1b}\u{7f}\u{85}\u{9f}\u{200b}\u{200d}\u{feff}é]{0,10}",
        ) {
            let controls = raw.chars().any(is_stray_control);
            let (cleaned, problem) = strip_controls(&raw);
            prop_assert_eq!(matches!(cleaned, Cow::Borrowed(_)), !controls);
            prop_assert_eq!(problem.is_some(), controls);
            let expected: String = raw.chars().filter(|c| !is_stray_control(*c)).collect();
            prop_assert_eq!(cleaned.as_ref(), expected.as_str());
            let zero_width = raw.chars().any(is_zero_width);
            prop_assert_eq!(matches!(strip_zero_width(&raw), Cow::Borrowed(_)), !zero_width);
            let in_name = strip_zero_width_in_name(&raw);
            prop_assert_eq!(matches!(in_name, Cow::Borrowed(_)), !zero_width);
        }
    }

    #[test]
    fn zero_width_is_stripped_from_identities() {
        assert_eq!(
            strip_zero_width("ann@example.com\u{200B}"),
            "ann@example.com"
        );
        assert_eq!(strip_zero_width("\u{FEFF}+1 415\u{2060}555"), "+1 415555");
        assert!(matches!(strip_zero_width("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn joiners_stay_inside_scripts_that_use_them() {
        // Persian "Mehrdad" style: ZWNJ between two Arabic-script letters is spelling.
        assert_eq!(
            strip_zero_width_in_name("می\u{200C}خواهم"),
            "می\u{200C}خواهم"
        );
        assert_eq!(strip_zero_width_in_name("\u{200B}Ann\u{200C}"), "Ann");
        assert_eq!(strip_zero_width_in_name("Jo\u{200D}hn"), "John");
        assert_eq!(strip_zero_width_in_name("Ann\u{FEFF}"), "Ann");
    }

    #[test]
    fn controls_are_named_and_removed() {
        let (clean, problem) = strip_controls("Ann\u{0}e\u{1B}");
        assert_eq!(clean, "Anne");
        let problem = problem.unwrap();
        assert_eq!(problem.code, IssueCode::ControlCharacters);
        assert!(
            problem.message.contains("U+0000, U+001B"),
            "{}",
            problem.message
        );
        assert!(problem.message.contains("\"Ann<U+0000>e<U+001B>\""));
        let (clean, problem) = strip_controls("line one\nline\ttwo\r\n");
        assert_eq!(clean, "line one\nline\ttwo\r\n");
        assert!(problem.is_none());
    }

    #[test]
    fn quoting_shows_what_cannot_be_seen() {
        assert_eq!(quoted("a\u{A0}b"), "\"a<U+00A0>b\"");
        assert_eq!(quoted("ann@x.com\u{200B}"), "\"ann@x.com<U+200B>\"");
        assert_eq!(quoted("José Müller"), "\"José Müller\"");
    }

    proptest! {
        #[test]
        fn cleaning_is_idempotent_and_total(s in "[a-zA-Z@. \u{0}-\u{1F}\u{7F}\u{85}\u{A0}\u{200B}-\u{200D}\u{2060}\u{FEFF}\u{627}\u{645}]{0,24}") {
            let (once, _) = strip_controls(&s);
            prop_assert!(!once.chars().any(is_stray_control));
            let (twice, problem) = strip_controls(&once);
            prop_assert_eq!(&twice, &once);
            prop_assert!(problem.is_none());
            let id = strip_zero_width(&s);
            prop_assert!(!id.chars().any(is_zero_width));
            prop_assert_eq!(strip_zero_width(&id), id.clone());
            let name = strip_zero_width_in_name(&s);
            prop_assert_eq!(strip_zero_width_in_name(&name), name.clone());
            let stray = name.chars().any(|c| matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}'));
            prop_assert!(!stray);
            // Nothing invisible survives quoting except as a code point.
            prop_assert!(!quoted(&s).chars().any(is_invisible));
        }
    }
}
