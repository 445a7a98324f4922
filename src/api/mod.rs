//! Talking to HighLevel: the client (auth, version header, one send loop), typed models, the
//! rate limiter that follows the `X-RateLimit-*` headers, the retry policy, and OAuth refresh.

pub mod agency;
mod calls;
// Tasks in place (update, complete): apart from `calls` so that the lifecycle grows here.
mod client;
mod contact_wire;
pub mod credentials_file;
pub mod endpoint;
pub mod estimate;
pub mod guard;
pub mod limit_headers;
pub mod limiter;
pub mod location_choice;
pub mod models;
mod oauth;
pub mod oauth_http;
mod pacer;
mod refresh_store;
pub mod related;
pub mod removal;
pub mod retry;
pub mod secret;
pub mod stats;
mod tasks;

pub use calls::TagChange;
pub use client::{Client, ClientConfig, API_VERSION};
pub use endpoint::{BaseUrl, BaseUrlError, DEFAULT_BASE_URL};
pub use estimate::Estimate;
pub use limiter::{DailyBudgetReached, DailyReserve, Limiter};
pub use oauth::{AuthError, Credentials, OAuthConfig, RefreshStore, SharedTokens};
pub use oauth_http::{InstalledLocation, UserType};
pub use related::{parse_event_time, Appointment, RelatedKind};
pub use secret::Secret;
pub use tasks::TaskUpdate;

use models::ErrorBody;

/// Why a call did not succeed. Which of these stop the run and which are a row's outcome is the
/// caller's decision; the helpers below say what each one usually means.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The API answered with an error status that retrying will not change.
    #[error("{endpoint}: HTTP {status}: {}", body.message_text())]
    Status {
        endpoint: &'static str,
        status: u16,
        body: Box<ErrorBody>,
    },
    /// A non-idempotent request's outcome is unknown (timeout, cut connection, 5xx after the
    /// write); it was not resent.
    #[error("{endpoint}: outcome unknown after '{last}'; not resent because it is not idempotent")]
    InDoubt {
        endpoint: &'static str,
        last: String,
    },
    /// Retries or the retry budget ran out on transient failures.
    #[error("{endpoint}: gave up after {attempts} attempts (last: {last})")]
    Exhausted {
        endpoint: &'static str,
        attempts: u32,
        last: String,
    },
    /// Rate limited again and again.
    #[error("{endpoint}: rate limited {times} times in a row")]
    RateLimited { endpoint: &'static str, times: u32 },
    /// The daily request budget is down to the reserve.
    #[error(transparent)]
    DailyBudget(#[from] DailyBudgetReached),
    /// The token could not be obtained or refreshed.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A success response that does not have the documented shape.
    #[error("{endpoint}: unexpected response body: {detail}")]
    Decode {
        endpoint: &'static str,
        detail: String,
    },
    /// The server answered in a way HighLevel never does (a redirect, an answer past its cap) or
    /// the TLS handshake failed: a wrong base URL or a hostile host. Fatal, never retried.
    #[error("{endpoint}: {refusal}")]
    Refused {
        endpoint: &'static str,
        refusal: guard::Refusal,
    },
    /// A success answer without a usable contact id: whether the contact exists is unknown, so
    /// the row is in doubt (a resume looks it up) and nothing about it is remembered.
    #[error("{endpoint}: a success answer without a usable contact id ({id:?}); the row is in doubt and a resume looks the contact up")]
    NoContactId { endpoint: &'static str, id: String },
    /// The client or a request body could not be built.
    #[error("cannot build the request: {0}")]
    Build(String),
}

impl ApiError {
    /// The HTTP status, when the API answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// 401 or 403: the token, its scopes or its location are wrong; fatal for the run.
    pub fn is_auth(&self) -> bool {
        matches!(self, ApiError::Auth(_)) || matches!(self.status(), Some(401 | 403))
    }

    /// The run cannot go on with this target at all: auth (above), a redirect, an oversized
    /// answer, a TLS failure. Exit 1, never a row's failure.
    pub fn is_fatal(&self) -> bool {
        self.is_auth() || matches!(self, ApiError::Refused { .. })
    }

    /// How a fatal error reads: auth failures say so, the others speak for themselves.
    pub fn fatal_text(&self) -> String {
        if self.is_auth() {
            format!("authentication failed: {self}")
        } else {
            self.to_string()
        }
    }

    /// The run cannot go on now but can be resumed later (exit 75).
    pub fn is_resumable_stop(&self) -> bool {
        matches!(
            self,
            ApiError::DailyBudget(_) | ApiError::Exhausted { .. } | ApiError::RateLimited { .. }
        )
    }

    /// The existing contact's id when a create was refused as a duplicate.
    pub fn duplicate_contact_id(&self) -> Option<&str> {
        match self {
            ApiError::Status {
                status: 400, body, ..
            } => body.meta.as_ref()?.contact_id.as_deref(),
            _ => None,
        }
    }

    /// The API's own message, for a row's reject reason.
    pub fn api_message(&self) -> String {
        match self {
            ApiError::Status { body, .. } => body.message_text(),
            other => other.to_string(),
        }
    }
}
