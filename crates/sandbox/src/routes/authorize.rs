//! `GET /oauth/chooselocation`: the sandbox's own stand-in for HighLevel's browser page
//! (`marketplace.gohighlevel.com/v2/oauth/chooselocation`, not part of the API). There is no
//! page and no user: it answers at once with a 302 to `redirect_uri?code=…&state=…`, so a
//! login flow can be tested end to end. The sub-account "chosen" is the sandbox's first location,
//! or the one named by the sandbox-only `location_id` parameter. Errors are JSON 400s (HighLevel
//! shows an error page).

use crate::error::ApiError;
use crate::grants::{self, AuthCode, CODE_TTL};
use crate::server::AppState;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

pub(super) async fn choose_location(
    State(st): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    match redirect(&st, &q) {
        Ok(to) => (StatusCode::FOUND, [(header::LOCATION, to)]).into_response(),
        Err(e) => e.into_response_with(&super::trace_id(&st, st.seq.load(Ordering::Relaxed))),
    }
}

fn redirect(st: &AppState, q: &HashMap<String, String>) -> Result<String, ApiError> {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    if get("response_type") != "code" {
        return Err(ApiError::BadRequest("response_type must be code".into()));
    }
    let redirect_uri = get("redirect_uri");
    let valid = redirect_uri
        .parse::<Uri>()
        .is_ok_and(|u| matches!(u.scheme_str(), Some("http" | "https")) && u.authority().is_some());
    if !valid {
        return Err(ApiError::BadRequest(
            "redirect_uri must be an absolute http(s) URL".into(),
        ));
    }
    let client_id = get("client_id");
    let mut store = st.write();
    if !store.oauth_clients.iter().any(|c| c.client_id == client_id) {
        return Err(ApiError::BadRequest(format!(
            "Unknown client_id {client_id}"
        )));
    }
    let location_id = match q.get("location_id") {
        Some(l) => l.clone(),
        None => st
            .default_location
            .clone()
            .ok_or_else(|| ApiError::BadRequest("The sandbox has no location".into()))?,
    };
    if !store.locations.contains_key(&location_id) {
        return Err(ApiError::BadRequest(format!(
            "No location {location_id} to choose"
        )));
    }
    // An absent `scope` grants what an import or export needs (HighLevel always sends the
    // app's scopes; the sandbox has no app settings to take them from).
    let scopes: Vec<String> = match q.get("scope").filter(|s| !s.trim().is_empty()) {
        Some(s) => s.split_whitespace().map(str::to_string).collect(),
        None => st.agency.as_ref().map_or_else(
            || {
                crate::config::ALL_SCOPES
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            },
            |a| a.scopes.clone(),
        ),
    };
    let code = grants::new_code(&mut store);
    drop(store);
    st.codes.issue(
        code.clone(),
        AuthCode {
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            scopes,
            location_id,
            expires: tokio::time::Instant::now() + CODE_TTL,
        },
    );
    let mut params = vec![("code", code.as_str())];
    if let Some(state) = q.get("state") {
        params.push(("state", state));
    }
    let query = serde_urlencoded::to_string(&params)
        .map_err(|_| ApiError::BadRequest("state cannot be encoded".into()))?;
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    Ok(format!("{redirect_uri}{sep}{query}"))
}
