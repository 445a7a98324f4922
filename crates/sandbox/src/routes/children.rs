//! What a contact's notes and tasks share: the list (`{notes}` / `{tasks}`, no paging), one
//! record by id (`{note}` / `{task}`) and its deletion (`{succeded}`). A record id that is
//! unknown, or belongs to another contact, is a 400 like an unknown contact (the spec lists no
//! 404; the wording is ours). Creating and updating differ by DTO and stay with each kind.

use super::call::Call;
use super::{ApiResult, Ctx};
use crate::error::ApiError;
use crate::normalise;
use crate::ops;
use crate::server::AppState;
use crate::store::{Location, Store};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A record kept per contact (a note, a task).
pub(super) trait Child: Sized + Send + Sync + 'static {
    /// The name an unknown id's 400 gives it (`Note with id … not found`).
    const NAME: &'static str;
    /// The key of one record in a response body.
    const ONE: &'static str;
    /// The key of the list in a response body.
    const MANY: &'static str;

    /// The record's id.
    fn id(&self) -> &str;
    /// The API object.
    fn json(&self) -> Value;
    /// The location's records of this kind, by contact id.
    fn of(loc: &Location) -> &HashMap<String, Vec<Self>>;
    /// The same, to change.
    fn of_mut(loc: &mut Location) -> &mut HashMap<String, Vec<Self>>;
    /// Stamps the record's update time (epoch ms).
    fn touch(&mut self, now: i64);
}

/// A `PUT`'s rule for one field: a value sent replaces the stored one, a field left out keeps
/// it. (An optional field is `put(&mut x.field, sent.map(Some))`: none of these DTOs take a
/// null, so a field cannot be cleared.)
pub(super) fn put<T>(stored: &mut T, sent: Option<T>) {
    if let Some(value) = sent {
        *stored = value;
    }
}

fn not_found<C: Child>(id: &str) -> ApiError {
    ApiError::BadRequest(format!("{} with id {id} not found", C::NAME))
}

/// The contact's record `id`, to change it.
fn find_mut<'a, C: Child>(
    loc: &'a mut Location,
    contact: &str,
    id: &str,
) -> Result<&'a mut C, ApiError> {
    C::of_mut(loc)
        .get_mut(contact)
        .and_then(|all| all.iter_mut().find(|c| c.id() == id))
        .ok_or_else(|| not_found::<C>(id))
}

/// Adds `make(new id, now)` to the records of `contact` (a contact of the token's location):
/// 201 `{note}` / `{task}`.
pub(super) fn insert<C: Child>(
    st: &AppState,
    ctx: &Ctx,
    contact: String,
    make: impl FnOnce(String, i64) -> C,
) -> ApiResult {
    let mut store = st.write();
    ops::owned(&store, &ctx.location, &contact)?;
    let now = normalise::now_ms();
    let record = make(store.new_id(), now);
    let body = json!({ (C::ONE): record.json() });
    if let Some(loc) = store.locations.get_mut(&ctx.location) {
        C::of_mut(loc).entry(contact).or_default().push(record);
    }
    Ok((StatusCode::CREATED, body))
}

/// Applies `change` to the contact's record `id` and stamps its update time: `{note}` /
/// `{task}`.
pub(super) fn modify<C: Child>(
    st: &AppState,
    ctx: &Ctx,
    contact: &str,
    id: &str,
    change: impl FnOnce(&mut C),
) -> ApiResult {
    let mut store = st.write();
    let loc = ctx.contact_location_mut(&mut store, contact)?;
    let record = find_mut::<C>(loc, contact, id)?;
    change(record);
    record.touch(normalise::now_ms());
    Ok((StatusCode::OK, json!({ (C::ONE): record.json() })))
}

/// The records of `contact` (a contact of the token's location; none yet is none).
fn records_of<'s, C: Child>(
    store: &'s Store,
    ctx: &Ctx,
    contact: &str,
) -> Result<&'s [C], ApiError> {
    ops::owned(store, &ctx.location, contact)?;
    let records = store
        .locations
        .get(&ctx.location)
        .and_then(|l| C::of(l).get(contact));
    Ok(records.map(Vec::as_slice).unwrap_or_default())
}

pub(super) async fn list<C: Child>(call: Call, Path(id): Path<String>) -> Response {
    call.answer(|st, ctx| {
        let store = st.read();
        let list: Vec<Value> = records_of::<C>(&store, ctx, &id)?
            .iter()
            .map(C::json)
            .collect();
        Ok((StatusCode::OK, json!({ (C::MANY): list })))
    })
}

pub(super) async fn get<C: Child>(
    call: Call,
    Path((contact, id)): Path<(String, String)>,
) -> Response {
    call.answer(|st, ctx| {
        let store = st.read();
        let record = records_of::<C>(&store, ctx, &contact)?
            .iter()
            .find(|c| c.id() == id)
            .ok_or_else(|| not_found::<C>(&id))?;
        Ok((StatusCode::OK, json!({ (C::ONE): record.json() })))
    })
}

pub(super) async fn delete<C: Child>(
    call: Call,
    Path((contact, id)): Path<(String, String)>,
) -> Response {
    call.answer(|st, ctx| {
        let mut store = st.write();
        let loc = ctx.contact_location_mut(&mut store, &contact)?;
        find_mut::<C>(loc, &contact, &id)?;
        let all = C::of_mut(loc);
        if let Some(records) = all.get_mut(&contact) {
            records.retain(|c| c.id() != id);
            if records.is_empty() {
                all.remove(&contact);
            }
        }
        Ok((StatusCode::OK, json!({ "succeded": true })))
    })
}
