//! Which bearer token a location's requests carry: a static token (private integration token
//! or an OAuth access token), or OAuth refresh with a rotating refresh token (kept as
//! `refresh_store` says). A location refresh token gives the location's token; a company
//! (agency) one gives an agency token, from which a location token is minted (`agency`),
//! because HighLevel refuses agency tokens on the contacts routes.
//!
//! HighLevel refresh tokens are single-use: every refresh returns a new one and the old one dies
//! (ghl-api.md §1.3); the new one is stored before the new access token is used.

use super::agency::{self, CompanyAccess, LocationTokens};
use super::credentials_file;
use super::endpoint::BaseUrl;
use super::guard;
use super::oauth_http::{self, Body, TokenAnswer, UserType};
pub use super::refresh_store::RefreshStore;
use super::secret::Secret;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Refresh this long before the access token expires (the official SDK uses 30 s).
const REFRESH_AHEAD: Duration = Duration::from_secs(60);

/// How the client authenticates.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A static bearer token.
    Token(Secret),
    /// OAuth refresh-token grant.
    OAuth(OAuthConfig),
}

/// The OAuth app and where its current refresh token is kept.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    pub client_id: String,
    pub client_secret: Secret,
    pub refresh: RefreshStore,
    /// The refresh token's user type when known (a credentials-file entry knows it; a bare
    /// refresh-token file does not, and the first answer's `userType` tells).
    pub user_type: Option<UserType>,
}

/// Authentication failures (always fatal for the run).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot read the refresh token file {path}")]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the refresh token file {path} is empty")]
    EmptyFile { path: PathBuf },
    #[error("cannot write the new refresh token to {path}")]
    WriteFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the OAuth request failed: {0}")]
    Transport(String),
    /// A redirect, an oversized answer or a TLS failure from an OAuth endpoint.
    #[error("the OAuth request failed: {0}")]
    Server(guard::Refusal),
    #[error("the OAuth request was refused (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    /// An agency-only action with a location's refresh token.
    #[error("this needs an agency (company) token, and the refresh token is a location's: log in with `ghl-bulk auth login --user-type company`")]
    NotAgency,
    /// The credentials file could not be read or written.
    #[error(transparent)]
    Credentials(credentials_file::CredentialsError),
    /// A company token's answer without the company id needed to mint location tokens.
    #[error("the company token answer names no companyId")]
    NoCompany,
}

/// An access token and when to replace it (tokio time, so tests can move the clock).
#[derive(Clone)]
pub(crate) struct Access {
    pub(crate) token: Secret,
    /// `None`: never (a static token).
    pub(crate) renew_at: Option<Instant>,
}

/// The longest token life believed (30 days; HighLevel's access tokens live about a day):
/// a longer `expires_in` is read as this, so the token is still renewed in time.
const MAX_TOKEN_LIFE_SECS: u64 = 30 * 24 * 3600;

impl Access {
    /// A token that expires in `expires_in` seconds, replaced `ahead` of that, or halfway
    /// through its life when that is shorter (a short-lived token must still be used, not
    /// replaced before every request).
    pub(crate) fn from_expiry(
        token: impl AsRef<str>,
        expires_in: Option<u64>,
        ahead: Duration,
    ) -> Access {
        Access {
            token: Secret::new(token),
            renew_at: expires_in.map(|secs| {
                // The server's figure is clamped before it sizes a deadline: an absurd
                // `expires_in` (u64::MAX) would overflow `Instant` and panic.
                let life = Duration::from_secs(secs.min(MAX_TOKEN_LIFE_SECS));
                Instant::now() + life - ahead.min(life / 2)
            }),
        }
    }

    /// Not yet due for replacement.
    pub(crate) fn fresh(&self) -> bool {
        self.renew_at.is_none_or(|at| Instant::now() < at)
    }
}

/// What the refresh grant gave.
enum Grant {
    Location(Access),
    Company(CompanyAccess),
}

#[derive(Default)]
struct State {
    /// The static token, or the location token of a location refresh token.
    direct: Option<Access>,
    /// Set once the refresh token proved a company one: location tokens are minted from it.
    company: Option<CompanyAccess>,
    minted: LocationTokens,
    /// The user type the last answer named (sent on the next refresh).
    learned: Option<UserType>,
}

/// Hands out the current access token for one location and refreshes (or mints) it when needed.
pub(crate) struct TokenSource {
    credentials: Credentials,
    location_id: String,
    state: Arc<tokio::sync::Mutex<State>>,
}

/// The token state several clients of one agency share (one per location in a run over many
/// locations): the company refresh token rotates on every refresh, so clients refreshing it
/// each on its own would spend each other's token. Shared, the company token is refreshed once
/// and each location's minted token is kept under its id.
#[derive(Clone, Default)]
pub struct SharedTokens(Arc<tokio::sync::Mutex<State>>);

impl std::fmt::Debug for SharedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedTokens(..)")
    }
}

impl TokenSource {
    pub(crate) fn new(credentials: Credentials, location_id: String) -> Self {
        Self::with_shared(credentials, location_id, SharedTokens::default())
    }

    /// A source whose state lives in `shared` (the same for every client given it).
    pub(crate) fn with_shared(
        credentials: Credentials,
        location_id: String,
        shared: SharedTokens,
    ) -> Self {
        if let Credentials::Token(token) = &credentials {
            if let Ok(mut state) = shared.0.try_lock() {
                if state.direct.is_none() {
                    state.direct = Some(Access {
                        token: token.clone(),
                        renew_at: None,
                    });
                }
            }
        }
        TokenSource {
            credentials,
            location_id,
            state: shared.0,
        }
    }

    /// Whether a 401 can be cured by refreshing.
    pub(crate) fn can_refresh(&self) -> bool {
        matches!(self.credentials, Credentials::OAuth(_))
    }

    /// The token to send now for the location, refreshed or minted first if it is about to
    /// expire.
    pub(crate) async fn bearer(
        &self,
        http: &reqwest::Client,
        base: &BaseUrl,
    ) -> Result<Secret, AuthError> {
        let mut state = self.state.lock().await;
        let usable = if state.company.is_some() {
            state.minted.fresh(&self.location_id)
        } else {
            state
                .direct
                .as_ref()
                .filter(|a| a.fresh())
                .map(|a| a.token.clone())
        };
        if let Some(token) = usable {
            return Ok(token);
        }
        self.obtain(&mut state, http, base).await
    }

    /// After a 401 with `rejected`: refresh (or mint again), unless another request already did.
    pub(crate) async fn refresh_after_401(
        &self,
        http: &reqwest::Client,
        base: &BaseUrl,
        rejected: &Secret,
    ) -> Result<Secret, AuthError> {
        let mut state = self.state.lock().await;
        let current = if state.company.is_some() {
            state.minted.any(&self.location_id)
        } else {
            state.direct.as_ref().map(|a| a.token.clone())
        };
        if let Some(current) = current.filter(|c| c != rejected) {
            return Ok(current);
        }
        state.minted.forget(&self.location_id);
        state.direct = None;
        self.obtain(&mut state, http, base).await
    }

    /// The agency token and its company, refreshed if needed; [`AuthError::NotAgency`] when
    /// the refresh token is a location's.
    pub(crate) async fn company(
        &self,
        http: &reqwest::Client,
        base: &BaseUrl,
    ) -> Result<CompanyAccess, AuthError> {
        let mut state = self.state.lock().await;
        self.fresh_company(&mut state, http, base).await
    }

    /// The client id (the agency routes name the app by it).
    pub(crate) fn client_id(&self) -> Option<&str> {
        match &self.credentials {
            Credentials::OAuth(config) => Some(&config.client_id),
            Credentials::Token(_) => None,
        }
    }

    async fn obtain(
        &self,
        state: &mut State,
        http: &reqwest::Client,
        base: &BaseUrl,
    ) -> Result<Secret, AuthError> {
        if state.company.is_none() {
            if let Credentials::Token(token) = &self.credentials {
                return Ok(token.clone());
            }
            match self.refresh_grant(state, http, base).await? {
                Grant::Location(access) => {
                    let token = access.token.clone();
                    state.direct = Some(access);
                    return Ok(token);
                }
                Grant::Company(company) => state.company = Some(company),
            }
        }
        // A company token is never sent to /contacts/* (HighLevel answers 401 "not authorized
        // for this scope"): a location token is minted from it, and minted again once if the
        // agency token itself was refused (refreshed first).
        let mut retried = false;
        loop {
            let company = self.fresh_company(state, http, base).await?;
            match agency::mint(http, base, &company, &self.location_id).await {
                Ok(access) => {
                    let token = access.token.clone();
                    state.minted.insert(&self.location_id, access);
                    return Ok(token);
                }
                Err(AuthError::Refused { status: 401, .. }) if !retried => {
                    retried = true;
                    state.company = None;
                }
                Err(err) => return Err(err),
            }
        }
    }

    async fn fresh_company(
        &self,
        state: &mut State,
        http: &reqwest::Client,
        base: &BaseUrl,
    ) -> Result<CompanyAccess, AuthError> {
        if let Some(company) = state.company.as_ref().filter(|c| c.access.fresh()) {
            return Ok(company.clone());
        }
        match self.refresh_grant(state, http, base).await? {
            Grant::Company(company) => {
                state.company = Some(company.clone());
                Ok(company)
            }
            Grant::Location(access) => {
                state.direct = Some(access);
                Err(AuthError::NotAgency)
            }
        }
    }

    /// The refresh-token grant; the rotated refresh token is stored before anything else.
    async fn refresh_grant(
        &self,
        state: &mut State,
        http: &reqwest::Client,
        base: &BaseUrl,
    ) -> Result<Grant, AuthError> {
        let Credentials::OAuth(config) = &self.credentials else {
            return Err(AuthError::NotAgency);
        };
        let refresh_token = config.refresh.read()?;
        let known = state.learned.or(config.user_type);
        let asked = known.unwrap_or(UserType::Location);
        let post = |user_type: UserType| {
            let form = [
                ("client_id", config.client_id.as_str()),
                ("client_secret", config.client_secret.expose()),
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose()),
                ("user_type", user_type.as_str()),
            ];
            async move {
                oauth_http::call::<TokenAnswer>(http, base, "/oauth/token", Body::Form(&form), None)
                    .await
            }
        };
        let answer = match post(asked).await {
            // A bare refresh-token file does not say whose token it holds. HighLevel's SDK
            // always sends a user_type, and a refusal (400) leaves the token unused, so a
            // refused Location is asked once more as Company; a known type is never guessed.
            Err(first @ AuthError::Refused { status: 400, .. }) if known.is_none() => {
                match post(UserType::Company).await {
                    Ok(answer) => answer,
                    Err(AuthError::Refused { status: 400, .. }) => return Err(first),
                    Err(err) => return Err(err),
                }
            }
            other => other?,
        };
        if let Some(rotated) = answer.refresh_token.as_deref() {
            config.refresh.write(&Secret::new(rotated))?;
        }
        let user_type = answer.user_type();
        state.learned = Some(user_type);
        tracing::info!(
            expires_in = answer.expires_in,
            user_type = user_type.as_str(),
            "Refreshed the OAuth access token."
        );
        let access = Access::from_expiry(&answer.access_token, answer.expires_in, REFRESH_AHEAD);
        Ok(match user_type {
            UserType::Location => Grant::Location(access),
            UserType::Company => Grant::Company(CompanyAccess {
                access,
                company_id: answer.company_id.ok_or(AuthError::NoCompany)?,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a hostile token answer with `expires_in` = u64::MAX overflowed `Instant`
    /// and panicked; it is now read as the longest life believed.
    #[tokio::test(start_paused = true)]
    async fn an_absurd_expires_in_is_clamped_not_a_panic() {
        let access = Access::from_expiry("t", Some(u64::MAX), Duration::from_secs(300));
        assert!(access.fresh());
        tokio::time::advance(Duration::from_secs(MAX_TOKEN_LIFE_SECS)).await;
        assert!(!access.fresh(), "renewed within the clamped life");
    }
}
