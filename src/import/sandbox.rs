//! `import --sandbox`: a sandbox started in this process for the quick start, with HighLevel's
//! documented limits, a little latency, the mapping's custom fields, and a few contacts that
//! already exist (taken from the file itself), so the first run shows updates, merges and tags
//! that survive an import.

use super::ImportError;
use crate::api::{BaseUrl, ClientConfig, Credentials, Secret};
use crate::ledger::Ledger;
use crate::mapping::{CustomRef, Mapping};
use ghl_sandbox::{Config, CustomFieldDef, Handle, DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
use serde_json::json;
use std::time::Duration;

/// How many existing contacts the sandbox starts with.
pub const SEEDED: usize = 3;

/// Starts the sandbox and returns it with a client configuration for it.
pub async fn start(
    ledger: &Ledger,
    mapping: &Mapping,
) -> Result<(Handle, ClientConfig), ImportError> {
    let fail = |e: ghl_sandbox::Error| ImportError::Sandbox(e.to_string());
    let mut config = Config::default();
    config.faults.latency = Some((Duration::from_millis(30), Duration::from_millis(120)));
    let handle = ghl_sandbox::spawn(config).await.map_err(fail)?;

    // The location has the custom fields the mapping names (as text fields when the sandbox's
    // defaults lack them), so the mapping works as it would against a real location.
    for (n, wanted) in mapping.custom_refs.iter().enumerate() {
        if let CustomRef::Key(key) = wanted {
            let bare = key.strip_prefix("contact.").unwrap_or(key);
            let field = CustomFieldDef {
                id: format!("CfQuickStart{n:08}"),
                name: title(bare),
                field_key: format!("contact.{bare}"),
                data_type: "TEXT".into(),
                picklist_options: Vec::new(),
                position: 10 + n as u32,
                model: "contact".into(),
                placeholder: String::new(),
            };
            // A key the defaults already have is refused as a duplicate: keep the default.
            let _ = handle.add_custom_field(DEFAULT_LOCATION_ID, field);
        }
    }

    // Existing contacts: the people of a few rows, known by another first name and carrying
    // tags of their own, which the import must keep.
    let staged = ledger.deliverable(0, 64)?;
    let picks = staged.iter().step_by(9).take(SEEDED);
    for (n, row) in picks.enumerate() {
        let payload: serde_json::Value =
            serde_json::from_str(&row.payload_json).unwrap_or_default();
        let mut existing = json!({
            "firstName": payload["firstName"].as_str().map(|f| format!("{f} (old record)")),
            "tags": ["customer-2019", if n % 2 == 0 { "newsletter" } else { "webinar-2024" }],
        });
        // One is known by phone only, as a contact from a call would be.
        if n == 1 && payload["phone"].is_string() {
            existing["phone"] = payload["phone"].clone();
        } else {
            existing["email"] = payload["email"].clone();
        }
        handle
            .insert_contact(DEFAULT_LOCATION_ID, existing)
            .map_err(fail)?;
    }

    let base =
        BaseUrl::parse(&handle.base_url()).map_err(|e| ImportError::Sandbox(e.to_string()))?;
    let client = ClientConfig::new(
        base,
        DEFAULT_LOCATION_ID.to_string(),
        Credentials::Token(Secret::new(DEFAULT_TOKEN)),
    );
    Ok((handle, client))
}

fn title(key: &str) -> String {
    key.split(['_', '-', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}
