//! Reaching the target: the client (and the in-process sandbox behind it), the probe that
//! learns the API's limits before the pool is sized, and how the first answers are read.

use super::{sandbox, ImportConfig, ImportError, Target};
use crate::api::{ApiError, Client};
use crate::delivery::DeliveryError;
use crate::ledger::Ledger;
use crate::mapping::Mapping;

/// Whether every request sent was answered, each with a 4xx refusal: such a delivery changed
/// nothing (a timeout or a cut connection may have, so any of those says no).
pub(super) fn all_refused(client: &Client) -> bool {
    let counts = client.stats().snapshot();
    let mut answered = 0;
    for outcomes in counts.by_endpoint.values() {
        for (outcome, n) in outcomes {
            if !outcome.starts_with('4') || outcome == "429" {
                return false;
            }
            answered += n;
        }
    }
    answered == counts.total
}

/// The client for the target, and the in-process sandbox behind it when the target is one.
pub(super) async fn connect(
    config: &ImportConfig,
    ledger: &Ledger,
    mapping: &Mapping,
) -> Result<(Client, Option<ghl_sandbox::Handle>), ImportError> {
    let (client_config, sandbox) = match &config.target {
        Target::Api(client_config) => ((**client_config).clone(), None),
        Target::Sandbox => {
            let (handle, client_config) = sandbox::start(ledger, mapping).await?;
            if config.progress {
                eprintln!(
                    "Started an in-process sandbox at {} (HighLevel's limits, with {} existing contacts).",
                    handle.base_url(),
                    sandbox::SEEDED
                );
            }
            (client_config, Some(handle))
        }
    };
    Ok((Client::new(client_config)?, sandbox))
}

/// The first request's auth errors are fatal with a clear message; others as they are.
pub(super) fn classify_first(error: ApiError) -> ImportError {
    if error.is_fatal() {
        ImportError::Delivery(DeliveryError::Auth(error))
    } else {
        ImportError::Api(error)
    }
}

/// One small read before the pool is sized, so that it is sized from the limit the API reports
/// rather than the documented default: the engine keeps its pool size for the whole run, and a
/// pool sized for 10 requests/s held a 50/s location to half its rate (docs/BENCHMARKS.md,
/// "Import"). Any answer carries the limit headers; a refusal (a token without the contacts
/// read scope) only leaves the default in place, and the engine reports real errors itself.
pub(super) async fn learn_limits(client: &Client) {
    let probe = crate::api::models::SearchRequest {
        location_id: client.location_id().to_string(),
        page_limit: 1,
        search_after: None,
        query: None,
        filters: Vec::new(),
        sort: Vec::new(),
    };
    if let Err(error) = client.search(&probe).await {
        tracing::debug!(%error, "The rate-limit probe was refused; sizing from the defaults.");
    }
}

/// In-flight requests: enough to keep the allowed rate busy at half a second of latency, with
/// head-room; the limiter, not the pool, sets the pace.
pub(super) fn concurrency_for(client: &Client) -> usize {
    let rate = client.limiter().target_rate();
    ((rate * 0.75).ceil() as usize).clamp(4, 64)
}
