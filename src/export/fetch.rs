//! Reading the location's contacts: `POST /contacts/search` with `pageLimit` 500 and
//! `searchAfter` cursor paging (page numbers stop at 10,000 records), sorted by `dateAdded`
//! then id, so a contact updated during the export keeps its place and is neither missed nor
//! seen twice. Pages go to the next stage through a bounded channel: the fetcher waits when
//! the writer is behind, so memory holds a few pages whatever the location's size.

use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::{Batch, ExportError};
use crate::api::models::SearchRequest;
use crate::api::Client;

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

/// Fetches every page in order into `tx`; returns the number of pages fetched.
/// Ends early without error when the receiver is gone (the writer failed: its error wins).
pub async fn pages(
    client: &Client,
    query: &Query,
    tx: mpsc::Sender<Batch>,
) -> Result<u64, ExportError> {
    let mut request = SearchRequest {
        location_id: client.location_id().to_string(),
        page_limit: PAGE_LIMIT,
        search_after: None,
        query: query.text.clone(),
        filters: query.filters(),
        sort: vec![json!({"field": "dateAdded", "direction": "asc"})],
    };
    let mut fetched = 0u64;
    loop {
        let response = client.search(&request).await?;
        fetched += 1;
        let count = response.contacts.len();
        let cursor = response
            .contacts
            .last()
            .and_then(|c| c.get("searchAfter"))
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .cloned();
        let page = Batch {
            contacts: response.contacts,
            notes: None,
            total: response.total,
        };
        if count > 0 && tx.send(page).await.is_err() {
            return Ok(fetched);
        }
        // A short page is the last one (ghl-api.md §2.7).
        if count < PAGE_LIMIT as usize {
            return Ok(fetched);
        }
        match cursor {
            None => {
                return Err(ExportError::Paging(
                    "a full page came without a searchAfter cursor on its last contact".into(),
                ))
            }
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
}
