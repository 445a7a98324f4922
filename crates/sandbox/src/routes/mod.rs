//! The HTTP surface: the router, and the gate every API request passes (bearer token, rate
//! limit, `Version` header, scope, injected faults, cut-after-commit, counters, headers).
//!
//! Order of the gate, and why:
//! 1. Unknown or missing bearer → 401 `Invalid JWT`. There is no location to count it against,
//!    so such answers carry no `X-RateLimit-*` headers (the only ones without).
//! 2. The location's limiter counts the request; over the limit → 429 with the headers. An
//!    agency token is counted against its company's own buckets.
//! 3. `Version` missing → 401 `version header was not found.`; unknown → 401 `version header is
//!    invalid` (ghl-api.md §1.1).
//! 4. Missing scope → 401 `The token is not authorized for this scope.` — before the location
//!    check, which handlers do (403), as HighLevel does (ghl-api.md §1.4). The same 401 answers
//!    an agency token on a location route (`/contacts/*`, `/locations/*`) whatever its scopes
//!    (ghl-api.md §1.2), and a location token on an agency route (`/oauth/locationToken`,
//!    `/oauth/installedLocations`, "Agency-Access-Only" in oauth.json).
//! 5. Faults: latency, then an injected 5xx or a stall (the request is not handled), and after a
//!    successful write, possibly the cut.

mod admin;
mod agency;
mod appointments;
mod authorize;
mod call;
mod children;
mod contacts;
mod locations;
mod notes;
mod oauth;
mod search;
mod tags;
mod tasks;

use crate::error::ApiError;
use crate::ratelimit::{Headers, Verdict};
use crate::server::{AppState, ConnKill};
use crate::stats::Outcome;
use crate::store::{Note, Task};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Who is calling, set by the gate for the handlers.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    /// The token's location (empty for an agency token).
    pub location: String,
    /// The company of an agency token.
    pub company: Option<String>,
    /// The token's scopes.
    pub scopes: Vec<String>,
    /// Per-request id, echoed in error bodies.
    pub trace_id: String,
}

/// What a handler produces.
pub(crate) type ApiResult = Result<(StatusCode, Value), ApiError>;

impl Ctx {
    /// Turns a handler result into the response.
    pub(crate) fn reply(&self, r: ApiResult) -> Response {
        match r {
            Ok((status, body)) => (status, Json(body)).into_response(),
            Err(e) => e.into_response_with(&self.trace_id),
        }
    }

    /// The token's location, once `contact` is known to be in it (403 if it is another
    /// location's, 400 if unknown, as for the contact routes).
    pub(crate) fn contact_location_mut<'a>(
        &self,
        store: &'a mut crate::store::Store,
        contact: &str,
    ) -> Result<&'a mut crate::store::Location, ApiError> {
        crate::ops::owned(store, &self.location, contact)?;
        store
            .locations
            .get_mut(&self.location)
            .ok_or_else(crate::error::wrong_location)
    }

    /// 403 unless `location` is the token's.
    pub(crate) fn check_location(&self, location: &str) -> Result<(), ApiError> {
        if location == self.location {
            Ok(())
        } else {
            Err(crate::error::wrong_location())
        }
    }
}

#[derive(Clone)]
struct GateState {
    app: Arc<AppState>,
    retry_after: bool,
    stall_for: Duration,
}

/// Builds the router.
pub(crate) fn router(state: Arc<AppState>, retry_after: bool, stall_for: Duration) -> Router {
    let gate_state = GateState {
        app: state.clone(),
        retry_after,
        stall_for,
    };
    let api = Router::new()
        .route("/contacts/", post(contacts::create))
        .route("/contacts", post(contacts::create))
        .route("/contacts/upsert", post(contacts::upsert))
        .route(
            "/contacts/{contactId}",
            get(contacts::get)
                .put(contacts::update)
                .delete(contacts::delete),
        )
        .route(
            "/contacts/{contactId}/tags",
            post(tags::add).delete(tags::remove),
        )
        .route("/contacts/bulk/tags/update/{type}", post(tags::bulk))
        .route("/contacts/bulk/business", post(contacts::bulk_business))
        .route("/contacts/search", post(search::search))
        .route("/contacts/search/duplicate", get(contacts::duplicate))
        .route(
            "/contacts/{contactId}/notes",
            get(children::list::<Note>).post(notes::create),
        )
        .route(
            "/contacts/{contactId}/notes/{id}",
            get(children::get::<Note>)
                .put(notes::update)
                .delete(children::delete::<Note>),
        )
        .route(
            "/contacts/{contactId}/tasks",
            get(children::list::<Task>).post(tasks::create),
        )
        .route(
            "/contacts/{contactId}/tasks/{taskId}",
            get(children::get::<Task>)
                .put(tasks::update)
                .delete(children::delete::<Task>),
        )
        .route(
            "/contacts/{contactId}/tasks/{taskId}/completed",
            put(tasks::completed),
        )
        .route(
            "/contacts/{contactId}/appointments",
            get(appointments::list),
        )
        .route(
            "/locations/{locationId}/customFields",
            get(locations::custom_fields),
        )
        .route("/oauth/locationToken", post(agency::location_token))
        .route(
            "/oauth/installedLocations",
            get(agency::installed_locations),
        )
        .route_layer(middleware::from_fn_with_state(gate_state, gate));
    let open = Router::new()
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/chooselocation", get(authorize::choose_location))
        .route_layer(middleware::from_fn_with_state(state.clone(), count_only));
    let sandbox = Router::new()
        .route("/_sandbox/stats", get(admin::stats))
        .route("/_sandbox/contacts", get(admin::contacts))
        .route("/_sandbox/snapshot", get(admin::snapshot));
    api.merge(open)
        .merge(sandbox)
        .fallback(not_found)
        .with_state(state)
}

/// The scope a route needs (ghl-api.md §1.4; bulk routes have none in the spec: assume write).
fn required_scope(method: &Method, path: &str) -> &'static str {
    if path == "/oauth/locationToken" {
        "oauth.write"
    } else if path == "/oauth/installedLocations" {
        "oauth.readonly"
    } else if path.starts_with("/locations/") {
        "locations/customFields.readonly"
    } else if method == Method::GET || path == "/contacts/search" {
        "contacts.readonly"
    } else {
        "contacts.write"
    }
}

fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub(super) fn trace_id(app: &AppState, seq: u64) -> String {
    let mut rng = fastrand::Rng::with_seed(app.seed.rotate_left(17) ^ seq);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        rng.u32(..),
        rng.u16(..),
        rng.u16(..0x1000),
        rng.u16(..),
        rng.u64(..1 << 48)
    )
}

async fn gate(State(gs): State<GateState>, req: Request, next: Next) -> Response {
    let app = &gs.app;
    let seq = app.seq.fetch_add(1, Ordering::Relaxed);
    let trace = trace_id(app, seq);
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let method = req.method().clone();
    let route = format!("{method} {path}");
    let finish = |resp: Response, outcome: Outcome| {
        app.counters.record(&route, outcome);
        resp
    };

    // 1. Token.
    let principal = bearer(&req).and_then(|t| {
        let store = app.read();
        let tok = store.tokens.get(t)?;
        let live = tok
            .expires_at_ms
            .is_none_or(|exp| exp > crate::normalise::now_ms());
        live.then(|| {
            (
                tok.location_id.clone(),
                tok.company_id.clone(),
                tok.scopes.clone(),
            )
        })
    });
    let Some((location, company, scopes)) = principal else {
        let r = ApiError::Unauthorized("Invalid JWT".into()).into_response_with(&trace);
        return finish(r, Outcome::Status(401));
    };

    // 2. Rate limit.
    let bucket = company.as_deref().unwrap_or(&location);
    let verdict = app.limiter().check(bucket, tokio::time::Instant::now());
    let headers = match verdict {
        Verdict::Admitted(h) => h,
        Verdict::Rejected(h) => {
            let mut r = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(crate::error::too_many_requests()),
            )
                .into_response();
            put_headers(&mut r, &h, gs.retry_after);
            return finish(r, Outcome::Status(429));
        }
    };
    let done = |mut r: Response, outcome: Outcome| {
        put_headers(&mut r, &headers, false);
        finish(r, outcome)
    };

    // 3. Version. 4. Scope.
    let version = req
        .headers()
        .get("version")
        .map(|v| v.to_str().unwrap_or_default().to_string());
    let denied = match version {
        None => Some("version header was not found."),
        Some(v) if !app.accepted_versions.contains(&v) => Some("version header is invalid"),
        Some(_)
            if company.is_some() != path.starts_with("/oauth/")
                || !scopes.iter().any(|s| s == required_scope(&method, &path)) =>
        {
            Some("The token is not authorized for this scope.")
        }
        Some(_) => None,
    };
    if let Some(m) = denied {
        return done(
            ApiError::Unauthorized(m.into()).into_response_with(&trace),
            Outcome::Status(401),
        );
    }

    // 5. Faults.
    let plan = app.faults.plan(seq);
    if !plan.latency.is_zero() {
        tokio::time::sleep(plan.latency).await;
    }
    if let Some(status) = plan.fail {
        let r = (status, Json(crate::error::server_error(status))).into_response();
        return done(r, Outcome::Injected(status.as_u16()));
    }
    if plan.stall {
        tokio::time::sleep(gs.stall_for).await;
        let r = (
            StatusCode::GATEWAY_TIMEOUT,
            Json(crate::error::server_error(StatusCode::GATEWAY_TIMEOUT)),
        )
            .into_response();
        return done(r, Outcome::Stalled);
    }
    let kill = req.extensions().get::<ConnKill>().cloned();
    let mut req = req;
    req.extensions_mut().insert(Ctx {
        location,
        company,
        scopes,
        trace_id: trace,
    });
    let resp = next.run(req).await;
    if plan.cut_after_commit && method != Method::GET && resp.status().is_success() {
        if let Some(ConnKill(n)) = kill {
            // The write is committed; close the connection instead of answering, so the client
            // sees a transport error and cannot know the outcome.
            app.counters.record(&route, Outcome::Cut);
            n.notify_one();
            return std::future::pending().await;
        }
    }
    let status = resp.status().as_u16();
    done(resp, Outcome::Status(status))
}

fn put_headers(r: &mut Response, h: &Headers, retry_after: bool) {
    let hs = r.headers_mut();
    let mut put = |name: &'static str, v: u64| {
        hs.insert(name, HeaderValue::from(v));
    };
    if h.burst_on {
        put("x-ratelimit-max", h.max);
        put("x-ratelimit-interval-milliseconds", h.interval_ms);
        put("x-ratelimit-remaining", h.remaining);
    }
    if h.daily_on {
        put("x-ratelimit-limit-daily", h.daily_limit);
        put("x-ratelimit-daily-remaining", h.daily_remaining);
    }
    if retry_after {
        put("retry-after", h.retry_after_secs);
    }
}

async fn count_only(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let route = format!("{} {path}", req.method());
    app.seq.fetch_add(1, Ordering::Relaxed);
    let resp = next.run(req).await;
    app.counters
        .record(&route, Outcome::Status(resp.status().as_u16()));
    resp
}

async fn not_found(
    State(app): State<Arc<AppState>>,
    method: Method,
    uri: axum::http::Uri,
) -> Response {
    let path = uri.path();
    if !path.starts_with("/_sandbox") {
        app.counters.record("unmatched", Outcome::Status(404));
    }
    ApiError::NotFound(format!("Cannot {method} {path}")).into_response_with("")
}
