//! Delivery: staged rows sent to HighLevel. `plan` turns a row into the requests it needs,
//! `custom_fields` resolves and type-checks custom fields, `engine` executes plans through the
//! one client (limiter, retries), `honest` compares what came back with what was sent.

pub mod custom_fields;
pub mod engine;
pub mod honest;
pub mod plan;

pub use custom_fields::{CustomFieldResolver, UnknownCustomField};
pub use engine::{EngineConfig, EngineCounts, StopReason};

use crate::api::ApiError;
use crate::ledger::LedgerError;

/// What stops delivery as a whole (a row's failure never does).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The ledger could not be read or written.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The token, its scopes or its location were refused.
    #[error("authentication failed: {0}")]
    Auth(ApiError),
    /// A mapped custom field does not exist in the location.
    #[error(transparent)]
    CustomField(#[from] UnknownCustomField),
    /// Another part of the run panicked while holding the ledger.
    #[error("internal error: the ledger lock was poisoned")]
    Poisoned,
}
