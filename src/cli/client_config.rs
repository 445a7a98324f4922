//! The API client's configuration from the resolved settings: where HighLevel is, which
//! location, which credentials (a token, an OAuth app, or the stored login), the timeout and
//! the daily reserve. Every command that talks to HighLevel builds its client from here.

use anyhow::{anyhow, bail, Context as _};

use crate::api::{BaseUrl, ClientConfig, Credentials, OAuthConfig, RefreshStore};
use crate::config::{Settings, Token};

/// The location a run over many locations is configured with until each location's client
/// gets its own id (never sent): a stored login is then the agency's entry, not a location's.
pub(super) const MANY_LOCATIONS: &str = "multi";

/// The client configuration from the resolved settings (location, base URL, credentials,
/// timeout, daily reserve), for every command that talks to HighLevel. A bad value is
/// reported with where it came from.
pub(crate) fn client_config(settings: &Settings) -> anyhow::Result<ClientConfig> {
    let base_url = base_url(settings)?;
    let Some(location) = settings
        .location
        .value
        .clone()
        .filter(|l| !l.trim().is_empty())
    else {
        bail!(
            "no location: set GHL_LOCATION_ID, pass --location or write `location` in the \
             config file (or try --sandbox)"
        );
    };
    let reserve = settings.daily_reserve.value.as_deref().unwrap_or("1%");
    let daily_reserve = parse_reserve(reserve)
        .with_context(|| format!("daily_reserve (from {})", settings.daily_reserve.source))?;
    let token = match &settings.token.value {
        Some(Token::Value(secret)) => Some(secret.clone()),
        Some(Token::File(path)) => Some(super::config::read_token_file(path)?),
        None => None,
    };
    let credentials = match (token, oauth_app(settings)) {
        (Some(token), _) => Credentials::Token(token),
        (None, Some(app)) => Credentials::OAuth(app),
        // A run over many locations has no one location yet: the agency's entry serves it.
        _ => match super::config::stored_login(
            settings,
            (location != MANY_LOCATIONS).then_some(location.as_str()),
        )? {
            Some(oauth) => Credentials::OAuth(oauth),
            None => bail!(
                "no credentials: set GHL_TOKEN (a private integration token) or name a token \
                 file (--token-file, or token_file in the config file), or set GHL_CLIENT_ID, \
                 GHL_CLIENT_SECRET and GHL_REFRESH_TOKEN_FILE for OAuth, or log in with \
                 `ghl-bulk auth login` (or try --sandbox)"
            ),
        },
    };
    let mut client = ClientConfig::new(base_url, location, credentials);
    let timeout = settings
        .timeout
        .value
        .unwrap_or(crate::config::DEFAULT_TIMEOUT_SECS);
    client.timeout = std::time::Duration::from_secs(timeout.max(1));
    client.daily_reserve = daily_reserve;
    Ok(client)
}

/// Where HighLevel is: the setting, or the real API.
pub(super) fn base_url(settings: &Settings) -> anyhow::Result<BaseUrl> {
    let text = settings
        .base_url
        .value
        .as_deref()
        .unwrap_or(crate::api::DEFAULT_BASE_URL);
    BaseUrl::parse(text).with_context(|| format!("base_url (from {})", settings.base_url.source))
}

/// The OAuth app the settings name, when they give all three of its client id, secret and
/// refresh-token file.
pub(super) fn oauth_app(settings: &Settings) -> Option<OAuthConfig> {
    match (
        &settings.client_id.value,
        &settings.client_secret.value,
        &settings.refresh_token_file.value,
    ) {
        (Some(client_id), Some(client_secret), Some(file)) => Some(OAuthConfig {
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            refresh: RefreshStore::File(file.clone()),
            user_type: None,
        }),
        _ => None,
    }
}

pub(super) fn parse_reserve(text: &str) -> anyhow::Result<crate::api::DailyReserve> {
    use crate::api::DailyReserve;
    let text = text.trim();
    if let Some(percent) = text.strip_suffix('%') {
        let share: f64 = percent
            .trim()
            .parse()
            .map_err(|_| anyhow!("--daily-reserve {text}: not a percentage"))?;
        if !(0.0..=100.0).contains(&share) {
            bail!("--daily-reserve {text}: between 0% and 100%");
        }
        return Ok(DailyReserve::Fraction(share / 100.0));
    }
    let count: u64 = text.parse().map_err(|_| {
        anyhow!("--daily-reserve {text}: a percentage (\"1%\") or a number of requests")
    })?;
    Ok(DailyReserve::Requests(count))
}
