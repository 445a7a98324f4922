//! Secrets (access tokens, refresh tokens, client secrets) in a type that cannot be printed.

use std::fmt;
use std::sync::Arc;

/// A secret string. `Debug` and `Display` print `***`; the only way to the value is
/// [`Secret::expose`], which the client calls when it builds a request and nowhere else.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value; surrounding whitespace (a token pasted with a newline) is dropped.
    pub fn new(value: impl AsRef<str>) -> Self {
        Secret(Arc::from(value.as_ref().trim()))
    }

    /// The secret itself: for building a request or writing the token file, never for logs.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let secret = Secret::new("pit-1234-very-secret\n");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(***)");
        assert_eq!(secret.expose(), "pit-1234-very-secret");
    }
}
