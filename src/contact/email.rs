//! Email normalisation: trimmed, lower-cased, and a pragmatic syntax check.
//!
//! What is accepted: exactly one `@`; a local part of 1–64 characters with no whitespace, no
//! control characters, none of `()<>[]\,;:"`, and no leading, trailing or doubled dot; a domain
//! of at least two dot-separated labels, each 1–63 characters of letters (any script, for IDN),
//! digits or `-` not at either end, with a top-level label that is not all digits; 254
//! characters at most. Quoted local parts and IP-literal domains are refused: they are legal
//! but in practice only ever typos in a contact list. A leading `mailto:` is removed.

use super::invisible::quoted;
use super::issue::{IssueCode, Problem};

/// Normalises an email, or says why it is not one.
pub fn normalise_email(raw: &str) -> Result<String, Problem> {
    let trimmed = raw.trim();
    let trimmed = strip_prefix_ci(trimmed, "mailto:").unwrap_or(trimmed);
    let email = trimmed.to_lowercase();
    if plainly_valid(email.as_bytes()) {
        return Ok(email);
    }
    check(&email).map_err(|why| {
        Problem::new(
            IssueCode::EmailInvalid,
            format!("{} is not a valid email: {why}", quoted(raw.trim())),
        )
    })?;
    Ok(email)
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn check(email: &str) -> Result<(), &'static str> {
    if email.chars().count() > 254 {
        return Err("longer than 254 characters");
    }
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(if email.contains('@') {
            "more than one @"
        } else {
            "no @"
        });
    };
    if local.is_empty() {
        return Err("nothing before the @");
    }
    if local.chars().count() > 64 {
        return Err("more than 64 characters before the @");
    }
    if local
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || is_forbidden_in_local_part(c))
    {
        return Err("a space or forbidden character before the @");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("a misplaced dot before the @");
    }
    // Walked without collecting the labels: this runs for every row (issue 20).
    if !domain.contains('.') {
        return Err("the domain has no dot");
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err("an empty part in the domain");
        }
        if label.chars().count() > 63 {
            return Err("a domain part longer than 63 characters");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a domain part starting or ending with -");
        }
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Err("a space or forbidden character in the domain");
        }
    }
    if domain
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err("the domain ends in a number");
    }
    Ok(())
}

/// [`check`]'s `Ok` for an address of printable ASCII, in one pass over its bytes (issue 20:
/// the check's eight passes over the characters ran for every row). `false` for anything it
/// does not accept, or that is not ASCII: [`check`] then decides, and says why. Each rule below
/// is one of `check`'s, for ASCII (where a character is a byte, a letter or digit is
/// `is_alphanumeric`, and whitespace and controls are outside `!`..=`~`).
fn plainly_valid(email: &[u8]) -> bool {
    if email.len() > 254 {
        return false;
    }
    let Some(at) = email.iter().position(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&email[..at], &email[at + 1..]);
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .iter()
            .all(|&b| (b'!'..=b'~').contains(&b) && !is_forbidden_in_local_part(char::from(b)))
        && local.first() != Some(&b'.')
        && local.last() != Some(&b'.')
        && !local.windows(2).any(|w| w == b"..");
    if !local_ok || !domain.contains(&b'.') {
        return false;
    }
    // A second `@` is not a letter, digit or `-`: a label refuses it.
    let labels_ok = domain.split(|&b| b == b'.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label.first() != Some(&b'-')
            && label.last() != Some(&b'-')
            && label
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let top_level = domain.rsplit(|&b| b == b'.').next().unwrap_or_default();
    labels_ok && !top_level.iter().all(u8::is_ascii_digit)
}

/// One of `()<>[]\,;:"` (a `match`: a search of that string per character cost more than the
/// rest of the check, issue 20).
fn is_forbidden_in_local_part(c: char) -> bool {
    matches!(
        c,
        '(' | ')' | '<' | '>' | '[' | ']' | '\\' | ',' | ';' | ':' | '"'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters_are_those_of_the_list() {
        for c in (0..0x3000).filter_map(char::from_u32) {
            assert_eq!(
                is_forbidden_in_local_part(c),
                "()<>[]\\,;:\"".contains(c),
                "{c:?}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5000))]

        /// For ASCII, the one-pass check accepts exactly what the full check accepts; for
        /// anything else it accepts nothing the full check refuses.
        #[test]
        fn the_quick_check_agrees_with_the_full_one(
            email in r#"[a-z0-9.@+_()<>\[\],;:" \t\x7f'-]{0,12}(@[a-z0-9.-]{0,12})?|[a-zé.@-]{0,12}|.{0,80}"#,
        ) {
            let full = check(&email).is_ok();
            let quick = plainly_valid(email.as_bytes());
            if email.is_ascii() {
                proptest::prop_assert_eq!(quick, full, "{:?}", email);
            } else {
                proptest::prop_assert!(!quick || full, "{:?}", email);
            }
        }

        /// Addresses shaped like real ones, valid or nearly so, with every length limit near.
        #[test]
        fn the_quick_check_agrees_near_the_limits(
            local in "[a-z0-9._-]{0,66}",
            labels in proptest::collection::vec("[a-z0-9-]{0,64}", 0..4),
        ) {
            let email = format!("{local}@{}", labels.join("."));
            let (quick, full) = (plainly_valid(email.as_bytes()), check(&email).is_ok());
            proptest::prop_assert_eq!(quick, full, "{:?}", email);
        }
    }

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(
            normalise_email("  Jane.Doe@Example.COM ").unwrap(),
            "jane.doe@example.com"
        );
        assert_eq!(
            normalise_email("mailto:a+tag@b.co.uk").unwrap(),
            "a+tag@b.co.uk"
        );
        assert_eq!(
            normalise_email("o'neil@xn--bcher-kva.de").unwrap(),
            "o'neil@xn--bcher-kva.de"
        );
        assert_eq!(normalise_email("jörg@bücher.de").unwrap(), "jörg@bücher.de");
    }

    #[test]
    fn refuses_typos() {
        for bad in [
            "",
            "plain",
            "a@b",
            "a@@b.com",
            "a@b@c.com",
            "@b.com",
            "a b@c.com",
            "a@b .com",
            "a@-b.com",
            "a@b-.com",
            "a@b..com",
            ".a@b.com",
            "a.@b.com",
            "a..b@c.com",
            "a@b.123",
            "a,b@c.com",
            "\"a\"@b.com",
            "a@[1.2.3.4]",
            "a@b.com.",
        ] {
            let err = normalise_email(bad).unwrap_err();
            assert_eq!(err.code, IssueCode::EmailInvalid, "{bad}");
        }
    }
}
