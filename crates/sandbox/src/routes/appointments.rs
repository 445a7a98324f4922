//! `GET /contacts/{contactId}/appointments` → `{events}` (`GetEventsSuccessfulResponseDto`),
//! ordered by start time. Read-only here as in the contacts API: appointments come from the
//! fixture or `--generate`.

use super::{ApiResult, Ctx};
use crate::ops;
use crate::records::Appointment;
use crate::server::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde_json::{json, Value};
use std::sync::Arc;

pub(super) async fn list(
    State(st): State<Arc<AppState>>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Response {
    let r = (|| -> ApiResult {
        let store = st.read();
        ops::owned(&store, &ctx.location, &id)?;
        let events: Vec<Value> = store
            .locations
            .get(&ctx.location)
            .map(|l| l.appointments_of(&id))
            .unwrap_or_default()
            .into_iter()
            .map(Appointment::json)
            .collect();
        Ok((StatusCode::OK, json!({ "events": events })))
    })();
    ctx.reply(r)
}
