//! `POST /oauth/token` (form-encoded, no `Version`, no bearer): the refresh-token grant with
//! rotation. Each refresh token works once; the answer carries a new one and an access token
//! that expires after `access_token_ttl` (`expires_in`, 86399 s by default).
//! The authorization-code and client-credentials grants need a browser or an agency and are
//! refused with 400.

use crate::config::{Secret, TokenConfig};
use crate::error::ApiError;
use crate::normalise;
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Company and user ids of minted tokens (fixed; the sandbox has one agency and one user).
const COMPANY_ID: &str = "SandboxCompany000001";
const USER_ID: &str = "SandboxUser000000001";

pub(super) async fn token(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    let trace = super::trace_id(&st, st.seq.load(Ordering::Relaxed));
    match refresh(&st, &body) {
        Ok(v) => (StatusCode::OK, Json(v)).into_response(),
        Err(e) => e.into_response_with(&trace),
    }
}

fn refresh(st: &AppState, body: &[u8]) -> Result<serde_json::Value, ApiError> {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(body).map_err(|_| {
        ApiError::BadRequest("Body must be application/x-www-form-urlencoded".into())
    })?;
    let allowed = [
        "client_id",
        "client_secret",
        "grant_type",
        "code",
        "refresh_token",
        "user_type",
        "redirect_uri",
    ];
    let mut errors: Vec<String> = form
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect();
    for k in ["client_id", "client_secret", "grant_type"] {
        if form.get(k).is_none_or(|v| v.is_empty()) {
            errors.push(format!("{k} should not be empty"));
        }
    }
    let grant = form
        .get("grant_type")
        .map(String::as_str)
        .unwrap_or_default();
    if !grant.is_empty()
        && !matches!(
            grant,
            "authorization_code" | "refresh_token" | "client_credentials"
        )
    {
        errors.push("grant_type must be one of the following values: authorization_code, refresh_token, client_credentials".into());
    }
    if let Some(u) = form.get("user_type") {
        if !matches!(u.as_str(), "Company" | "Location") {
            errors.push("user_type must be one of the following values: Company, Location".into());
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Unprocessable(errors));
    }
    if grant != "refresh_token" {
        return Err(ApiError::BadRequest(format!(
            "grant_type {grant} is not supported by the sandbox; use refresh_token"
        )));
    }
    let client_id = form.get("client_id").cloned().unwrap_or_default();
    let secret = form.get("client_secret").cloned().unwrap_or_default();
    let Some(old) = form.get("refresh_token").filter(|r| !r.is_empty()) else {
        return Err(ApiError::Unprocessable(vec![
            "refresh_token should not be empty".into(),
        ]));
    };
    let mut store = st.write();
    if !store
        .oauth_clients
        .iter()
        .any(|c| c.client_id == client_id && c.client_secret.expose() == secret)
    {
        return Err(ApiError::Unauthorized("Invalid client credentials".into()));
    }
    let grant = match store.refresh_tokens.get(old.as_str()) {
        Some(g) if g.client_id == client_id => g.clone(),
        _ => return Err(ApiError::Unauthorized("Invalid refresh token".into())),
    };
    if form.get("user_type").is_some_and(|u| u == "Company") {
        return Err(ApiError::BadRequest(
            "This refresh token was issued for user type Location".into(),
        ));
    }
    store.refresh_tokens.remove(old.as_str());
    let access = format!("sbx-at-{}{}", store.new_id(), store.new_id());
    let refresh = format!("sbx-rt-{}{}", store.new_id(), store.new_id());
    let ttl = st.access_token_ttl;
    let expires_at =
        normalise::now_ms().saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX));
    store.tokens.insert(
        access.clone(),
        TokenConfig {
            token: Secret(access.clone()),
            location_id: grant.location_id.clone(),
            scopes: grant.scopes.clone(),
            expires_at_ms: Some(expires_at),
        },
    );
    let mut next = grant.clone();
    next.refresh_token = Secret(refresh.clone());
    store.refresh_tokens.insert(refresh.clone(), next);
    Ok(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
        "refresh_token": refresh,
        "scope": grant.scopes.join(" "),
        "userType": "Location",
        "locationId": grant.location_id,
        "companyId": COMPANY_ID,
        "userId": USER_ID,
        "isBulkInstallation": false,
    }))
}
