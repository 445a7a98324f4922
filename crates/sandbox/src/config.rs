//! What shapes one sandbox: locations and their duplicate settings, tokens, OAuth clients, rate
//! limits, faults, persistence; plus the `--fixture` JSON format and the small value parsers
//! (durations, `100/10s`, `50ms..300ms`) that the command line and fixtures share.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod parse;
pub use parse::{parse_duration, parse_latency, parse_limit, parse_rate};

pub use crate::accounts::{
    default_custom_fields, AgencyConfig, CustomFieldDef, LocationConfig, MatchField,
    OAuthClientConfig, RefreshTokenConfig, Secret, TokenConfig,
};

/// Every scope a contacts import/export needs (ghl-api.md §1.4). The default token has them all.
pub const ALL_SCOPES: &[&str] = &[
    "contacts.readonly",
    "contacts.write",
    "locations.readonly",
    "locations/customFields.readonly",
    "locations/customFields.write",
];

/// What an agency token has besides [`ALL_SCOPES`]: minting location tokens
/// (`POST /oauth/locationToken`) and listing the app's locations (`GET /oauth/installedLocations`).
pub const AGENCY_SCOPES: &[&str] = &["oauth.readonly", "oauth.write"];

/// The company (agency) every location of the sandbox belongs to.
pub const DEFAULT_COMPANY_ID: &str = "SandboxCompany000001";
/// The marketplace app installed in every location (24 hex digits, as HighLevel's app ids).
pub const DEFAULT_APP_ID: &str = "5a4d000000000000000a9e01";
/// The agency's OAuth client id (HighLevel's client ids are `{appId}-{suffix}`).
pub const DEFAULT_AGENCY_CLIENT_ID: &str = "5a4d000000000000000a9e01-sandboxagency";
/// The agency's OAuth client secret.
pub const DEFAULT_AGENCY_CLIENT_SECRET: &str = "sandbox-agency-secret";
/// A refresh token of user type Company a bare sandbox accepts once (each use returns a new one).
pub const DEFAULT_AGENCY_REFRESH_TOKEN: &str = "sandbox-agency-refresh-0000";

/// The location a bare sandbox starts with: a fixed, documented 20-character id so scripts and
/// docs can name it.
pub const DEFAULT_LOCATION_ID: &str = "SandboxLocation00001";
/// The bearer token a bare sandbox accepts (a sandbox secret, printed on purpose).
pub const DEFAULT_TOKEN: &str = "pit-sandbox-0000-0000-0000-000000000000";
/// OAuth client id a bare sandbox accepts on `POST /oauth/token`.
pub const DEFAULT_CLIENT_ID: &str = "sandbox-client";
/// OAuth client secret a bare sandbox accepts on `POST /oauth/token`.
pub const DEFAULT_CLIENT_SECRET: &str = "sandbox-secret";
/// Refresh token a bare sandbox accepts once (each use returns a new one).
pub const DEFAULT_REFRESH_TOKEN: &str = "sandbox-refresh-0000";

/// Errors in configuration values, fixture files and flags.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value such as `100/10s` or `50ms..300ms` did not parse.
    #[error("invalid {what} {value:?}: {reason}")]
    Value {
        /// Which setting.
        what: &'static str,
        /// What was given.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// The fixture file could not be read.
    #[error("cannot read fixture {path}")]
    FixtureRead {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The fixture file is not the documented JSON.
    #[error("fixture {path} is not valid: {source}")]
    FixtureParse {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
}

/// Everything that shapes one sandbox server. `Config::default()` is the bare sandbox: one
/// location, one token with every contacts scope, the documented HighLevel limits, no faults.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Seed of every random choice (ids, faults, generated contacts).
    pub seed: u64,
    /// Locations (sub-accounts) with their settings, custom fields and preloaded contacts.
    pub locations: Vec<LocationConfig>,
    /// Bearer tokens accepted on the API routes.
    pub tokens: Vec<TokenConfig>,
    /// OAuth clients accepted by `POST /oauth/token`.
    pub oauth_clients: Vec<OAuthClientConfig>,
    /// Refresh tokens accepted (once each) by `POST /oauth/token`.
    pub refresh_tokens: Vec<RefreshTokenConfig>,
    /// The agency owning every location (None: no company tokens can be had).
    pub agency: Option<AgencyConfig>,
    /// Burst and daily limits per location.
    pub rate_limit: RateLimitConfig,
    /// Injected latency and failures.
    pub faults: FaultConfig,
    /// Most contact ids accepted by one bulk-tags call (the real cap is undocumented, I#315).
    pub bulk_tags_max: usize,
    /// `expires_in` of access tokens minted by `POST /oauth/token` (HighLevel: 86399 s).
    pub access_token_ttl: Duration,
    /// `Version` header values accepted (others get 401 "version header is invalid").
    pub accepted_versions: Vec<String>,
    /// Persist state to this JSON file (loaded at start if present, saved periodically and at
    /// shutdown).
    pub data_file: Option<PathBuf>,
    /// How often dirty state is flushed to `data_file`.
    pub flush_interval: Duration,
    /// Generate this many realistic contacts into the first location at start, a fifth of them
    /// with tasks and a quarter with appointments (no notes).
    pub generate: usize,
    /// Search index lag: a contact created less than this long ago is not yet found by
    /// `POST /contacts/search` ("a few seconds" live, ghl-api.md §2.7). Updates show at once:
    /// the sandbox keeps no older versions to serve meanwhile.
    pub search_index_lag: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 1,
            locations: vec![LocationConfig::new(DEFAULT_LOCATION_ID)],
            tokens: vec![TokenConfig::new(DEFAULT_TOKEN, DEFAULT_LOCATION_ID)],
            oauth_clients: vec![OAuthClientConfig {
                client_id: DEFAULT_CLIENT_ID.into(),
                client_secret: Secret(DEFAULT_CLIENT_SECRET.into()),
            }],
            refresh_tokens: vec![RefreshTokenConfig {
                refresh_token: Secret(DEFAULT_REFRESH_TOKEN.into()),
                client_id: DEFAULT_CLIENT_ID.into(),
                location_id: DEFAULT_LOCATION_ID.into(),
                scopes: ALL_SCOPES.iter().map(|s| s.to_string()).collect(),
            }],
            agency: Some(AgencyConfig::sandbox()),
            rate_limit: RateLimitConfig::default(),
            faults: FaultConfig::default(),
            bulk_tags_max: 100,
            access_token_ttl: Duration::from_secs(86_399),
            // 2021-07-28 is the only value in the spec's enum; a live probe also saw 2021-04-15
            // and 2023-02-21 accepted (ghl-api.md §1.1). `v3` is refused on purpose: it selects
            // a different response dialect that the sandbox does not speak.
            accepted_versions: vec![
                "2021-07-28".into(),
                "2021-04-15".into(),
                "2023-02-21".into(),
            ],
            data_file: None,
            flush_interval: Duration::from_secs(1),
            generate: 0,
            search_index_lag: Duration::ZERO,
        }
    }
}

impl Config {
    /// A config with no locations and no tokens, for tests that build everything themselves.
    pub fn empty() -> Self {
        Config {
            locations: Vec::new(),
            tokens: Vec::new(),
            oauth_clients: Vec::new(),
            refresh_tokens: Vec::new(),
            agency: None,
            ..Config::default()
        }
    }

    /// Adds the locations, tokens, OAuth clients and refresh tokens of a fixture file.
    /// A location or token with an id already present replaces the earlier one.
    pub fn apply_fixture(&mut self, fixture: Fixture) {
        for loc in fixture.locations {
            self.locations.retain(|l| l.id != loc.id);
            self.locations.push(loc);
        }
        for tok in fixture.tokens {
            self.tokens.retain(|t| t.token != tok.token);
            self.tokens.push(tok);
        }
        self.oauth_clients.extend(fixture.oauth_clients);
        self.refresh_tokens.extend(fixture.refresh_tokens);
    }
}

/// Fixed-window or sliding-window burst limiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum WindowMode {
    /// A counter reset at window boundaries aligned to sandbox start.
    Fixed,
    /// At most `max` admitted requests in any interval of length `interval`.
    Sliding,
}

impl WindowMode {
    /// `fixed` or `sliding`.
    pub fn as_str(self) -> &'static str {
        match self {
            WindowMode::Fixed => "fixed",
            WindowMode::Sliding => "sliding",
        }
    }
}

/// Rate limits, applied per location.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitConfig {
    /// Burst limit: `max` requests per `interval`; None = off.
    pub burst: Option<(u32, Duration)>,
    /// Requests per day (24 h windows aligned to sandbox start); None = off.
    pub daily: Option<u64>,
    /// Window mode of the burst limit.
    pub window: WindowMode,
    /// Add `Retry-After` (seconds until a request would be admitted) to 429s.
    pub retry_after: bool,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            burst: Some((100, Duration::from_secs(10))),
            daily: Some(200_000),
            window: WindowMode::Fixed,
            retry_after: false,
        }
    }
}

impl RateLimitConfig {
    /// No limits at all (benchmarks).
    pub fn off() -> Self {
        RateLimitConfig {
            burst: None,
            daily: None,
            ..RateLimitConfig::default()
        }
    }
}

/// Injected latency and failures. Every draw comes from `seed` and the request's sequence
/// number, so a sequential client sees the same faults on every run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultConfig {
    /// Uniform latency added before handling, `(min, max)`.
    pub latency: Option<(Duration, Duration)>,
    /// Share (0..=1) of requests answered 500, 502 or 503 without being handled.
    pub fault_rate: f64,
    /// Share of requests that hang for `stall_for` (then 504) without being handled.
    pub stall_rate: f64,
    /// How long a stalled request hangs.
    pub stall_for: Duration,
    /// Share of successful writes whose connection is closed after the commit, with no response.
    pub cut_after_commit: f64,
}

/// The `--fixture` file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Fixture {
    /// Locations to add.
    pub locations: Vec<LocationConfig>,
    /// Tokens to add.
    pub tokens: Vec<TokenConfig>,
    /// OAuth clients to add.
    pub oauth_clients: Vec<OAuthClientConfig>,
    /// Refresh tokens to add.
    pub refresh_tokens: Vec<RefreshTokenConfig>,
}

impl Fixture {
    /// Reads a fixture file.
    pub fn load(path: &Path) -> Result<Fixture, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::FixtureRead {
            path: path.into(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| ConfigError::FixtureParse {
            path: path.into(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_show_in_debug() {
        let t = TokenConfig::new("abc-secret", DEFAULT_LOCATION_ID);
        assert!(!format!("{t:?}").contains("abc-secret"));
    }

    #[test]
    fn default_ids_are_20_characters() {
        assert_eq!(DEFAULT_LOCATION_ID.len(), 20);
        for f in default_custom_fields() {
            assert_eq!(f.id.len(), 20, "{}", f.id);
        }
    }
}
