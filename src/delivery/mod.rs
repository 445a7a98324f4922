//! Delivery: staged rows sent to HighLevel. `plan` turns a row into the requests it needs,
//! `custom_fields` resolves and type-checks custom fields, `mode` names how contacts are
//! written, `engine` runs plans through the one client (limiter, retries): `resolve` makes each
//! row's contact exist, `batches` and `fanout` group the bulk calls that follow, `followups`
//! creates notes and tasks once across runs, `decided` carries out the server view's verdicts (`followup_keys` says what they are known by),
//! `rows` keeps the books, `writer` commits them from its own thread, and `honest` compares what came back
//! with what was sent.

pub(crate) mod batches;
mod before;
mod by_id;
pub mod custom_fields;
mod decided;
pub mod engine;
mod fanout;
pub mod followup_keys;
mod followups;
pub mod honest;
mod intake;
pub mod mode;
pub mod plan;
mod resolve;
mod rows;
mod writer;

pub use custom_fields::{CustomFieldResolver, UnknownCustomField};
pub use engine::{EngineConfig, EngineCounts, StopReason};
pub use mode::{Mode, OnConflict, OnDuplicate, UnknownMode};

use crate::api::ApiError;
use crate::ledger::LedgerError;

/// What stops delivery as a whole (a row's failure never does).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The ledger could not be read or written.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The token, its scopes or its location were refused.
    #[error("{}", .0.fatal_text())]
    Auth(ApiError),
    /// A mapped custom field does not exist in the location.
    #[error(transparent)]
    CustomField(#[from] UnknownCustomField),
    /// A resume asked for another delivery mode than the run started with.
    #[error("this run delivers in mode {recorded}; it cannot continue in mode {asked}")]
    ModeChanged { recorded: String, asked: String },
    /// The ledger writer's thread could not be started.
    #[error("the ledger writer could not start: {0}")]
    Writer(std::io::Error),
    /// Another part of the run panicked while holding the ledger.
    #[error("internal error: the ledger lock was poisoned")]
    Poisoned,
}
