//! How the view reads the location, chosen by request cost: one search with `pageLimit` 1
//! tells how many contacts the location holds (`total`), then the cheaper of a snapshot of the
//! whole location (500 per page) and batched look-ups of the file's emails and phones.

use crate::api::models::SearchRequest;
use crate::api::removal::SEARCH_BATCH;
use crate::api::{ApiError, Client};
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
/// of `total` contacts. A tie goes to the snapshot: it also sees contacts by the identities
/// a look-up batch could not carry.
pub fn choose(total: u64, searchable: u64, unsearchable: u64) -> Choice {
    let snapshot = total.div_ceil(SNAPSHOT_PAGE);
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

/// The survey: one search of one contact, for the location's `total`.
///
/// Whether HighLevel's `total` stops counting at 10,000 is undocumented (ghl-api.md §8). If it
/// does, a larger location looks like 20 pages and may be read as a snapshot: the reading stays
/// correct (it pages until a short page), only dearer than chosen.
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
        assert_eq!((c.method, c.requests), (Method::Snapshot, 10));
        assert_eq!(
            choose(0, 3_000, 0).requests,
            0,
            "an empty location costs nothing more"
        );
        assert_eq!(choose(501, 100, 1).method, Method::Snapshot);
        assert_eq!(choose(1_001, 100, 1).method, Method::Lookups);
    }

    proptest::proptest! {
        #[test]
        fn the_choice_is_never_dearer_than_the_other(total in 0u64..2_000_000, ids in 0u64..200_000, long in 0u64..50) {
            let c = choose(total, ids, long);
            let snapshot = total.div_ceil(SNAPSHOT_PAGE);
            let lookups = ids.div_ceil(SEARCH_BATCH as u64) + long;
            proptest::prop_assert_eq!(c.requests, snapshot.min(lookups));
        }
    }
}
