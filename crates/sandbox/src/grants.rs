//! What OAuth hands out: authorization codes waiting to be exchanged (single use, ten minutes),
//! and the minting of access tokens (location or company) with their expiry.

use crate::config::{Secret, TokenConfig};
use crate::store::Store;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// How long a code from `GET /oauth/chooselocation` can be exchanged. HighLevel does not say;
/// RFC 6749 §4.1.2 recommends at most ten minutes, so a client that dawdles longer is caught.
pub(crate) const CODE_TTL: Duration = Duration::from_secs(600);

/// A code issued by `GET /oauth/chooselocation`, waiting for `POST /oauth/token`.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    /// The client that asked for it (only it may exchange it).
    pub client_id: String,
    /// The `redirect_uri` of the authorization request (a token request naming another is refused).
    pub redirect_uri: String,
    /// Scopes asked for.
    pub scopes: Vec<String>,
    /// The sub-account chosen on the page (the grant's location for user type Location).
    pub location_id: String,
    /// After this the code is refused.
    pub expires: Instant,
}

/// Pending codes. Not persisted: a restarted sandbox forgets codes, as a restarted browser
/// flow would have to start over anyway.
#[derive(Debug, Default)]
pub(crate) struct Codes(Mutex<HashMap<String, AuthCode>>);

impl Codes {
    /// Remembers `code`.
    pub(crate) fn issue(&self, code: String, grant: AuthCode) {
        let mut codes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        codes.retain(|_, c| c.expires > now);
        codes.insert(code, grant);
    }

    /// Takes `code` out (a code works once, even when the exchange then fails), if it has not
    /// expired.
    pub(crate) fn take(&self, code: &str) -> Option<AuthCode> {
        let mut codes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        codes.remove(code).filter(|c| c.expires > Instant::now())
    }
}

/// Who a minted access token speaks for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Holder<'a> {
    /// A sub-account token.
    Location(&'a str),
    /// An agency token.
    Company(&'a str),
}

/// Stores a new access token for `holder` that expires after `ttl`; returns its value.
pub(crate) fn mint_access(
    store: &mut Store,
    holder: Holder<'_>,
    scopes: &[String],
    ttl: Duration,
) -> String {
    let access = format!("sbx-at-{}{}", store.new_id(), store.new_id());
    let expires_at = crate::normalise::now_ms()
        .saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX));
    let (location_id, company_id) = match holder {
        Holder::Location(l) => (l.to_string(), None),
        Holder::Company(c) => (String::new(), Some(c.to_string())),
    };
    store.tokens.insert(
        access.clone(),
        TokenConfig {
            token: Secret(access.clone()),
            location_id,
            company_id,
            scopes: scopes.to_vec(),
            expires_at_ms: Some(expires_at),
        },
    );
    access
}

/// A new refresh token value.
pub(crate) fn new_refresh(store: &mut Store) -> String {
    format!("sbx-rt-{}{}", store.new_id(), store.new_id())
}

/// A new authorization code value.
pub(crate) fn new_code(store: &mut Store) -> String {
    format!("sbx-code-{}{}", store.new_id(), store.new_id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> AuthCode {
        AuthCode {
            client_id: "c".into(),
            redirect_uri: "http://127.0.0.1:1/cb".into(),
            scopes: vec![],
            location_id: "L".into(),
            expires: Instant::now() + CODE_TTL,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_code_works_once_and_not_after_ten_minutes() {
        let codes = Codes::default();
        codes.issue("a".into(), code());
        assert!(codes.take("a").is_some());
        assert!(codes.take("a").is_none(), "single use");
        codes.issue("b".into(), code());
        tokio::time::advance(CODE_TTL + Duration::from_millis(1)).await;
        assert!(codes.take("b").is_none(), "expired");
    }
}
