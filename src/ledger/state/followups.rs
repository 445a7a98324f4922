//! The state store's memory of follow-ups: per contact, each note and task delivery made or
//! adopted, under the key it is known by (`note:<digest of its text>`, `task:<digest of the
//! mapping's title entry>`), with a hash of what was last sent. A later run reads it to send
//! nothing for what is unchanged, to update a task in place, and to create only what is new;
//! without it (a new state file, another machine) delivery reads the contact's lists instead.

use super::{StateError, StateStore};
use rusqlite::{params, Connection};
use std::collections::HashMap;

/// `WITHOUT ROWID` keyed by contact first: one contact's entries are neighbours, read in one
/// descent. Created on open, so older files gain it.
const TABLE: &str = "
CREATE TABLE IF NOT EXISTS followups (
    contact_id   TEXT NOT NULL,
    key          TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    completed    INTEGER NOT NULL DEFAULT 0,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (contact_id, key)
) WITHOUT ROWID;
";

/// Brings a file written by an older build up to date: the follow-up table, and the contact
/// hash beside each delivered payload hash (empty for rows delivered before it existed).
pub(super) fn upgrade(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(TABLE)?;
    let has_contact_hash = conn
        .prepare("SELECT 1 FROM pragma_table_info('delivered') WHERE name = 'contact_hash'")?
        .exists([])?;
    if !has_contact_hash {
        conn.execute_batch("ALTER TABLE delivered ADD COLUMN contact_hash TEXT")?;
    }
    Ok(())
}

/// What the store remembers about one note or task of a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followup {
    /// HighLevel's id of the note or task.
    pub item_id: String,
    /// Hash of what was last sent for it (a task's title, body, due date and assignee).
    pub content_hash: String,
    /// Tasks: whether it was last sent as done.
    pub completed: bool,
}

/// One note or task to remember.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowupEntry {
    /// The contact it belongs to.
    pub contact_id: String,
    /// What it is known by (`note:…` or `task:…`).
    pub key: String,
    /// What the store keeps about it.
    pub followup: Followup,
}

impl StateStore {
    /// Everything remembered for each of `contact_ids`: (contact, key) → follow-up. One
    /// transaction, contacts looked up in key order.
    pub fn followups_of(
        &self,
        contact_ids: &[&str],
    ) -> Result<HashMap<(String, String), Followup>, StateError> {
        let mut sorted = contact_ids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let mut found = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT key, item_id, content_hash, completed FROM followups \
                     WHERE contact_id = ?1",
                )
                .map_err(|e| self.err(e))?;
            for contact in sorted {
                let rows = stmt
                    .query_map([contact], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            Followup {
                                item_id: r.get(1)?,
                                content_hash: r.get(2)?,
                                completed: r.get(3)?,
                            },
                        ))
                    })
                    .map_err(|e| self.err(e))?;
                for row in rows {
                    let (key, followup) = row.map_err(|e| self.err(e))?;
                    found.insert((contact.to_string(), key), followup);
                }
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(found)
    }

    /// Remembers notes and tasks, in one transaction (a later entry for the same contact and
    /// key replaces the earlier one: a task updated in place keeps its key).
    pub fn record_followups(
        &mut self,
        entries: &[FollowupEntry],
        now: &str,
    ) -> Result<(), StateError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.in_transaction(|tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO followups \
                 (contact_id, key, item_id, content_hash, completed, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for e in entries {
                stmt.execute(params![
                    e.contact_id,
                    e.key,
                    e.followup.item_id,
                    e.followup.content_hash,
                    e.followup.completed,
                    now
                ])?;
            }
            Ok(())
        })
    }

    /// Forgets every identity delivered to these contacts and their notes and tasks: they were
    /// deleted or reverted (undo, delete), so the next import must send them again rather than
    /// call them unchanged. One pass over the store, not one per contact. Returns the
    /// identities forgotten.
    pub fn forget_contacts(&mut self, contact_ids: &[String]) -> Result<u64, StateError> {
        self.in_transaction(|tx| {
            tx.execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS forget_ids (id TEXT PRIMARY KEY) WITHOUT ROWID;
                 DELETE FROM forget_ids;",
            )?;
            let mut insert =
                tx.prepare_cached("INSERT OR IGNORE INTO forget_ids (id) VALUES (?1)")?;
            for id in contact_ids {
                insert.execute([id])?;
            }
            let forgotten = tx.execute(
                "DELETE FROM delivered WHERE contact_id IN (SELECT id FROM forget_ids)",
                [],
            )?;
            tx.execute(
                "DELETE FROM followups WHERE contact_id IN (SELECT id FROM forget_ids)",
                [],
            )?;
            tx.execute("DELETE FROM forget_ids", [])?;
            Ok(forgotten as u64)
        })
    }

    /// Forgets everything remembered about contacts' notes and tasks (the contacts were
    /// deleted, or their follow-ups were).
    pub fn forget_followups(&mut self, contact_ids: &[String]) -> Result<(), StateError> {
        self.delete_each("DELETE FROM followups WHERE contact_id = ?1", contact_ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(contact: &str, key: &str, item: &str, hash: &str, completed: bool) -> FollowupEntry {
        FollowupEntry {
            contact_id: contact.into(),
            key: key.into(),
            followup: Followup {
                item_id: item.into(),
                content_hash: hash.into(),
                completed,
            },
        }
    }

    #[test]
    fn followups_are_kept_per_contact_and_key_and_replaced_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite");
        let mut store = StateStore::open(&path, "Loc1").unwrap();
        store
            .record_followups(
                &[
                    entry("c1", "task:a", "t1", "h1", false),
                    entry("c1", "note:x", "n1", "x", false),
                    entry("c2", "task:a", "t2", "h2", true),
                ],
                "now",
            )
            .unwrap();
        store
            .record_followups(&[entry("c1", "task:a", "t1", "h9", true)], "later")
            .unwrap();
        drop(store);
        let mut store = StateStore::open(&path, "Loc1").unwrap();
        let found = store.followups_of(&["c1", "c3", "c1"]).unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        let task = &found[&("c1".to_string(), "task:a".to_string())];
        assert_eq!(
            (task.item_id.as_str(), task.content_hash.as_str()),
            ("t1", "h9")
        );
        assert!(task.completed);
        store.forget_followups(&["c1".to_string()]).unwrap();
        assert!(store.followups_of(&["c1"]).unwrap().is_empty());
        assert_eq!(store.followups_of(&["c2"]).unwrap().len(), 1);
    }

    #[test]
    fn a_file_from_before_the_followups_is_upgraded_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 INSERT INTO meta VALUES ('location_id', 'Loc1'), ('version', '1');
                 CREATE TABLE delivered (identity TEXT PRIMARY KEY, contact_id TEXT NOT NULL,
                     payload_hash TEXT NOT NULL, delivered_at TEXT NOT NULL) WITHOUT ROWID;
                 INSERT INTO delivered VALUES ('email:a@x.com', 'c1', 'h1', 't');",
            )
            .unwrap();
        }
        let store = StateStore::open(&path, "Loc1").unwrap();
        let found = store.delivered("email:a@x.com").unwrap().unwrap();
        assert_eq!(found.payload_hash, "h1");
        assert_eq!(found.contact_hash, None);
        assert!(store.followups_of(&["c1"]).unwrap().is_empty());
        drop(store);
        // Opening again does not try to add the column twice.
        StateStore::open(&path, "Loc1").unwrap();
    }
}
