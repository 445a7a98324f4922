//! The small normalisers: free text (whitespace collapsed), tags, website, dnd.

use std::borrow::Cow;

use super::invisible::quoted;
use super::issue::{IssueCode, Problem};

/// Trims and collapses runs of whitespace (including newlines) to one space.
pub(crate) fn collapse_spaces(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for word in raw.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// [`collapse_spaces`] of an owned value, which is returned as it is when collapsing would
/// not change it (nearly every cell): no copy (issue 20).
pub(crate) fn collapsed(raw: Cow<'_, str>) -> Cow<'_, str> {
    if is_collapsed(&raw) {
        raw
    } else {
        Cow::Owned(collapse_spaces(&raw))
    }
}

/// Whether [`collapse_spaces`] leaves `text` as it is: no whitespace but single plain spaces
/// between other characters.
fn is_collapsed(text: &str) -> bool {
    let mut after_space = true;
    for c in text.chars() {
        if c == ' ' {
            if after_space {
                return false;
            }
            after_space = true;
        } else if c.is_whitespace() {
            return false;
        } else {
            after_space = false;
        }
    }
    !after_space || text.is_empty()
}

/// Tags: each trimmed (inner whitespace collapsed, surrounding double quotes removed, as
/// Mailchimp writes `"a","b"`) and lower-cased, as HighLevel stores them; empty ones dropped;
/// duplicates removed keeping the first.
pub fn normalise_tags<'a>(raw: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag.trim_matches(|c: char| c == '"' || c.is_whitespace());
        let tag = if is_collapsed(tag) {
            tag.to_lowercase()
        } else {
            collapse_spaces(tag).to_lowercase()
        };
        if !tag.is_empty() && !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// A website: trimmed and kept as written when it is plausibly a web address: an optional
/// `http://` or `https://`, then a host with a dot, no whitespace. Not rewritten otherwise:
/// HighLevel stores the text, and guessing a scheme would change what the user typed.
pub fn normalise_website(raw: &str) -> Result<String, Problem> {
    let s = raw.trim();
    let lower = s.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    let host = host.split(':').next().unwrap_or(host);
    let plausible = !s.chars().any(char::is_whitespace)
        && !rest.contains("://")
        && host.contains('.')
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    if plausible {
        Ok(s.to_string())
    } else {
        Err(Problem::new(
            IssueCode::WebsiteInvalid,
            format!(
                "{} is not a web address such as example.com or https://example.com",
                quoted(s)
            ),
        ))
    }
}

/// A yes/no for `dnd`. The mapping's value map runs first, so "Opted out" can become "true".
pub fn normalise_dnd(raw: &str) -> Result<bool, Problem> {
    match raw.trim().to_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" | "x" | "on" => Ok(true),
        "false" | "f" | "no" | "n" | "0" | "off" => Ok(false),
        other => Err(Problem::new(
            IssueCode::DndInvalid,
            format!(
                "{} is not a yes/no value (map it with `map` in the mapping)",
                quoted(other)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The shortcut never changes an answer: owned or borrowed, the same collapsed text.
        #[test]
        fn collapsed_is_collapse_spaces(text in "[ a\t\u{a0}\u{2003}\nb.é]{0,12}") {
            prop_assert_eq!(is_collapsed(&text), collapse_spaces(&text) == text);
            prop_assert_eq!(collapsed(Cow::Borrowed(&text)), collapse_spaces(&text));
            prop_assert_eq!(collapsed(Cow::Owned(text.clone())), collapse_spaces(&text));
        }
    }

    #[test]
    fn tags() {
        assert_eq!(
            normalise_tags([" VIP ", "vip", "", "Trade  Show", "b2b"]),
            vec!["vip", "trade show", "b2b"]
        );
    }

    #[test]
    fn websites() {
        for ok in [
            "example.com",
            "https://www.example.co.uk/path?q=1",
            "http://a.b:8080",
        ] {
            assert_eq!(normalise_website(ok).unwrap(), ok);
        }
        for bad in [
            "",
            "n/a",
            "not a site",
            "ftp://x.com",
            "https://",
            "http://localhost",
        ] {
            assert!(normalise_website(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dnd() {
        assert!(normalise_dnd(" Yes").unwrap());
        assert!(!normalise_dnd("0").unwrap());
        assert_eq!(
            normalise_dnd("maybe").unwrap_err().code,
            IssueCode::DndInvalid
        );
    }
}
