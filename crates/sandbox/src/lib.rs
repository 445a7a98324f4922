//! A local simulator of the HighLevel Contacts API v2 (the "sandbox"), served by axum on loopback.
//!
//! This crate depends on nothing of `ghl-bulk`, so a misreading of the API cannot sit on both
//! sides of a test and still pass. It is used three ways: in-process by tests and by
//! `ghl-bulk import --sandbox` through [`spawn`], and standalone through `ghl-bulk sandbox`
//! ([`cli`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), ghl_sandbox::Error> {
//! use ghl_sandbox::{spawn, Config, DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
//! let sandbox = spawn(Config::default()).await?;
//! // POST {base_url}/contacts/upsert with `Authorization: Bearer {DEFAULT_TOKEN}` and
//! // `Version: 2021-07-28`, locationId = DEFAULT_LOCATION_ID ...
//! println!("{} {}", sandbox.base_url(), sandbox.stats().total_requests);
//! sandbox.shutdown().await?;
//! # Ok(()) }
//! ```

mod accounts;
pub mod cli;
pub mod config;
mod contact;
mod countries;
mod dto;
mod error;
mod faults;
mod generate;
mod generate_related;
mod grants;
mod lookup;
mod normalise;
mod ops;
mod persist;
mod query;
mod ratelimit;
mod records;
mod render;
mod routes;
mod server;
mod stats;
mod store;

pub use config::{
    AgencyConfig, Config, ConfigError, CustomFieldDef, FaultConfig, Fixture, LocationConfig,
    MatchField, OAuthClientConfig, RateLimitConfig, RefreshTokenConfig, Secret, TokenConfig,
    WindowMode, AGENCY_SCOPES, ALL_SCOPES, DEFAULT_AGENCY_CLIENT_ID, DEFAULT_AGENCY_CLIENT_SECRET,
    DEFAULT_AGENCY_REFRESH_TOKEN, DEFAULT_APP_ID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,
    DEFAULT_COMPANY_ID, DEFAULT_LOCATION_ID, DEFAULT_REFRESH_TOKEN, DEFAULT_TOKEN,
};
pub use server::{spawn, Handle};
pub use stats::{FaultCounts, LimitInfo, Stats};

use std::net::SocketAddr;
use std::path::PathBuf;

/// Errors that stop the sandbox from starting or saving.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A configuration value, fixture or preloaded contact was refused.
    #[error("{0}")]
    Config(String),
    /// A flag or fixture file was invalid.
    #[error(transparent)]
    Value(#[from] ConfigError),
    /// The `--data` file could not be read or written.
    #[error("cannot use data file {path}")]
    Data {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The `--data` file is not a sandbox snapshot.
    #[error("data file {path} is not a sandbox snapshot: {reason}")]
    DataFormat {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}
