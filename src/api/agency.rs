//! Agency (company) tokens: minting a location token per location (`POST /oauth/locationToken`)
//! with a cache keyed by location, and listing the locations the app is installed in
//! (`GET /oauth/installedLocations`). Which token to send is `oauth::TokenSource`'s decision.

use super::endpoint::BaseUrl;
use super::oauth::{Access, AuthError, Credentials, OAuthConfig, TokenSource};
use super::oauth_http::{self, Body, InstalledLocation, InstalledPage, LocationTokenAnswer};
use super::secret::Secret;
use super::ApiError;
use std::collections::HashMap;
use std::time::Duration;

/// Mint a location token again this long before it expires. Minting costs one request and
/// burns nothing (no refresh token rotates), while a token expiring under a request in its
/// retry backoff (up to a minute and more) or in a long page walk would cost a 401 round trip:
/// five minutes clears the longest backoff plus a request timeout with room to spare.
pub(crate) const MINT_AHEAD: Duration = Duration::from_secs(300);

/// Locations listed at most: an agency runs tens to hundreds; a listing past this is a server
/// gone wrong.
const MAX_INSTALLED: usize = 10_000;

/// Locations one `installedLocations` page asks for: HighLevel documents only the default
/// (20); 100 is what the sandbox (and, we assume, HighLevel) serves at most. Pages are walked
/// by `count` either way.
const PAGE: usize = 100;

/// An agency access token and its company.
#[derive(Clone)]
pub(crate) struct CompanyAccess {
    pub(crate) access: Access,
    pub(crate) company_id: String,
}

/// Minted location tokens, keyed by location.
#[derive(Default)]
pub(crate) struct LocationTokens {
    by_location: HashMap<String, Access>,
}

impl LocationTokens {
    /// The location's token unless it is due for minting again.
    pub(crate) fn fresh(&self, location: &str) -> Option<Secret> {
        self.by_location
            .get(location)
            .filter(|a| a.fresh())
            .map(|a| a.token.clone())
    }

    /// The location's token, fresh or not (to compare with one a 401 rejected).
    pub(crate) fn any(&self, location: &str) -> Option<Secret> {
        self.by_location.get(location).map(|a| a.token.clone())
    }

    pub(crate) fn insert(&mut self, location: &str, access: Access) {
        self.by_location.insert(location.to_string(), access);
    }

    pub(crate) fn forget(&mut self, location: &str) {
        self.by_location.remove(location);
    }
}

/// `POST /oauth/locationToken`: a token of `location` from the agency's token.
pub(crate) async fn mint(
    http: &reqwest::Client,
    base: &BaseUrl,
    company: &CompanyAccess,
    location: &str,
) -> Result<Access, AuthError> {
    let form = [
        ("companyId", company.company_id.as_str()),
        ("locationId", location),
    ];
    let answer: LocationTokenAnswer = oauth_http::call(
        http,
        base,
        "/oauth/locationToken",
        Body::Form(&form),
        Some(&company.access.token),
    )
    .await?;
    tracing::info!(
        location,
        expires_in = answer.expires_in,
        "Minted a location token from the agency token."
    );
    Ok(Access::from_expiry(
        &answer.access_token,
        answer.expires_in,
        MINT_AHEAD,
    ))
}

/// The app id of a HighLevel client id: client ids are `{appId}-{suffix}`. None when the id
/// has no such form (then `--app-id` must say it).
pub fn app_id_of(client_id: &str) -> Option<&str> {
    client_id
        .split_once('-')
        .map(|(app, _)| app)
        .filter(|a| !a.is_empty())
}

/// An agency's view of HighLevel: its token, and what it can list.
pub struct Agency {
    http: reqwest::Client,
    base: BaseUrl,
    tokens: TokenSource,
}

impl Agency {
    /// An agency from its OAuth app and refresh token; no request is sent yet.
    pub fn new(base: BaseUrl, oauth: OAuthConfig, timeout: Duration) -> Result<Agency, ApiError> {
        let http = super::guard::http_client_builder()
            .user_agent(concat!("ghl-bulk/", env!("CARGO_PKG_VERSION")))
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| ApiError::Build(err.to_string()))?;
        Ok(Agency {
            http,
            base,
            tokens: TokenSource::new(Credentials::OAuth(oauth), String::new()),
        })
    }

    /// Every location the app is installed in, page by page (`count` says when to stop).
    /// `app_id` defaults to the client id's app part.
    pub async fn installed_locations(
        &self,
        app_id: Option<&str>,
    ) -> Result<Vec<InstalledLocation>, AuthError> {
        let client_id = self.tokens.client_id().unwrap_or_default().to_string();
        let app = app_id
            .or_else(|| app_id_of(&client_id))
            .ok_or_else(|| {
                AuthError::Transport(format!(
                    "cannot tell the app id from the client id {client_id:?}: pass --app-id"
                ))
            })?
            .to_string();
        let company = self.tokens.company(&self.http, &self.base).await?;
        let mut all: Vec<InstalledLocation> = Vec::new();
        loop {
            let skip = all.len().to_string();
            let limit = PAGE.to_string();
            let query = [
                ("companyId", company.company_id.as_str()),
                ("appId", app.as_str()),
                ("skip", skip.as_str()),
                ("limit", limit.as_str()),
            ];
            let page: InstalledPage = oauth_http::call(
                &self.http,
                &self.base,
                "/oauth/installedLocations",
                Body::Query(&query),
                Some(&company.access.token),
            )
            .await?;
            let got = page.locations.len();
            all.extend(page.locations);
            let total = page.count.unwrap_or(0) as usize;
            if got == 0 || all.len() >= total {
                return Ok(all);
            }
            // The server's `count` decides when the listing ends: a count that keeps running
            // ahead of the pages (or pages that ignore `skip`) must not list for ever.
            if all.len() >= MAX_INSTALLED {
                return Err(AuthError::Transport(format!(
                    "installedLocations listed {} locations and says there are {total}; \
                     stopped at {MAX_INSTALLED} (more than any agency has)",
                    all.len()
                )));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_id_is_the_client_ids_first_part() {
        assert_eq!(
            app_id_of("5a4d000000000000000a9e01-sandboxagency"),
            Some("5a4d000000000000000a9e01")
        );
        assert_eq!(app_id_of("plainid"), None);
        assert_eq!(app_id_of("-x"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_minted_token_is_used_until_five_minutes_before_it_expires() {
        let mut cache = LocationTokens::default();
        cache.insert("L1", Access::from_expiry("tok", Some(3600), MINT_AHEAD));
        cache.insert("short", Access::from_expiry("s", Some(60), MINT_AHEAD));
        assert!(cache.fresh("L1").is_some());
        assert!(cache.fresh("L2").is_none(), "keyed by location");
        tokio::time::advance(Duration::from_secs(29)).await;
        assert!(
            cache.fresh("short").is_some(),
            "a short token is used for half its life"
        );
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(cache.fresh("short").is_none());
        tokio::time::advance(Duration::from_secs(3600 - 300 - 30 - 1)).await;
        assert!(cache.fresh("L1").is_some());
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(cache.fresh("L1").is_none(), "minted again ahead of expiry");
        assert!(
            cache.any("L1").is_some(),
            "still known, to compare with a 401's"
        );
        cache.forget("L1");
        assert!(cache.any("L1").is_none());
    }
}
