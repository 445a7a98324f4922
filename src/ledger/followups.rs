//! The ledger's side of follow-ups (notes and tasks) across runs: what the state store
//! remembered about a row's contact before delivery (`followups_known`, written by the delta),
//! the rows whose contact is unchanged and that only need their notes or task
//! (`followups_only`), and what delivery did with each note and task (`followups_done`: created,
//! updated, adopted or unchanged; only `created` ones are this run's to undo, and they are also
//! in `note_ids_json` / `task_ids_json`). Tables of their own (schema version 2, `schema.rs`).

use super::{Ledger, LedgerError};
use rusqlite::params;
use std::collections::HashMap;

/// One note or task of a contact, as known or as delivered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FollowupRecord {
    /// `note:…` or `task:…`.
    pub key: String,
    /// The contact it belongs to.
    pub contact_id: String,
    /// HighLevel's id of the note or task.
    pub item_id: String,
    /// Hash of what was last sent for it.
    pub content_hash: String,
    /// Tasks: whether it was last sent as done.
    pub completed: bool,
    /// `known` (the state store's, before delivery), or what delivery did: `created`,
    /// `updated`, `adopted` (found on the contact and taken as the row's) or `unchanged`.
    pub action: String,
}

/// What delivery needs to know about a row's follow-ups before it starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FollowupContext {
    /// The row's contact, when only its notes or task changed since the state store's delivery
    /// (its contact is not sent again).
    pub only: Option<String>,
    /// What exists already: this run's earlier attempts first, then the state store's memory.
    pub known: Vec<FollowupRecord>,
}

impl Ledger {
    /// Records, before delivery, what the state store remembers about rows' contacts, and the
    /// rows whose contact is unchanged (only their notes or task go out). An earlier record of
    /// a row is kept (a resume runs the delta again).
    pub fn record_followups_known(
        &mut self,
        known: &[(u64, FollowupRecord)],
        only: &[(u64, String)],
    ) -> Result<(), LedgerError> {
        if known.is_empty() && only.is_empty() {
            return Ok(());
        }
        self.in_transaction(|tx| {
            let mut put = tx.prepare_cached(
                "INSERT OR IGNORE INTO followups_known \
                 (row, key, contact_id, item_id, content_hash, completed) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (row, r) in known {
                put.execute(params![
                    *row as i64,
                    r.key,
                    r.contact_id,
                    r.item_id,
                    r.content_hash,
                    r.completed
                ])?;
            }
            let mut mark = tx.prepare_cached(
                "INSERT OR IGNORE INTO followups_only (row, contact_id) VALUES (?1, ?2)",
            )?;
            for (row, contact) in only {
                mark.execute(params![*row as i64, contact])?;
            }
            Ok(())
        })
    }

    /// The follow-up context of each of `rows` that has one: two statements for all of them
    /// (over the span from the least to the greatest row; rows outside `rows` are skipped), where
    /// a statement per row was the delivery's largest SQLite cost after its commits (issue 20).
    pub fn followup_context(
        &self,
        rows: &[u64],
    ) -> Result<HashMap<u64, FollowupContext>, LedgerError> {
        let mut out: HashMap<u64, FollowupContext> = HashMap::new();
        let Some(span) = super::decisions::RowSpan::of(rows) else {
            return Ok(out);
        };
        let (first, last) = (span.first as i64, span.last as i64);
        let only = self.query_all(
            "SELECT row, contact_id FROM followups_only WHERE row BETWEEN ?1 AND ?2",
            params![first, last],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?)),
        )?;
        for (row, contact) in only {
            if span.holds(row) {
                out.entry(row).or_default().only = Some(contact);
            }
        }
        // Done first: what an earlier attempt of this run did wins over the store's memory.
        // Each row's records in the order its own look-up gave them: done, then known, each
        // by key (the primary key's order).
        let records = self.query_all(
            "SELECT row, key, contact_id, item_id, content_hash, completed, action, 0 \
             FROM followups_done WHERE row BETWEEN ?1 AND ?2 \
             UNION ALL SELECT row, key, contact_id, item_id, content_hash, completed, 'known', 1 \
             FROM followups_known WHERE row BETWEEN ?1 AND ?2 ORDER BY 1, 8, 2",
            params![first, last],
            read_numbered_record,
        )?;
        for (row, record) in records {
            if span.holds(row) {
                out.entry(row).or_default().known.push(record);
            }
        }
        Ok(out)
    }

    /// Records what delivery did with rows' notes and tasks. A note or task this run created
    /// stays `created` whatever a later attempt does with it (an undo deletes it).
    pub fn record_followups_done(
        &mut self,
        done: &[(u64, FollowupRecord)],
    ) -> Result<(), LedgerError> {
        if done.is_empty() {
            return Ok(());
        }
        self.in_transaction(|tx| record_followups_in(tx, done))
    }

    /// Up to `limit` delivered notes and tasks not yet written to the state store, after row
    /// `after`, in row order. Whatever the row's outcome: a note made by a row that failed
    /// later exists all the same, and the next run must know it.
    pub fn followups_unremembered(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, FollowupRecord)>, LedgerError> {
        self.query_all(
            "SELECT row, key, contact_id, item_id, content_hash, completed, action \
             FROM followups_done WHERE remembered = 0 AND row > ?1 ORDER BY row LIMIT ?2",
            params![after as i64, limit as i64],
            read_numbered_record,
        )
    }

    /// Notes that these rows' follow-ups are now in the state store.
    pub fn mark_followups_remembered(&mut self, rows: &[u64]) -> Result<(), LedgerError> {
        self.in_transaction(|tx| {
            let mut stmt =
                tx.prepare_cached("UPDATE followups_done SET remembered = 1 WHERE row = ?1")?;
            for row in rows {
                stmt.execute([*row as i64])?;
            }
            Ok(())
        })
    }

    /// Every note and task the run touched, with what it did, in row order (for reports and
    /// undo: only `created` ones are the run's own).
    pub fn followups_done(&self) -> Result<Vec<(u64, FollowupRecord)>, LedgerError> {
        self.query_all(
            "SELECT row, key, contact_id, item_id, content_hash, completed, action \
             FROM followups_done ORDER BY row, key",
            [],
            read_numbered_record,
        )
    }
}

/// `(row, record)` from `SELECT row, key, contact_id, item_id, content_hash, completed, action`.
fn read_numbered_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<(u64, FollowupRecord)> {
    Ok((r.get::<_, i64>(0)? as u64, read_record_from(r, 1)?))
}

/// The record whose six columns start at `first`.
fn read_record_from(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<FollowupRecord> {
    Ok(FollowupRecord {
        key: r.get(first)?,
        contact_id: r.get(first + 1)?,
        item_id: r.get(first + 2)?,
        content_hash: r.get(first + 3)?,
        completed: r.get(first + 4)?,
        action: r.get(first + 5)?,
    })
}

/// Records what delivery did with rows' notes and tasks, inside the caller's transaction.
pub(super) fn record_followups_in(
    tx: &rusqlite::Connection,
    done: &[(u64, FollowupRecord)],
) -> rusqlite::Result<()> {
    let mut put = tx.prepare_cached(
        "INSERT INTO followups_done \
                 (row, key, contact_id, item_id, content_hash, completed, action) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (row, key) DO UPDATE SET \
                 contact_id = excluded.contact_id, item_id = excluded.item_id, \
                 content_hash = excluded.content_hash, completed = excluded.completed, \
                 action = CASE WHEN action = 'created' THEN 'created' ELSE excluded.action END, \
                 remembered = 0",
    )?;
    for (row, r) in done {
        put.execute(params![
            *row as i64,
            r.key,
            r.contact_id,
            r.item_id,
            r.content_hash,
            r.completed,
            r.action
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &str, item: &str, action: &str) -> FollowupRecord {
        FollowupRecord {
            key: key.into(),
            contact_id: "c1".into(),
            item_id: item.into(),
            content_hash: format!("h-{item}"),
            completed: false,
            action: action.into(),
        }
    }

    #[test]
    fn the_context_of_a_page_holds_only_its_rows_each_done_first_then_known_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        ledger
            .record_followups_known(
                &[
                    (2, record("task:b", "t2", "known")),
                    (2, record("note:a", "n2", "known")),
                    (3, record("note:z", "n3", "known")),
                    (4, record("note:y", "n4", "known")),
                ],
                &[(3, "c3".to_string()), (4, "c4".to_string())],
            )
            .unwrap();
        ledger
            .record_followups_done(&[
                (2, record("task:c", "t9", "created")),
                (2, record("note:b", "n9", "adopted")),
            ])
            .unwrap();
        // Row 3 lies between the rows asked for: it is not theirs.
        let context = ledger.followup_context(&[4, 2]).unwrap();
        assert_eq!(context.len(), 2, "{context:?}");
        let keys: Vec<&str> = context[&2].known.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["note:b", "task:c", "note:a", "task:b"]);
        assert_eq!(context[&2].only, None);
        assert_eq!(context[&4].only.as_deref(), Some("c4"));
        assert_eq!(context[&4].known.len(), 1);
        assert!(ledger.followup_context(&[]).unwrap().is_empty());
    }

    #[test]
    fn an_attempts_record_wins_and_created_stays_created() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        assert!(ledger.followup_context(&[1, 2]).unwrap().is_empty());
        ledger
            .record_followups_known(
                &[(1, record("task:a", "t-old", "known"))],
                &[(1, "c1".to_string())],
            )
            .unwrap();
        let context = ledger.followup_context(&[1, 2]).unwrap();
        assert_eq!(context.len(), 1);
        assert_eq!(context[&1].only.as_deref(), Some("c1"));
        assert_eq!(context[&1].known[0].action, "known");

        ledger
            .record_followups_done(&[(1, record("note:x", "n1", "created"))])
            .unwrap();
        ledger
            .record_followups_done(&[
                (1, record("note:x", "n1", "unchanged")),
                (1, record("task:a", "t-old", "updated")),
            ])
            .unwrap();
        let context = ledger.followup_context(&[1]).unwrap();
        assert_eq!(context[&1].known[0].action, "created", "{context:?}");
        let done = ledger.followups_done().unwrap();
        let actions: Vec<&str> = done.iter().map(|(_, r)| r.action.as_str()).collect();
        assert_eq!(actions, ["created", "updated"]);

        assert_eq!(ledger.followups_unremembered(0, 10).unwrap().len(), 2);
        ledger.mark_followups_remembered(&[1]).unwrap();
        assert!(ledger.followups_unremembered(0, 10).unwrap().is_empty());
    }
}
