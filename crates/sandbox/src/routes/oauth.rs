//! `POST /oauth/token` (form-encoded, no `Version`, no bearer): the refresh-token grant with
//! rotation, for location and company (agency) refresh tokens alike, and the authorization-code
//! grant for codes from `GET /oauth/chooselocation`. Each refresh token and each code works
//! once; the answer carries a new refresh token and an access token that expires after
//! `access_token_ttl` (`expires_in`, 86399 s by default). The client-credentials grant needs a
//! marketplace the sandbox does not have and is refused with 400.

use crate::accounts::CompanyGrant;
use crate::config::{RefreshTokenConfig, Secret};
use crate::dto;
use crate::error::ApiError;
use crate::grants::{self, Holder};
use crate::server::AppState;
use crate::store::Store;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The user id of minted tokens (fixed; the sandbox has one user).
pub(super) const USER_ID: &str = "SandboxUser000000001";

pub(super) async fn token(State(st): State<Arc<AppState>>, body: Bytes) -> Response {
    let trace = super::trace_id(&st, st.seq.load(Ordering::Relaxed));
    match grant(&st, &body) {
        Ok(v) => (StatusCode::OK, Json(v)).into_response(),
        Err(e) => e.into_response_with(&trace),
    }
}

/// `user_type` of the request, when given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserType {
    Company,
    Location,
}

impl UserType {
    fn as_str(self) -> &'static str {
        match self {
            UserType::Company => "Company",
            UserType::Location => "Location",
        }
    }
}

/// Parses the form and applies the DTO rules of `GetAccessCodebodyDto` (422 on a breach).
fn parse(body: &[u8]) -> Result<HashMap<String, String>, ApiError> {
    let form = dto::parse_form(body)?;
    let allowed = [
        "client_id",
        "client_secret",
        "grant_type",
        "code",
        "refresh_token",
        "user_type",
        "redirect_uri",
    ];
    let required = ["client_id", "client_secret", "grant_type"];
    let mut errors = dto::string_map_errors(&form, &allowed, &required);
    let grant = form.get("grant_type").map(String::as_str).unwrap_or("");
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
    // The DTO marks `code` and `refresh_token` optional; each is needed by its own grant.
    let needed = match grant {
        "authorization_code" => Some("code"),
        "refresh_token" => Some("refresh_token"),
        _ => None,
    };
    if let Some(k) = needed {
        if form.get(k).is_none_or(|v| v.is_empty()) {
            errors.push(format!("{k} should not be empty"));
        }
    }
    if errors.is_empty() {
        Ok(form)
    } else {
        Err(ApiError::Unprocessable(errors))
    }
}

fn grant(st: &AppState, body: &[u8]) -> Result<Value, ApiError> {
    let form = parse(body)?;
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let user_type = form.get("user_type").map(|u| {
        if u == "Company" {
            UserType::Company
        } else {
            UserType::Location
        }
    });
    let grant_type = field("grant_type");
    if grant_type == "client_credentials" {
        return Err(ApiError::BadRequest(
            "grant_type client_credentials is not supported by the sandbox; use authorization_code or refresh_token".into(),
        ));
    }
    let client_id = field("client_id");
    let mut store = st.write();
    if !store
        .oauth_clients
        .iter()
        .any(|c| c.client_id == client_id && c.client_secret.expose() == field("client_secret"))
    {
        return Err(ApiError::Unauthorized("Invalid client credentials".into()));
    }
    if grant_type == "authorization_code" {
        return exchange_code(st, &mut store, &form, &client_id, user_type);
    }
    let old = field("refresh_token");
    if let Some(g) = store.refresh_tokens.get(&old).cloned() {
        if g.client_id != client_id {
            return Err(ApiError::Unauthorized("Invalid refresh token".into()));
        }
        refuse_other_type(user_type, UserType::Location, "refresh token")?;
        store.refresh_tokens.remove(&old);
        return Ok(location_grant(
            st,
            &mut store,
            &client_id,
            &g.location_id,
            &g.scopes,
        ));
    }
    if let Some(g) = store.company_refresh_tokens.get(&old).cloned() {
        if g.client_id != client_id {
            return Err(ApiError::Unauthorized("Invalid refresh token".into()));
        }
        refuse_other_type(user_type, UserType::Company, "refresh token")?;
        store.company_refresh_tokens.remove(&old);
        return Ok(company_grant(
            st,
            &mut store,
            &client_id,
            &g.company_id,
            &g.scopes,
        ));
    }
    Err(ApiError::Unauthorized("Invalid refresh token".into()))
}

/// 400 when the request asks for another user type than the grant was issued for.
fn refuse_other_type(
    asked: Option<UserType>,
    issued: UserType,
    what: &str,
) -> Result<(), ApiError> {
    match asked {
        Some(a) if a != issued => Err(ApiError::BadRequest(format!(
            "This {what} was issued for user type {}",
            issued.as_str()
        ))),
        _ => Ok(()),
    }
}

/// The authorization-code grant. `user_type` Company gives an agency token (the sandbox must
/// have an agency), Location (the default, as HighLevel's example) a token of the sub-account
/// chosen on the page.
fn exchange_code(
    st: &AppState,
    store: &mut Store,
    form: &HashMap<String, String>,
    client_id: &str,
    user_type: Option<UserType>,
) -> Result<Value, ApiError> {
    let code = form.get("code").map(String::as_str).unwrap_or_default();
    let Some(grant) = st.codes.take(code) else {
        return Err(ApiError::Unauthorized("Invalid authorization code".into()));
    };
    if grant.client_id != client_id {
        return Err(ApiError::Unauthorized("Invalid authorization code".into()));
    }
    // `redirect_uri` is optional in the DTO; when sent it must be the one the code was issued
    // to (RFC 6749 §4.1.3), the stricter reading, so a client that mixes them up is caught.
    if form
        .get("redirect_uri")
        .is_some_and(|r| *r != grant.redirect_uri)
    {
        return Err(ApiError::BadRequest(
            "redirect_uri does not match the authorization request".into(),
        ));
    }
    match user_type.unwrap_or(UserType::Location) {
        UserType::Location => Ok(location_grant(
            st,
            store,
            client_id,
            &grant.location_id,
            &grant.scopes,
        )),
        UserType::Company => {
            let Some(agency) = &st.agency else {
                return Err(ApiError::BadRequest(
                    "This sandbox has no agency: user type Company cannot be granted".into(),
                ));
            };
            Ok(company_grant(
                st,
                store,
                client_id,
                &agency.company_id,
                &grant.scopes,
            ))
        }
    }
}

/// A new access token for `holder` and a new refresh token: the answer's fields every grant
/// shares, and the refresh token (for the caller to record with what it grants).
fn new_tokens(
    st: &AppState,
    store: &mut Store,
    holder: Holder<'_>,
    scopes: &[String],
) -> (String, Value) {
    let access = grants::mint_access(store, holder, scopes, st.access_token_ttl);
    let refresh = grants::new_refresh(store);
    let answer = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": st.access_token_ttl.as_secs(),
        "refresh_token": refresh,
        "scope": scopes.join(" "),
    });
    (refresh, answer)
}

/// `answer` with the fields of `more` added after its own.
fn with_fields(mut answer: Value, more: Value) -> Value {
    if let (Some(answer), Value::Object(more)) = (answer.as_object_mut(), more) {
        answer.extend(more);
    }
    answer
}

/// A location access token and its next refresh token.
fn location_grant(
    st: &AppState,
    store: &mut Store,
    client_id: &str,
    location_id: &str,
    scopes: &[String],
) -> Value {
    let (refresh, answer) = new_tokens(st, store, Holder::Location(location_id), scopes);
    store.refresh_tokens.insert(
        refresh.clone(),
        RefreshTokenConfig {
            refresh_token: Secret(refresh),
            client_id: client_id.into(),
            location_id: location_id.into(),
            scopes: scopes.to_vec(),
        },
    );
    let more = json!({
        "userType": "Location",
        "locationId": location_id,
        "companyId": company_of(st),
        "userId": USER_ID,
        "isBulkInstallation": false,
    });
    with_fields(answer, more)
}

/// A company (agency) access token and its next refresh token. Every location is approved.
fn company_grant(
    st: &AppState,
    store: &mut Store,
    client_id: &str,
    company_id: &str,
    scopes: &[String],
) -> Value {
    let (refresh, answer) = new_tokens(st, store, Holder::Company(company_id), scopes);
    store.company_refresh_tokens.insert(
        refresh,
        CompanyGrant {
            client_id: client_id.into(),
            company_id: company_id.into(),
            scopes: scopes.to_vec(),
        },
    );
    let mut approved: Vec<&String> = store.locations.keys().collect();
    approved.sort();
    let more = json!({
        "userType": "Company",
        "companyId": company_id,
        "approvedLocations": approved,
        "userId": USER_ID,
        "isBulkInstallation": true,
        "installToFutureLocations": true,
        "approveAllLocations": true,
    });
    with_fields(answer, more)
}

/// The company every location belongs to (the agency's, or a fixed id without one).
pub(super) fn company_of(st: &AppState) -> String {
    st.agency.as_ref().map_or_else(
        || crate::config::DEFAULT_COMPANY_ID.to_string(),
        |a| a.company_id.clone(),
    )
}
