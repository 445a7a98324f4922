//! A local simulator of the HighLevel Contacts API v2 (the "sandbox"), served by axum on loopback.
//!
//! This crate depends on nothing of `ghl-bulk`, so a misreading of the API cannot sit on both
//! sides of a test and still pass. It is used three ways: in-process by tests and by
//! `ghl-bulk import --sandbox` through [`spawn`], and standalone through `ghl-bulk sandbox`
//! ([`cli`]).

pub mod cli;

use std::net::SocketAddr;

/// Everything that shapes one sandbox server.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Address to listen on; port 0 picks a free one.
    pub listen: Option<SocketAddr>,
}

/// A running sandbox.
pub struct Handle {
    /// The address it listens on.
    pub addr: SocketAddr,
}

/// Errors that stop the sandbox from starting.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Starts a sandbox in the current tokio runtime.
pub async fn spawn(config: Config) -> Result<Handle, Error> {
    let addr = config
        .listen
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })?;
    Ok(Handle { addr })
}
