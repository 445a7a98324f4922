//! `import --sandbox`: a sandbox started in this process for the quick start, with HighLevel's
//! documented limits, a little latency, and what `sandbox_seed` gives a trial location: the
//! mapping's custom fields and a few contacts that already exist (taken from the file itself),
//! so the first run shows updates, merges and tags that survive an import.

use super::ImportError;
use crate::api::{BaseUrl, ClientConfig, Credentials, Secret};
use crate::ledger::Ledger;
use crate::mapping::{CustomRef, Mapping};
use crate::sandbox_seed::Seed;
use ghl_sandbox::{Config, Handle, DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
use std::time::Duration;

pub use crate::sandbox_seed::SEEDED;

/// Starts the sandbox and returns it with a client configuration for it.
pub async fn start(
    ledger: &Ledger,
    mapping: &Mapping,
) -> Result<(Handle, ClientConfig), ImportError> {
    let fail = |e: ghl_sandbox::Error| ImportError::Sandbox(e.to_string());
    let mut config = Config::default();
    config.faults.latency = Some((Duration::from_millis(30), Duration::from_millis(120)));
    // The location has the custom fields the mapping names, so the mapping works as it would
    // against a real location, and a few of the file's people already.
    let seed = Seed {
        field_keys: mapping
            .custom_refs
            .iter()
            .filter_map(|wanted| match wanted {
                CustomRef::Key(key) => Some(key.clone()),
                CustomRef::Id(_) => None,
            })
            .collect(),
        contacts: Seed::existing_from(ledger)?,
    };
    for location in &mut config.locations {
        seed.apply(location);
    }
    let handle = ghl_sandbox::spawn(config).await.map_err(fail)?;

    let base =
        BaseUrl::parse(&handle.base_url()).map_err(|e| ImportError::Sandbox(e.to_string()))?;
    let client = ClientConfig::new(
        base,
        DEFAULT_LOCATION_ID.to_string(),
        Credentials::Token(Secret::new(DEFAULT_TOKEN)),
    );
    Ok((handle, client))
}
