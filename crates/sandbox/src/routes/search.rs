//! `POST /contacts/search`: `pageLimit` (required, ≤ 500), `page` paging capped at 10,000
//! records, `searchAfter` cursor paging past it, filters, at most 2 sorts, free-text `query`,
//! and `{contacts, total}` with a `searchAfter` on every contact; `--index-lag` hides contacts
//! created too recently, as HighLevel's search index does for a few seconds. Filters on email or
//! phone equality are answered from the location's indexes (`lookup`).
//!
//! Past 10,000 records page paging answers **400** "Standard pagination is limited to 10000
//! records. Use searchAfter to fetch more." The real answer is undocumented (ghl-api.md §8); 400
//! is what the Elasticsearch `max_result_window` error behind such caps surfaces as, and it keeps
//! 422 for DTO shape errors. `total` counts every match (not capped).

use super::call::Call;
use super::{ApiResult, Ctx};
use crate::dto::Dto;
use crate::error::ApiError;
use crate::query::{self, Key};
use crate::server::AppState;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

/// Most records reachable with `page` paging.
const PAGE_WINDOW: u64 = 10_000;

pub(super) async fn search(call: Call, body: Bytes) -> Response {
    call.answer(|st, ctx| run(st, ctx, &body))
}

fn run(st: &AppState, ctx: &Ctx, body: &[u8]) -> ApiResult {
    let mut dto = Dto::new(
        body,
        &[
            "locationId",
            "pageLimit",
            "page",
            "searchAfter",
            "query",
            "filters",
            "sort",
        ],
    )?;
    let location = dto.required_string("locationId");
    let page_limit = match dto.number("pageLimit") {
        None if !dto.has_errors() || dto.raw("pageLimit").is_none() => {
            dto.error("pageLimit must be a number conforming to the specified constraints");
            0
        }
        None => 0,
        Some(n) if n.fract() != 0.0 || n < 1.0 => {
            dto.error("pageLimit must not be less than 1");
            0
        }
        Some(n) if n > 500.0 => {
            dto.error("pageLimit must not be greater than 500");
            0
        }
        Some(n) => n as u64,
    };
    let page = dto.number("page");
    if page.is_some_and(|p| p.fract() != 0.0 || p < 1.0) {
        dto.error("page must not be less than 1");
    }
    let search_after = match dto.raw("searchAfter") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(a.clone()),
        Some(_) => {
            dto.error("searchAfter must be an array");
            None
        }
    };
    if page.is_some() && search_after.is_some() {
        dto.error("page and searchAfter cannot be used together");
    }
    let text = dto
        .string("query", false)
        .as_set()
        .map(|q| q.to_lowercase());
    if text.as_ref().is_some_and(|q| q.chars().count() > 75) {
        dto.error("query must be shorter than or equal to 75 characters");
    }
    let sorts: Vec<(String, bool)> = match dto.raw("sort").cloned() {
        None | Some(Value::Null) => vec![("dateAdded".into(), false)],
        Some(Value::Array(a)) => {
            if a.len() > 2 {
                dto.error("sort must contain no more than 2 elements");
            }
            let mut v = Vec::new();
            for s in &a {
                let field = s.get("field").and_then(Value::as_str).unwrap_or_default();
                let dir = s.get("direction").and_then(Value::as_str).unwrap_or("asc");
                if !query::SORT_FIELDS.contains(&field) {
                    dto.error(format!("sort field {field} is not supported"));
                } else if dir != "asc" && dir != "desc" {
                    dto.error("sort direction must be one of the following values: asc, desc");
                } else {
                    v.push((field.to_string(), dir == "desc"));
                }
            }
            if v.is_empty() {
                v.push(("dateAdded".into(), false));
            }
            v
        }
        Some(_) => {
            dto.error("sort must be an array");
            Vec::new()
        }
    };
    let store = st.read();
    let filters = {
        let defs = store
            .locations
            .get(&ctx.location)
            .map(|l| l.custom_fields.as_slice())
            .unwrap_or_default();
        let mut errors = Vec::new();
        let f = query::parse(
            dto.raw("filters").unwrap_or(&Value::Array(Vec::new())),
            defs,
            &mut errors,
        );
        for e in errors {
            dto.error(e);
        }
        f
    };
    dto.finish()?;
    ctx.check_location(&location.unwrap_or_default())?;
    let page = page.map(|p| p as u64).unwrap_or(1);
    if search_after.is_none() && page.saturating_mul(page_limit) > PAGE_WINDOW {
        return Err(ApiError::BadRequest(format!(
            "Standard pagination is limited to {PAGE_WINDOW} records. Use searchAfter to fetch more."
        )));
    }
    let Some(loc) = store.locations.get(&ctx.location) else {
        return Err(crate::error::wrong_location());
    };
    let fields: Vec<&str> = sorts.iter().map(|(f, _)| f.as_str()).collect();
    let desc: Vec<bool> = sorts.iter().map(|(_, d)| *d).collect();
    let indexed_before = crate::normalise::now_ms()
        - i64::try_from(st.search_index_lag.as_millis()).unwrap_or(i64::MAX);
    // An `eq` on email or phone lists reads the indexes, not every contact (`lookup`).
    let mut rows: Vec<(Vec<Key>, &crate::contact::Contact)> =
        crate::lookup::candidates(loc, &filters)
            .filter(|c| st.search_index_lag.is_zero() || c.date_added <= indexed_before)
            .filter(|c| query::matches(&filters, c))
            .filter(|c| text.as_ref().is_none_or(|q| free_text(c, q)))
            .map(|c| (fields.iter().map(|f| query::sort_key(c, f)).collect(), c))
            .collect();
    let total = rows.len();
    if let Some(cursor) = &search_after {
        let (keys, id) = read_cursor(cursor, &fields)?;
        rows.retain(|(k, c)| query::compare((k, &c.id), (&keys, &id), &desc).is_gt());
    }
    let skip = if search_after.is_some() {
        0
    } else {
        ((page - 1) * page_limit) as usize
    };
    let want = (skip + page_limit as usize).min(rows.len());
    let cmp = |a: &(Vec<Key>, &crate::contact::Contact),
               b: &(Vec<Key>, &crate::contact::Contact)| {
        query::compare((&a.0, &a.1.id), (&b.0, &b.1.id), &desc)
    };
    // Only the first `want` rows need ordering: select them in linear time, then sort those.
    if want > 0 && want < rows.len() {
        rows.select_nth_unstable_by(want - 1, cmp);
        rows.truncate(want);
    }
    rows.sort_unstable_by(cmp);
    let contacts: Vec<Value> = rows
        .iter()
        .skip(skip)
        .map(|(k, c)| {
            let mut cursor: Vec<Value> = k.iter().map(Key::to_json).collect();
            cursor.push(Value::String(c.id.clone()));
            c.search_json(Value::Array(cursor))
        })
        .collect();
    Ok((
        StatusCode::OK,
        json!({ "contacts": contacts, "total": total }),
    ))
}

fn free_text(c: &crate::contact::Contact, q: &str) -> bool {
    [
        c.full_name(),
        c.email.clone(),
        c.phone.clone(),
        c.company_name.clone(),
    ]
    .into_iter()
    .flatten()
    .any(|v| v.to_lowercase().contains(q))
}

fn read_cursor(cursor: &[Value], fields: &[&str]) -> Result<(Vec<Key>, String), ApiError> {
    let bad = || {
        ApiError::Unprocessable(vec![format!("searchAfter must hold {} sort value(s) and the contact id, as returned on the last contact of the previous page", fields.len())])
    };
    if cursor.len() != fields.len() + 1 {
        return Err(bad());
    }
    let id = cursor[fields.len()].as_str().ok_or_else(bad)?.to_string();
    // The kind of each key (number or text) follows from the field, whatever rows there are.
    let probe = crate::contact::Contact::default();
    let keys = fields
        .iter()
        .zip(cursor)
        .map(|(f, v)| Key::from_json(v, &query::sort_key(&probe, f)))
        .collect::<Option<Vec<Key>>>()
        .ok_or_else(bad)?;
    Ok((keys, id))
}
