//! The sandbox's own routes, outside the API (no auth, not rate-limited, not counted):
//! `GET /_sandbox/stats`, `GET /_sandbox/contacts[?locationId=]` and
//! `GET /_sandbox/snapshot[?locationId=]` (contacts with their notes, tasks and appointments).

use crate::server::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

pub(super) async fn stats(State(st): State<Arc<AppState>>) -> Json<crate::stats::Stats> {
    Json(st.stats())
}

pub(super) async fn contacts(
    State(st): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Vec<Value>> {
    Json(st.read().dump(q.get("locationId").map(String::as_str)))
}

pub(super) async fn snapshot(
    State(st): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    Json(st.read().snapshot(q.get("locationId").map(String::as_str)))
}
