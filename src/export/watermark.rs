//! Incremental exports (`--since last`): what the state store remembers per target, the
//! `dateUpdated` window the next export asks for, and removing the boundary duplicates.
//!
//! The watermark is the largest `dateUpdated` the last complete export saw: the server's own
//! clock, so a skew between this machine and HighLevel cannot lose changes. The next export
//! asks for `dateUpdated >= watermark - overlap`, because search is eventually consistent (a
//! change can reach the index a few seconds after its `dateUpdated`, ghl-api.md §2.7) and a
//! contact updated just before the last export may not have been found by it. What the overlap
//! brings back twice is recognised exactly: the watermark keeps the `(id, dateUpdated)` pairs
//! of the last export's overlap window, and a contact with the same pair is skipped; one whose
//! `dateUpdated` moved is a new change and is exported.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// At most this many boundary pairs are kept: a mass update inside the overlap window could
/// otherwise make the state (and this run's memory) grow with the location. Past the cap the
/// oldest pairs are dropped, and a contact among them would only be exported once more.
const MAX_BOUNDARY: usize = 50_000;

/// What the state store keeps for one target (as JSON in the watermark's value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    /// The largest `dateUpdated` seen, as the API wrote it.
    pub date_updated: String,
    /// `(contact id, dateUpdated)` of the contacts in the overlap window below it.
    #[serde(default)]
    pub boundary: Vec<(String, String)>,
}

impl Stored {
    /// Reads a stored value; an unreadable one is treated as absent (a full export follows).
    pub fn parse(text: &str) -> Option<Stored> {
        serde_json::from_str(text).ok()
    }

    /// The value to store.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The `dateUpdated` lower bound of an incremental export and the pairs it skips.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// `dateUpdated >= from` (ISO, milliseconds, `Z`).
    pub from: Option<String>,
    /// Contacts exported last time whose `dateUpdated` has not moved since.
    pub skip: HashMap<String, String>,
}

impl Window {
    /// The window after a stored watermark.
    pub fn after(stored: &Stored, overlap_ms: i64) -> Window {
        let from = epoch_ms(&stored.date_updated).map(|ms| iso_ms(ms - overlap_ms));
        Window {
            from,
            skip: stored.boundary.iter().cloned().collect(),
        }
    }

    /// Whether this contact was already exported with the same `dateUpdated`.
    pub fn is_duplicate(&self, id: &str, date_updated: &str) -> bool {
        self.skip.get(id).is_some_and(|seen| seen == date_updated)
    }
}

/// Follows the largest `dateUpdated` of a run and the pairs within the overlap below it, in
/// memory bounded by the contacts updated inside the overlap window (not by the export).
#[derive(Debug)]
pub struct Tracker {
    overlap_ms: i64,
    max: Option<(i64, String)>,
    recent: BTreeMap<i64, Vec<(String, String)>>,
    recent_len: usize,
}

impl Tracker {
    /// A tracker for the given overlap.
    pub fn new(overlap_ms: i64) -> Tracker {
        Tracker {
            overlap_ms,
            max: None,
            recent: BTreeMap::new(),
            recent_len: 0,
        }
    }

    /// Takes in one contact the export fetched (written or skipped as a duplicate).
    pub fn see(&mut self, id: &str, date_updated: &str) {
        let Some(ms) = epoch_ms(date_updated) else {
            return;
        };
        if self.max.as_ref().is_none_or(|(max, _)| ms > *max) {
            self.max = Some((ms, date_updated.to_string()));
            self.prune();
        }
        let floor = self
            .max
            .as_ref()
            .map_or(ms, |(max, _)| max - self.overlap_ms);
        if ms >= floor {
            self.recent
                .entry(ms)
                .or_default()
                .push((id.to_string(), date_updated.to_string()));
            self.recent_len += 1;
            if self.recent_len > MAX_BOUNDARY {
                if let Some((_, dropped)) = self.recent.pop_first() {
                    self.recent_len -= dropped.len();
                }
            }
        }
    }

    fn prune(&mut self) {
        if let Some((max, _)) = &self.max {
            let keep = self.recent.split_off(&(max - self.overlap_ms));
            self.recent_len = keep.values().map(Vec::len).sum();
            self.recent = keep;
        }
    }

    /// The watermark to store after a complete export: the later of this run's and the
    /// previous one, with the boundary pairs of both that fall in the new overlap window.
    pub fn finish(mut self, previous: Option<&Stored>) -> Option<Stored> {
        if let Some(prev) = previous {
            for (id, du) in &prev.boundary {
                self.see(id, du);
            }
            self.see("", &prev.date_updated);
        }
        self.prune();
        let (_, date_updated) = self.max?;
        let boundary = self
            .recent
            .into_values()
            .flatten()
            .filter(|(id, _)| !id.is_empty())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        Some(Stored {
            date_updated,
            boundary,
        })
    }
}

/// Milliseconds since the epoch of an RFC 3339 instant.
pub fn epoch_ms(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.timestamp_millis())
}

/// An instant as the API writes them: `2026-11-23T08:00:00.000Z`.
pub fn iso_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A date from the command line: `YYYY-MM-DD` (midnight UTC) or an RFC 3339 instant.
pub fn parse_user_date(text: &str) -> Option<String> {
    let text = text.trim();
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0)?.and_utc();
        return Some(iso_ms(midnight.timestamp_millis()));
    }
    epoch_ms(text).map(iso_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn dates_from_the_command_line() {
        assert_eq!(
            parse_user_date("2026-11-20").as_deref(),
            Some("2026-11-20T00:00:00.000Z")
        );
        assert_eq!(
            parse_user_date("2026-11-20T10:00:00+01:00").as_deref(),
            Some("2026-11-20T09:00:00.000Z")
        );
        assert_eq!(parse_user_date("20/11/2026"), None);
        assert_eq!(parse_user_date("last"), None);
    }

    #[test]
    fn tracker_keeps_the_maximum_and_only_the_overlap_window() {
        let mut t = Tracker::new(10 * MIN);
        t.see("old", "2026-11-01T00:00:00.000Z");
        t.see("a", "2026-11-20T10:00:00.000Z");
        t.see("b", "2026-11-20T09:55:00.000Z");
        t.see("c", "2026-11-20T09:45:00.000Z");
        t.see("bad", "not a date");
        let stored = t.finish(None).unwrap();
        assert_eq!(stored.date_updated, "2026-11-20T10:00:00.000Z");
        let ids: Vec<&str> = stored.boundary.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
    }

    #[test]
    fn an_empty_run_keeps_the_previous_watermark() {
        let previous = Stored {
            date_updated: "2026-11-20T10:00:00.000Z".into(),
            boundary: vec![("a".into(), "2026-11-20T10:00:00.000Z".into())],
        };
        assert_eq!(
            Tracker::new(10 * MIN).finish(Some(&previous)),
            Some(previous.clone())
        );
        assert_eq!(Tracker::new(10 * MIN).finish(None), None);
        let window = Window::after(&previous, 10 * MIN);
        assert_eq!(window.from.as_deref(), Some("2026-11-20T09:50:00.000Z"));
        assert!(window.is_duplicate("a", "2026-11-20T10:00:00.000Z"));
        assert!(!window.is_duplicate("a", "2026-11-20T10:00:01.000Z"));
        assert!(!window.is_duplicate("b", "2026-11-20T10:00:00.000Z"));
    }

    #[test]
    fn stored_value_round_trips_and_garbage_is_absent() {
        let s = Stored {
            date_updated: "2026-11-20T10:00:00.000Z".into(),
            boundary: vec![("a".into(), "x".into())],
        };
        assert_eq!(Stored::parse(&s.to_text()), Some(s));
        assert_eq!(Stored::parse("2026-11-20"), None);
    }
}
