//! The agency routes, open to company tokens only (the gate refuses others with 401):
//! `POST /oauth/locationToken` mints a location token from an agency token, and
//! `GET /oauth/installedLocations` lists the locations the app is installed in. Every location
//! of the sandbox belongs to its one agency and has the app installed.

use super::call::Call;
use super::oauth::USER_ID;
use super::Ctx;
use crate::dto;
use crate::error::ApiError;
use crate::grants::{self, Holder};
use crate::server::AppState;
use axum::body::Bytes;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Most locations one `installedLocations` page holds. HighLevel documents only the default
/// (20); a larger `limit` is cut to this, so a client must page by `count` rather than trust
/// one large page.
const MAX_PAGE: usize = 100;

pub(super) async fn location_token(call: Call, body: Bytes) -> Response {
    call.answer(|st, ctx| {
        let form = dto::parse_form(&body)?;
        let fields = ["companyId", "locationId"];
        let errors = dto::string_map_errors(&form, &fields, &fields);
        if !errors.is_empty() {
            return Err(ApiError::Unprocessable(errors));
        }
        let field = |k: &str| form.get(k).cloned().unwrap_or_default();
        let (company, location) = (field("companyId"), field("locationId"));
        check_company(st, ctx, &company)?;
        let mut store = st.write();
        if !store.locations.contains_key(&location) {
            // HighLevel's text is unknown; a 400 naming the location is the documented status.
            return Err(ApiError::BadRequest(format!(
                "Location {location} is not a sub-account of company {company} with the app installed"
            )));
        }
        let access = grants::mint_access(
            &mut store,
            Holder::Location(&location),
            &ctx.scopes,
            st.access_token_ttl,
        );
        // No refresh token: a location token from an agency token is minted again when needed.
        Ok((
            StatusCode::OK,
            json!({
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": st.access_token_ttl.as_secs(),
                "scope": ctx.scopes.join(" "),
                "locationId": location,
                "userId": USER_ID,
                "appId": app_id(st),
            }),
        ))
    })
}

pub(super) async fn installed_locations(
    call: Call,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    call.answer(|st, ctx| {
        let page = Page::parse(&q)?;
        check_company(st, ctx, &page.company)?;
        if page.app != app_id(st) {
            return Err(ApiError::BadRequest(format!(
                "App {} is not installed in company {}",
                page.app, page.company
            )));
        }
        let store = st.read();
        let mut matching: Vec<&crate::store::Location> = store
            .locations
            .values()
            .filter(|l| page.matches(l))
            .collect();
        matching.sort_by(|a, b| a.id.cmp(&b.id));
        let locations: Vec<Value> = matching
            .iter()
            .skip(page.skip)
            .take(page.limit)
            .map(|l| {
                json!({
                    "_id": l.id,
                    "name": display_name(l),
                    "address": "",
                    "isInstalled": true,
                })
            })
            .collect();
        Ok((
            StatusCode::OK,
            json!({
                "locations": locations,
                "count": matching.len(),
                "installToFutureLocations": true,
            }),
        ))
    })
}

/// 400 unless `company` is the agency token's own and the sandbox's agency (whose are all the
/// locations). HighLevel's answer is undocumented; refusing is the safer reading (a token never
/// speaks for another agency).
fn check_company(st: &AppState, ctx: &Ctx, company: &str) -> Result<(), ApiError> {
    if ctx.company.as_deref() == Some(company) && company == super::oauth::company_of(st) {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "companyId {company} is not the token's company"
        )))
    }
}

fn app_id(st: &AppState) -> String {
    st.agency.as_ref().map_or_else(
        || crate::config::DEFAULT_APP_ID.to_string(),
        |a| a.app_id.clone(),
    )
}

fn display_name(l: &crate::store::Location) -> &str {
    if l.name.is_empty() {
        &l.id
    } else {
        &l.name
    }
}

/// The query of `GET /oauth/installedLocations`, validated.
struct Page {
    company: String,
    app: String,
    skip: usize,
    limit: usize,
    name: Option<String>,
    location: Option<String>,
    /// `isInstalled=false`, `onTrial=true` or a `planId`: the sandbox's installs are none of
    /// these, so nothing matches.
    none: bool,
}

impl Page {
    fn parse(q: &HashMap<String, String>) -> Result<Page, ApiError> {
        const KNOWN: &[&str] = &[
            "skip",
            "limit",
            "query",
            "isInstalled",
            "companyId",
            "appId",
            "versionId",
            "onTrial",
            "planId",
            "locationId",
        ];
        let mut errors = dto::string_map_errors(q, KNOWN, &["companyId", "appId"]);
        let mut number = |k: &str, default: usize| match q.get(k) {
            None => default,
            Some(v) => v.parse().unwrap_or_else(|_| {
                errors.push(format!("{k} must be a number string"));
                default
            }),
        };
        let skip = number("skip", 0);
        let limit = number("limit", 20).min(MAX_PAGE);
        let mut flag = |k: &str| match q.get(k).map(String::as_str) {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                errors.push(format!("{k} must be a boolean value"));
                None
            }
        };
        let none = flag("isInstalled") == Some(false)
            || flag("onTrial") == Some(true)
            || q.contains_key("planId");
        if !errors.is_empty() {
            return Err(ApiError::Unprocessable(errors));
        }
        let get = |k: &str| q.get(k).cloned().unwrap_or_default();
        Ok(Page {
            company: get("companyId"),
            app: get("appId"),
            skip,
            limit,
            name: q.get("query").map(|s| s.to_lowercase()),
            location: q.get("locationId").cloned(),
            none,
        })
    }

    fn matches(&self, l: &crate::store::Location) -> bool {
        !self.none
            && self.location.as_ref().is_none_or(|id| *id == l.id)
            && self
                .name
                .as_ref()
                .is_none_or(|n| display_name(l).to_lowercase().contains(n))
    }
}
