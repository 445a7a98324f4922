//! The store a sandbox starts with: its configured locations and their contacts, a saved
//! `--data` file, generated contacts, and the agency's grants.

use crate::accounts::CompanyGrant;
use crate::config::{AgencyConfig, Config, LocationConfig};
use crate::error::ApiError;
use crate::store::{Location, Store};
use crate::{generate, generate_related, ops, persist, Error};
use serde_json::Value;

pub(super) fn rejected(e: ApiError) -> Error {
    Error::Config(format!("contact rejected: {}", e.body("")["message"]))
}

pub(super) fn add_location(store: &mut Store, cfg: &LocationConfig) -> Result<(), Error> {
    if store.locations.contains_key(&cfg.id) {
        return Err(Error::Config(format!("location {} already exists", cfg.id)));
    }
    store.locations.insert(cfg.id.clone(), Location::new(cfg));
    for (i, c) in cfg.contacts.iter().enumerate() {
        let Value::Object(body) = c.clone() else {
            return Err(Error::Config(format!(
                "location {} contact {i} is not a JSON object",
                cfg.id
            )));
        };
        ops::preload(store, &cfg.id, body).map_err(|e| {
            Error::Config(format!(
                "location {} contact {i}: {}",
                cfg.id,
                e.body("")["message"]
            ))
        })?;
    }
    for (i, a) in cfg.appointments.iter().enumerate() {
        let id = store.new_id();
        let appt = crate::records::Appointment::from_fixture(a, &cfg.id, || id)
            .map_err(|e| Error::Config(format!("location {} appointment {i}: {e}", cfg.id)))?;
        let Some(loc) = store.locations.get_mut(&cfg.id) else {
            continue;
        };
        if !loc.contacts.contains_key(&appt.contact_id) {
            return Err(Error::Config(format!(
                "location {} appointment {i}: no contact {} in the location",
                cfg.id, appt.contact_id
            )));
        }
        loc.appointments
            .entry(appt.contact_id.clone())
            .or_default()
            .push(appt);
    }
    Ok(())
}

pub(super) fn build_store(config: &Config) -> Result<Store, Error> {
    let mut store = match config
        .data_file
        .as_deref()
        .map(persist::load)
        .transpose()?
        .flatten()
    {
        Some(mut saved) => {
            // Saved state wins; configured locations it lacks are added empty, so a fixture can
            // grow a persisted sandbox. Refresh tokens come only from the saved state: the
            // configured ones may already have been used and rotated.
            saved.reseed(config.seed ^ saved.contact_count() as u64 ^ 0x5EED);
            for loc in &config.locations {
                if !saved.locations.contains_key(&loc.id) {
                    saved.locations.insert(loc.id.clone(), Location::new(loc));
                }
            }
            for loc in saved.locations.values_mut() {
                loc.reindex();
            }
            for t in &config.tokens {
                saved
                    .tokens
                    .entry(t.token.expose().to_string())
                    .or_insert_with(|| t.clone());
            }
            // The agency's refresh token rotates like the others: only a snapshot that never
            // had one for the company (written before agencies existed) is given the configured one.
            if let Some(agency) = &config.agency {
                if !saved
                    .company_refresh_tokens
                    .values()
                    .any(|g| g.company_id == agency.company_id)
                {
                    add_agency(&mut saved, agency);
                }
            }
            return Ok(saved);
        }
        None => Store::new(config.seed),
    };
    for loc in &config.locations {
        add_location(&mut store, loc)?;
    }
    for t in &config.tokens {
        store.tokens.insert(t.token.expose().to_string(), t.clone());
    }
    for r in &config.refresh_tokens {
        store
            .refresh_tokens
            .insert(r.refresh_token.expose().to_string(), r.clone());
    }
    store.oauth_clients = config.oauth_clients.clone();
    if let Some(agency) = &config.agency {
        add_agency(&mut store, agency);
    }
    if config.generate > 0 {
        let first = config
            .locations
            .first()
            .ok_or_else(|| Error::Config("--generate needs a location".into()))?;
        generate::contacts(&mut store, &first.id, config.generate);
        generate_related::records(&mut store, &first.id, config.seed);
    }
    Ok(store)
}

/// Accepts the agency's client and its refresh token of user type Company.
fn add_agency(store: &mut Store, agency: &AgencyConfig) {
    if !store
        .oauth_clients
        .iter()
        .any(|c| c.client_id == agency.client.client_id)
    {
        store.oauth_clients.push(agency.client.clone());
    }
    store.company_refresh_tokens.insert(
        agency.refresh_token.expose().to_string(),
        CompanyGrant {
            client_id: agency.client.client_id.clone(),
            company_id: agency.company_id.clone(),
            scopes: agency.scopes.clone(),
        },
    );
}
