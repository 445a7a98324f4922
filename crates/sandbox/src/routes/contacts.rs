//! Contact routes: create (201 `{contact}`), upsert (200 `{new, contact, traceId}`), get
//! (`{contact}`), update (`{succeded, contact}` — the spec's spelling), delete (`{succeded}`),
//! the duplicate lookup (`{contact|null}`) and `bulk/business`.

use super::call::Call;
use crate::config::MatchField;
use crate::dto::{parse_object, Dto};
use crate::error::ApiError;
use crate::normalise;
use crate::ops;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use std::collections::HashMap;

pub(super) async fn create(call: Call, body: Bytes) -> Response {
    call.answer(|st, ctx| {
        let body = parse_object(&body)?;
        let c = ops::create(&mut st.write(), &ctx.location, body)?;
        Ok((StatusCode::CREATED, json!({ "contact": c.create_json() })))
    })
}

pub(super) async fn upsert(call: Call, body: Bytes) -> Response {
    call.answer(|st, ctx| {
        let body = parse_object(&body)?;
        let (new, c) = ops::upsert(&mut st.write(), &ctx.location, body)?;
        Ok((
            StatusCode::OK,
            json!({ "new": new, "contact": c.get_json(), "traceId": ctx.trace_id }),
        ))
    })
}

pub(super) async fn get(call: Call, Path(id): Path<String>) -> Response {
    call.answer(|st, ctx| {
        let store = st.read();
        let c = ops::owned(&store, &ctx.location, &id)?;
        Ok((StatusCode::OK, json!({ "contact": c.get_json() })))
    })
}

pub(super) async fn update(call: Call, Path(id): Path<String>, body: Bytes) -> Response {
    call.answer(|st, ctx| {
        let body = parse_object(&body)?;
        let c = ops::update(&mut st.write(), &ctx.location, &id, body)?;
        Ok((
            StatusCode::OK,
            json!({ "succeded": true, "contact": c.get_json() }),
        ))
    })
}

pub(super) async fn delete(call: Call, Path(id): Path<String>) -> Response {
    call.answer(|st, ctx| {
        let mut store = st.write();
        ops::owned(&store, &ctx.location, &id)?;
        if let Some(loc) = store.locations.get_mut(&ctx.location) {
            loc.remove(&id);
        }
        Ok((StatusCode::OK, json!({ "succeded": true })))
    })
}

/// `GET /contacts/search/duplicate?locationId=&email=&number=`. With duplicates disallowed the
/// location's match order decides; with duplicates allowed email is tried first, then phone
/// (spec description).
pub(super) async fn duplicate(call: Call, Query(q): Query<HashMap<String, String>>) -> Response {
    call.answer(|st, ctx| {
        let Some(location) = q.get("locationId").filter(|l| !l.is_empty()) else {
            return Err(ApiError::Unprocessable(vec![
                "locationId should not be empty".into(),
                "locationId must be a string".into(),
            ]));
        };
        ctx.check_location(location)?;
        let email = q.get("email").filter(|e| !e.is_empty());
        let number = q.get("number").filter(|e| !e.is_empty());
        if email.is_none() && number.is_none() {
            return Err(ApiError::BadRequest(
                "Pass at least one of number, email query parameter".into(),
            ));
        }
        let store = st.read();
        let loc = store
            .locations
            .get(location)
            .ok_or_else(crate::error::wrong_location)?;
        // A `+` sent without URL-encoding arrives as a space: it is read as a national number of
        // the location, so the lookup misses, as it would live.
        let phone = number.and_then(|n| normalise::phone_e164(n, &loc.settings.country));
        let order = if loc.settings.allow_duplicate_contact {
            vec![MatchField::Email, MatchField::Phone]
        } else {
            loc.settings.match_order.clone()
        };
        let found = order.iter().find_map(|f| match f {
            MatchField::Email => email.and_then(|e| loc.find_by(*f, e, None)),
            MatchField::Phone => phone.as_deref().and_then(|p| loc.find_by(*f, p, None)),
        });
        Ok((
            StatusCode::OK,
            json!({ "contact": found.map(|c| c.get_json()) }),
        ))
    })
}

/// `POST /contacts/bulk/business` `{locationId, ids[], businessId|null}` → `{success, ids}` with
/// the ids that were found and changed.
pub(super) async fn bulk_business(call: Call, body: Bytes) -> Response {
    call.answer(|st, ctx| {
        let mut dto = Dto::new(&body, &["locationId", "ids", "businessId"])?;
        let location = dto.required_string("locationId");
        let ids = dto.string_array("ids", true).unwrap_or_default();
        for id in ids.iter().filter(|i| i.len() > 50) {
            dto.error(format!(
                "each value in ids must be shorter than or equal to 50 characters ({id})"
            ));
        }
        if dto.raw("businessId").is_none() {
            dto.error("businessId must be a string");
        }
        let business = dto.string("businessId", true).as_set().cloned();
        dto.finish()?;
        let location = location.unwrap_or_default();
        ctx.check_location(&location)?;
        let mut store = st.write();
        let loc = store
            .locations
            .get_mut(&location)
            .ok_or_else(crate::error::wrong_location)?;
        let now = normalise::now_ms();
        let changed: Vec<String> = ids
            .into_iter()
            .filter(|id| {
                loc.update(id, |c| {
                    c.business_id = business.clone();
                    c.date_updated = now;
                })
            })
            .collect();
        Ok((StatusCode::OK, json!({ "success": true, "ids": changed })))
    })
}
