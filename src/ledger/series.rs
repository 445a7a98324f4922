//! The request sessions of a run: one row per delivery session (the first run and each resume)
//! with its request totals, the limit it followed and its time waiting for the limiter, and
//! its requests and 429s over time in buckets. Kept so that the HTML report can be written again
//! from the ledger alone (the tables are in `schema.rs`, version 2).

use rusqlite::params;

use super::{Ledger, LedgerError};

/// One delivery session as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestSession {
    /// 1, 2, … in order (ignored when recording: the next number is taken).
    pub session: u32,
    /// RFC 3339, UTC.
    pub finished_at: String,
    /// How the session ended: `finished`, `interrupted`, `stopped: <why>`.
    pub stop: String,
    /// Every attempt sent, retries included.
    pub requests: u64,
    /// Answers with status 429.
    pub status_429: u64,
    /// Attempts that resent an earlier one.
    pub retries: u64,
    /// Time requests waited for the rate limiter, in milliseconds.
    pub throttled_ms: u64,
    /// The limit followed at the end: requests per interval.
    pub limit_max: u32,
    /// The limit's interval, in milliseconds.
    pub limit_interval_ms: u64,
    /// `endpoint → status → count`, as JSON.
    pub endpoints_json: String,
    /// Width of one bucket, in milliseconds.
    pub bucket_ms: u64,
    /// From the first request sent to the last event counted, in milliseconds.
    pub span_ms: u64,
    /// `(sent, 429s)` per bucket, from the first request on.
    pub buckets: Vec<(u64, u64)>,
}

impl Ledger {
    /// Appends one delivery session (its number is the next free one) in one transaction;
    /// returns the number.
    pub fn record_request_session(&self, s: &RequestSession) -> Result<u32, LedgerError> {
        // The caller holds the ledger by shared reference (the import's finish); a transaction
        // over `&Connection` is safe as nothing else uses this connection meanwhile.
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let session: u32 = tx
            .query_row(
                "SELECT COALESCE(MAX(session), 0) + 1 FROM request_sessions",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT INTO request_sessions (session, finished_at, stop, requests, status_429, \
             retries, throttled_ms, limit_max, limit_interval_ms, endpoints_json, bucket_ms, \
             span_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                session,
                s.finished_at,
                s.stop,
                s.requests as i64,
                s.status_429 as i64,
                s.retries as i64,
                s.throttled_ms as i64,
                s.limit_max,
                s.limit_interval_ms as i64,
                s.endpoints_json,
                s.bucket_ms as i64,
                s.span_ms as i64,
            ],
        )
        .map_err(|e| self.err(e))?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO request_series (session, bucket, sent, status_429) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| self.err(e))?;
            // Empty buckets are left out: the reader fills the gaps with zeros.
            for (index, (sent, throttled)) in s.buckets.iter().enumerate() {
                if (*sent, *throttled) != (0, 0) {
                    insert
                        .execute(params![
                            session,
                            index as i64,
                            *sent as i64,
                            *throttled as i64
                        ])
                        .map_err(|e| self.err(e))?;
                }
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(session)
    }

    /// Every delivery session in order, with its series; none for a run that sent nothing (or
    /// a ledger older than these tables).
    pub fn request_sessions(&self) -> Result<Vec<RequestSession>, LedgerError> {
        let mut sessions: Vec<RequestSession> = self.query_all(
            "SELECT session, finished_at, stop, requests, status_429, retries, throttled_ms, \
             limit_max, limit_interval_ms, endpoints_json, bucket_ms, span_ms \
             FROM request_sessions ORDER BY session",
            [],
            |r| {
                Ok(RequestSession {
                    session: r.get(0)?,
                    finished_at: r.get(1)?,
                    stop: r.get(2)?,
                    requests: r.get::<_, i64>(3)? as u64,
                    status_429: r.get::<_, i64>(4)? as u64,
                    retries: r.get::<_, i64>(5)? as u64,
                    throttled_ms: r.get::<_, i64>(6)? as u64,
                    limit_max: r.get(7)?,
                    limit_interval_ms: r.get::<_, i64>(8)? as u64,
                    endpoints_json: r.get(9)?,
                    bucket_ms: r.get::<_, i64>(10)? as u64,
                    span_ms: r.get::<_, i64>(11)? as u64,
                    buckets: Vec::new(),
                })
            },
        )?;
        let mut buckets = self
            .conn
            .prepare(
                "SELECT bucket, sent, status_429 FROM request_series WHERE session = ?1 \
                 ORDER BY bucket",
            )
            .map_err(|e| self.err(e))?;
        for s in &mut sessions {
            let rows = buckets
                .query_map(params![s.session], |r| {
                    Ok((
                        r.get::<_, i64>(0)? as usize,
                        r.get::<_, i64>(1)? as u64,
                        r.get::<_, i64>(2)? as u64,
                    ))
                })
                .map_err(|e| self.err(e))?;
            for row in rows {
                let (index, sent, throttled) = row.map_err(|e| self.err(e))?;
                // A corrupt index cannot make the report allocate without bound.
                if index >= crate::api::stats::MAX_BUCKETS * 2 {
                    continue;
                }
                if s.buckets.len() <= index {
                    s.buckets.resize(index + 1, (0, 0));
                }
                s.buckets[index] = (sent, throttled);
            }
        }
        Ok(sessions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_appended_and_read_back_with_their_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        assert!(
            ledger.request_sessions().unwrap().is_empty(),
            "no sessions yet"
        );
        let first = RequestSession {
            finished_at: "2026-11-23T10:00:00Z".into(),
            stop: "stopped: daily budget".into(),
            requests: 12,
            status_429: 1,
            retries: 2,
            throttled_ms: 900,
            limit_max: 100,
            limit_interval_ms: 10_000,
            endpoints_json: r#"{"POST /contacts/upsert":{"200":11,"429":1}}"#.into(),
            bucket_ms: 1000,
            span_ms: 3500,
            buckets: vec![(5, 0), (0, 0), (4, 1), (3, 0)],
            ..RequestSession::default()
        };
        assert_eq!(ledger.record_request_session(&first).unwrap(), 1);
        let second = RequestSession {
            stop: "finished".into(),
            buckets: vec![(7, 0)],
            ..first.clone()
        };
        assert_eq!(ledger.record_request_session(&second).unwrap(), 2);
        let back = ledger.request_sessions().unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(
            back[0],
            RequestSession {
                session: 1,
                ..first
            }
        );
        assert_eq!(back[1].buckets, [(7, 0)]);
        assert_eq!(back[1].stop, "finished");
    }
}
