//! How the view reads the location, chosen by request cost: the survey, the snapshot's first
//! page (500 contacts), tells how many contacts the location holds (`total`), then the cheaper
//! of the rest of the snapshot (500 per page) and batched look-ups of the file's emails and
//! phones.
//!
//! Why the survey is a whole page and not `pageLimit` 1: a location of up to 500 contacts is
//! then read in one request instead of two, and the first write follows the start one round
//! trip sooner (at 50 requests / 1 s, a round trip of idle sending costs the run's rate about
//! 0.4 %). A look-up run into a large location pays for it in bytes (one page it does not
//! use), never in requests.

use crate::api::models::{SearchRequest, SearchResponse};
use crate::api::removal::SEARCH_BATCH;
use crate::api::{ApiError, Client};
use serde_json::{json, Value};
use std::fmt;

/// Contacts per snapshot page (the documented maximum).
pub const SNAPSHOT_PAGE: u64 = 500;

/// How the view reads what the location holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Every contact of the location, page by page (`searchAfter`).
    Snapshot,
    /// The file's emails and phones, [`SEARCH_BATCH`] per search request.
    Lookups,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Snapshot => "snapshot",
            Method::Lookups => "look-ups",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The choice and what it costs, besides the survey's own request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub method: Method,
    /// Search requests the reading takes (not counting the survey).
    pub requests: u64,
    /// Contacts in the location when the survey read it.
    pub location_total: u64,
}

/// Pure: the cheaper way to learn what the location holds for `searchable` identities (plus
/// `unsearchable` ones, too long for a search filter, each a duplicate look-up) in a location
/// of `total` contacts, after the survey, which read the snapshot's first page. A tie goes to the snapshot: it also sees contacts by the identities
/// a look-up batch could not carry.
pub fn choose(total: u64, searchable: u64, unsearchable: u64) -> Choice {
    let snapshot = total.div_ceil(SNAPSHOT_PAGE).saturating_sub(1);
    let lookups = searchable.div_ceil(SEARCH_BATCH as u64) + unsearchable;
    let (method, requests) = if snapshot <= lookups {
        (Method::Snapshot, snapshot)
    } else {
        (Method::Lookups, lookups)
    };
    Choice {
        method,
        requests,
        location_total: total,
    }
}

/// The survey a run sends: the snapshot's first page, `total` with it.
pub async fn first_page(client: &Client) -> Result<SearchResponse, ApiError> {
    client.search(&snapshot_page(client, None)).await
}

/// One snapshot page: 500 contacts by `dateAdded`, from `cursor` on.
pub fn snapshot_page(client: &Client, cursor: Option<Vec<Value>>) -> SearchRequest {
    SearchRequest {
        location_id: client.location_id().to_string(),
        page_limit: SNAPSHOT_PAGE as u32,
        search_after: cursor,
        query: None,
        filters: vec![],
        sort: vec![json!({"field": "dateAdded", "direction": "asc"})],
    }
}

/// The location's `total` alone (`--dry-run`: no page of contacts it would not use).
pub async fn location_total(client: &Client) -> Result<u64, ApiError> {
    let request = SearchRequest {
        location_id: client.location_id().to_string(),
        page_limit: 1,
        search_after: None,
        query: None,
        filters: vec![],
        sort: vec![],
    };
    Ok(client.search(&request).await?.total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_file_into_a_large_location_is_looked_up() {
        // 100 rows, an email and a phone each, into a million contacts: 2 requests, not 2,000.
        let c = choose(1_000_000, 200, 0);
        assert_eq!((c.method, c.requests), (Method::Lookups, 2));
    }

    #[test]
    fn a_file_as_large_as_the_location_reads_a_snapshot() {
        let c = choose(5_000, 10_000, 0);
        assert_eq!(
            (c.method, c.requests),
            (Method::Snapshot, 9),
            "the survey read the first page"
        );
        assert_eq!(
            choose(500, 10_000, 0).requests,
            0,
            "one page: the survey read it all"
        );
        assert_eq!(
            choose(0, 3_000, 0).requests,
            0,
            "an empty location costs nothing more"
        );
        assert_eq!(choose(501, 100, 1).method, Method::Snapshot);
        assert_eq!(choose(1_001, 100, 1).method, Method::Snapshot);
        assert_eq!(choose(1_501, 100, 1).method, Method::Lookups);
    }

    proptest::proptest! {
        #[test]
        fn the_choice_is_never_dearer_than_the_other(total in 0u64..2_000_000, ids in 0u64..200_000, long in 0u64..50) {
            let c = choose(total, ids, long);
            let snapshot = total.div_ceil(SNAPSHOT_PAGE).saturating_sub(1);
            let lookups = ids.div_ceil(SEARCH_BATCH as u64) + long;
            proptest::prop_assert_eq!(c.requests, snapshot.min(lookups));
        }
    }
}
