//! Resolving column names against a file's headers, with a "did you mean" when one is missing.
//! Headers starting with `_` are the tool's own (reject files add `_row`, `_code`, …) and are
//! never mapped, so a reject file re-imports with the mapping of the original.

/// A file's headers, as a mapping sees them.
#[derive(Debug, Clone)]
pub(crate) struct Headers {
    names: Vec<String>,
}

impl Headers {
    pub(crate) fn new(names: &[String]) -> Headers {
        Headers {
            names: names.iter().map(|h| h.trim().to_string()).collect(),
        }
    }

    /// The usable headers (the `_` ones left out), for messages and `mapping init`.
    pub(crate) fn usable(&self) -> impl Iterator<Item = &str> {
        self.names
            .iter()
            .map(String::as_str)
            .filter(|h| !h.starts_with('_') && !h.is_empty())
    }

    /// The index of a column, or a message saying which headers there are.
    pub(crate) fn find(&self, column: &str) -> Result<usize, String> {
        let wanted = column.trim();
        // `_contact_id` is the one our export writes to be read back (issue 21.2).
        if !wanted.starts_with('_') || wanted == "_contact_id" {
            if let Some(i) = self.names.iter().position(|h| h == wanted) {
                return Ok(i);
            }
        }
        let mut message = format!("column \"{wanted}\" is not in the file");
        if let Some(near) = self.nearest(wanted) {
            message.push_str(&format!(" (did you mean \"{near}\"?)"));
        }
        let list: Vec<String> = self.usable().map(|h| format!("\"{h}\"")).collect();
        message.push_str(&format!("; its headers are: {}", list.join(", ")));
        Err(message)
    }

    fn nearest(&self, wanted: &str) -> Option<&str> {
        let lower = wanted.to_lowercase();
        if let Some(h) = self.usable().find(|h| h.to_lowercase() == lower) {
            return Some(h);
        }
        self.usable()
            .map(|h| (strsim::levenshtein(&h.to_lowercase(), &lower), h))
            .filter(|(d, h)| *d <= 2.max(h.chars().count() / 4))
            .min_by_key(|(d, _)| *d)
            .map(|(_, h)| h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers() -> Headers {
        Headers::new(&[
            "Email".into(),
            " Phone ".into(),
            "First Name".into(),
            "_row".into(),
        ])
    }

    #[test]
    fn finds_trimmed_exact() {
        assert_eq!(headers().find("Phone"), Ok(1));
        assert_eq!(headers().find("First Name"), Ok(2));
    }

    #[test]
    fn suggests_and_lists() {
        let msg = headers().find("email").unwrap_err();
        assert!(msg.contains("did you mean \"Email\""), "{msg}");
        assert!(
            msg.contains("\"Email\", \"Phone\", \"First Name\""),
            "{msg}"
        );
        assert!(!msg.contains("_row"), "{msg}");
        let msg = headers().find("Frist Name").unwrap_err();
        assert!(msg.contains("did you mean \"First Name\""), "{msg}");
        assert!(!headers().find("Zip").unwrap_err().contains("did you mean"));
        assert!(headers().find("_row").is_err());
    }
}
