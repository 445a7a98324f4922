//! Reading the location's contacts: `POST /contacts/search` with `pageLimit` 500 and
//! `searchAfter` cursor paging (page numbers stop at 10,000 records), sorted by `dateAdded`
//! then id, so a contact updated during the export keeps its place and is neither missed nor
//! seen twice; several cursors over disjoint `dateAdded` slices run side by side. Pages go to
//! the next stage through a bounded channel: the fetchers wait when the writer is behind, so
//! memory holds a few pages whatever the location's size.

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::watermark::{epoch_ms, iso_ms};
use super::{Batch, ExportError};
use crate::api::models::SearchRequest;
use crate::api::{Client, Estimate, RelatedKind};
use crate::run::dispatch::Dispatch;

/// The largest page the API serves.
pub const PAGE_LIMIT: u32 = 500;

/// What to ask search for.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Free text (at most 75 characters).
    pub text: Option<String>,
    /// Contacts carrying every one of these tags.
    pub tags: Vec<String>,
    /// `dateUpdated >= since` (ISO).
    pub since: Option<String>,
    /// `dateUpdated > after` (ISO).
    pub updated_after: Option<String>,
}

impl Query {
    /// The search filters (top level is AND).
    pub fn filters(&self) -> Vec<Value> {
        let mut filters: Vec<Value> = self
            .tags
            .iter()
            .map(|tag| json!({"field": "tags", "operator": "eq", "value": tag}))
            .collect();
        let mut range = serde_json::Map::new();
        if let Some(since) = &self.since {
            range.insert("gte".into(), json!(since));
        }
        if let Some(after) = &self.updated_after {
            range.insert("gt".into(), json!(after));
        }
        if !range.is_empty() {
            filters.push(json!({"field": "dateUpdated", "operator": "range", "value": range}));
        }
        filters
    }
}

/// Cursors run side by side at most: one cursor is sequential (each page needs the last
/// one's cursor), so at HighLevel's few hundred milliseconds per page it could use only a
/// fraction of the rate the location allows.
pub const MAX_SLICES: usize = 8;

/// Fetches every matching contact into `tx` and returns the number of search requests. Ends
/// early without error when the receiver is gone (the writer failed: its error wins).
///
/// The first page comes from one cursor over everything. When more pages follow, the rest of
/// the `dateAdded` range is cut into up to `slices` time slices, each paged by its own cursor
/// with a `dateAdded` range filter, concurrently (the limiter sets the pace). Every contact
/// falls in exactly one slice; batches reach the writer in the order they arrive, so rows are
/// grouped by slice rather than sorted. Memory stays at the pages in flight plus the channel.
pub async fn pages(
    client: &Client,
    query: &Query,
    slices: usize,
    tx: mpsc::Sender<Batch>,
) -> Result<u64, ExportError> {
    let base = SearchRequest {
        location_id: client.location_id().to_string(),
        page_limit: PAGE_LIMIT,
        search_after: None,
        query: query.text.clone(),
        filters: query.filters(),
        sort: vec![json!({"field": "dateAdded", "direction": "asc"})],
    };
    // The newest contact's `dateAdded` bounds the slices; asking for it alongside the first
    // page costs one request and saves a round trip before the cursors can start.
    let (first, newest) = if slices > 1 {
        let first = async { Ok::<_, ExportError>(client.search(&base).await?) };
        let (first, newest) = tokio::try_join!(first, last_added(client, &base))?;
        (first, newest)
    } else {
        (client.search(&base).await?, None)
    };
    let count = first.contacts.len();
    let total = first.total;
    let cursor = cursor(&first.contacts);
    let from_ms = first
        .contacts
        .last()
        .and_then(|c| c.get("dateAdded"))
        .and_then(Value::as_str)
        .and_then(epoch_ms);
    let batch = Batch {
        contacts: first.contacts,
        related: None,
        total,
    };
    let asked = 1 + u64::from(slices > 1);
    if count > 0 && tx.send(batch).await.is_err() {
        return Ok(asked);
    }
    // A short page is the last one (ghl-api.md §2.7).
    if count < PAGE_LIMIT as usize {
        return Ok(asked);
    }
    let mut rest = base.clone();
    rest.search_after = Some(cursor.ok_or_else(no_cursor)?);
    let left_pages = (total.saturating_sub(count as u64) as usize).div_ceil(PAGE_LIMIT as usize);
    // At least two pages per slice, or slicing costs more requests than it saves.
    let wanted = slices.clamp(1, MAX_SLICES).min(left_pages / 2);
    let cuts = match (wanted > 1, from_ms, newest) {
        (true, Some(from), Some(to)) if to > from => cut(from, to, wanted),
        _ => Vec::new(),
    };
    if cuts.is_empty() {
        return Ok(asked + walk(client, rest, tx).await?);
    }
    // Slice 0 goes on from the first page's cursor below the first cut; each other slice
    // starts at its cut and ends below the next (the last has no end, so contacts added
    // while the export runs are found too).
    let mut requests = bounds(&cuts).into_iter().enumerate().map(|(n, bounds)| {
        let mut request = if n == 0 { rest.clone() } else { base.clone() };
        request
            .filters
            .push(json!({"field": "dateAdded", "operator": "range", "value": bounds}));
        request
    });
    // Every cursor at once (there are few); a stop drops them all with the export's stages.
    let mut walks = Dispatch::uncancellable(cuts.len() + 1);
    walks.fill(&mut requests, |request| walk(client, request, tx.clone()));
    drop(tx);
    let mut pages = 0;
    while let Some(walked) = walks.next().await {
        // The first error ends the export: the other cursors are dropped with `walks`.
        pages += walked?;
    }
    Ok(asked + pages)
}

/// What the export will send, learned from one search of a single contact (its `total`, and
/// the limits its headers report): the search pages, the newest-contact probe when the range
/// may be sliced, and one request per contact per related kind. A floor: the slices' last
/// short pages and retries come on top.
pub async fn estimate(
    client: &Client,
    query: &Query,
    kinds: &[RelatedKind],
    concurrency: usize,
) -> Result<(u64, Estimate), ExportError> {
    let probe = SearchRequest {
        location_id: client.location_id().to_string(),
        page_limit: 1,
        search_after: None,
        query: query.text.clone(),
        filters: query.filters(),
        sort: vec![json!({"field": "dateAdded", "direction": "asc"})],
    };
    let total = client.search(&probe).await?.total;
    let pages = total.div_ceil(u64::from(PAGE_LIMIT)).max(1) + u64::from(concurrency > 1);
    let requests = pages + total * kinds.len() as u64;
    Ok((total, Estimate::new(requests, client.limiter())))
}

/// Pages one cursor to its end.
async fn walk(
    client: &Client,
    mut request: SearchRequest,
    tx: mpsc::Sender<Batch>,
) -> Result<u64, ExportError> {
    let mut fetched = 0u64;
    loop {
        let response = client.search(&request).await?;
        fetched += 1;
        let count = response.contacts.len();
        let next = cursor(&response.contacts);
        let batch = Batch {
            contacts: response.contacts,
            related: None,
            total: 0,
        };
        if count > 0 && tx.send(batch).await.is_err() {
            return Ok(fetched);
        }
        if count < PAGE_LIMIT as usize {
            return Ok(fetched);
        }
        match next {
            None => return Err(no_cursor()),
            Some(next) if request.search_after.as_ref() == Some(&next) => {
                // Asking again with the same cursor would loop for ever.
                return Err(ExportError::Paging(format!(
                    "the searchAfter cursor did not move ({})",
                    Value::Array(next)
                )));
            }
            Some(next) => request.search_after = Some(next),
        }
    }
}

/// The `dateAdded` of the newest matching contact (one request, sorted descending).
async fn last_added(client: &Client, base: &SearchRequest) -> Result<Option<i64>, ExportError> {
    let mut request = base.clone();
    request.page_limit = 1;
    request.sort = vec![json!({"field": "dateAdded", "direction": "desc"})];
    let response = client.search(&request).await?;
    Ok(response
        .contacts
        .first()
        .and_then(|c| c.get("dateAdded"))
        .and_then(Value::as_str)
        .and_then(epoch_ms))
}

/// `n - 1` cut points splitting `(from, to]` into `n` equal spans of time, strictly
/// increasing (fewer when the span is too short to cut).
fn cut(from: i64, to: i64, n: usize) -> Vec<i64> {
    let n = n as i64;
    let mut cuts: Vec<i64> = (1..n).map(|j| from + 1 + (to - from) * j / n).collect();
    cuts.dedup();
    cuts.retain(|&c| c > from + 1 && c <= to);
    cuts
}

/// The range filter value of each slice: below the first cut, between cuts, from the last.
fn bounds(cuts: &[i64]) -> Vec<Value> {
    let mut out = Vec::with_capacity(cuts.len() + 1);
    out.push(json!({"lt": iso_ms(cuts[0])}));
    for pair in cuts.windows(2) {
        out.push(json!({"gte": iso_ms(pair[0]), "lt": iso_ms(pair[1])}));
    }
    out.push(json!({"gte": iso_ms(cuts[cuts.len() - 1])}));
    out
}

fn cursor(contacts: &[Value]) -> Option<Vec<Value>> {
    contacts
        .last()
        .and_then(|c| c.get("searchAfter"))
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .cloned()
}

fn no_cursor() -> ExportError {
    ExportError::Paging("a full page came without a searchAfter cursor on its last contact".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_for_tags_and_dates() {
        let query = Query {
            text: Some("acme".into()),
            tags: vec!["vip".into(), "customer".into()],
            since: Some("2026-11-20T00:00:00.000Z".into()),
            updated_after: Some("2026-11-21T00:00:00.000Z".into()),
        };
        assert_eq!(
            Value::Array(query.filters()),
            json!([
                {"field": "tags", "operator": "eq", "value": "vip"},
                {"field": "tags", "operator": "eq", "value": "customer"},
                {"field": "dateUpdated", "operator": "range",
                 "value": {"gte": "2026-11-20T00:00:00.000Z", "gt": "2026-11-21T00:00:00.000Z"}}
            ])
        );
        assert!(Query::default().filters().is_empty());
    }

    #[test]
    fn slices_cover_the_range_once() {
        let cuts = cut(1_000, 2_000, 4);
        assert_eq!(cuts, [1_251, 1_501, 1_751]);
        let b = bounds(&cuts);
        assert_eq!(b.len(), 4);
        assert_eq!(b[0], json!({"lt": iso_ms(1_251)}));
        assert_eq!(b[1], json!({"gte": iso_ms(1_251), "lt": iso_ms(1_501)}));
        assert_eq!(b[3], json!({"gte": iso_ms(1_751)}));
        // Too short a span to cut into four.
        assert_eq!(cut(1_000, 1_002, 4), [1_002]);
        assert!(cut(1_000, 1_001, 4).is_empty());
    }
}
