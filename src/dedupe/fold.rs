//! Names folded for comparison (issue 21.1): two rows with different emails and a shared phone
//! are one person only when their first and last names agree after case, accent and space
//! folding ("Zoë  Lee" and "zoe lee" agree; "Zoe Lee" and "Zoe Li" do not).

use icu_normalizer::DecomposingNormalizerBorrowed;

/// The folded first and last name (`\u{1f}` between them, so that "Ann Marie|Lee" and
/// "Ann|Marie Lee" stay apart), or the folded full name when the row has neither part. `None`
/// when the row has no name at all: a nameless row agrees with nobody.
pub fn folded_name(first: Option<&str>, last: Option<&str>, full: Option<&str>) -> Option<String> {
    // Folded into one string (asked for every row: a string per part and a `format!` were
    // three allocations, issue 20).
    let (first, last) = (first.unwrap_or(""), last.unwrap_or(""));
    let mut out = String::with_capacity(first.len() + last.len() + 1);
    fold_into(first, &mut out);
    let first_end = out.len();
    out.push('\u{1f}');
    fold_into(last, &mut out);
    if first_end > 0 || out.len() > first_end + 1 {
        return Some(out);
    }
    out.clear();
    out.push('\u{1f}');
    fold_into(full.unwrap_or(""), &mut out);
    (out.len() > 1).then_some(out)
}

/// [`fold_into`] a new string.
#[cfg(test)]
fn fold(text: &str) -> String {
    let mut out = String::new();
    fold_into(text, &mut out);
    out
}

/// Appends `text` to `out` folded: canonical decomposition with the combining marks dropped
/// (é → e), lower-cased, whitespace removed.
fn fold_into(text: &str, out: &mut String) {
    // Plain ASCII (most names) decomposes to itself and has no marks: the normaliser is
    // skipped, with the same result (issue 20).
    if text.is_ascii() {
        out.extend(
            text.chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| c.to_ascii_lowercase()),
        );
        return;
    }
    let decomposed = DecomposingNormalizerBorrowed::new_nfd().normalize(text);
    out.extend(
        decomposed
            .chars()
            .filter(|c| !c.is_whitespace() && !is_combining_mark(*c))
            .flat_map(char::to_lowercase),
    );
}

/// The combining diacritical mark blocks (what NFD splits accents into).
fn is_combining_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_accents_and_spaces_fold_away() {
        let a = folded_name(Some("Zoë "), Some("  Lée"), None);
        assert_eq!(a, folded_name(Some("zoe"), Some("LEE"), None));
        assert_eq!(
            folded_name(Some("Mary Ann"), Some("Smith"), None),
            folded_name(Some("MaryAnn"), Some("smith"), None)
        );
        assert_ne!(a, folded_name(Some("Zoe"), Some("Li"), None));
        // The split between first and last name counts.
        assert_ne!(
            folded_name(Some("Ann Marie"), Some("Lee"), None),
            folded_name(Some("Ann"), Some("Marie Lee"), None)
        );
        assert_eq!(
            folded_name(None, None, Some("Ann Lee")),
            folded_name(None, None, Some("ann lee"))
        );
        assert_eq!(folded_name(None, Some(" "), Some("")), None);
        // The ASCII shortcut agrees with the normaliser's path (vertical tab and form feed
        // are whitespace to both).
        assert_eq!(fold("  O'Brien-\u{b}Smith\u{c} X"), "o'brien-smithx");
        assert_eq!(fold("Zoë"), fold("ZOE"));
    }

    proptest::proptest! {
        /// One string written in place: what the parts folded apart and joined gave.
        #[test]
        fn folded_as_the_parts_joined(
            first in proptest::option::of("[ aZé\u{301}\t]{0,4}"),
            last in proptest::option::of("[ bÖ\u{301}]{0,4}"),
            full in proptest::option::of("[ cÉ]{0,4}"),
        ) {
            let (f, l) = (fold(first.as_deref().unwrap_or("")), fold(last.as_deref().unwrap_or("")));
            let joined = if !f.is_empty() || !l.is_empty() {
                Some(format!("{f}\u{1f}{l}"))
            } else {
                let full = fold(full.as_deref().unwrap_or(""));
                (!full.is_empty()).then(|| format!("\u{1f}{full}"))
            };
            proptest::prop_assert_eq!(
                folded_name(first.as_deref(), last.as_deref(), full.as_deref()),
                joined
            );
        }
    }
}
