//! `GET /contacts/{contactId}/appointments` → `{events}` (`GetEventsSuccessfulResponseDto`),
//! ordered by start time. Read-only here as in the contacts API: appointments come from the
//! fixture or `--generate`.

use super::call::Call;
use crate::ops;
use crate::records::Appointment;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

pub(super) async fn list(call: Call, Path(id): Path<String>) -> Response {
    call.answer(|st, ctx| {
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
    })
}
