//! The state store: one SQLite file per HighLevel location that outlives runs. It remembers,
//! per identity key, which contact a payload was delivered to and the payload's hash (the delta
//! that lets a nightly import skip unchanged rows), per contact, the notes and tasks delivery
//! made (`followups`: nothing is created twice across runs), and, per export target, the
//! watermark of the last complete export (`--since last`).

use super::transaction_with;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};

/// Bumped when the tables change shape; an older file is upgraded in place, a newer one refused.
/// Still 1 with the follow-up table and `delivered.contact_hash`: both are additions that an
/// older build ignores safely (it never reads them, and a row it writes leaves the contact hash
/// empty, which only makes the next comparison send the row).
const STATE_VERSION: i64 = 1;

const TABLES: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- WITHOUT ROWID: one B-tree keyed by identity instead of a table plus an index on it, so a
-- million contacts take about half the space and each lookup one descent.
CREATE TABLE IF NOT EXISTS delivered (
    identity     TEXT PRIMARY KEY,
    contact_id   TEXT NOT NULL,
    payload_hash TEXT NOT NULL,
    delivered_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS watermarks (
    target     TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
";

/// Why the state store failed.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// SQLite refused an operation.
    #[error("state store {path}: {source}")]
    Sqlite {
        /// The state file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The folder for the state file could not be created.
    #[error("state store folder {path}: {source}")]
    Io {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No data folder is known for this user (no HOME): `--state` must say where.
    #[error("no data folder is known for this user: choose a state file with --state")]
    NoDataDir,
    /// The file remembers another location: mixing them would skip rows wrongly.
    #[error("state store {path} belongs to location {found}, not {expected}: choose another --state file")]
    OtherLocation {
        /// The state file.
        path: PathBuf,
        /// The location the file belongs to.
        found: String,
        /// The location of this run.
        expected: String,
    },
    /// The file was written by a newer ghl-bulk.
    #[error("state store {path} has version {found}, newer than this ghl-bulk understands ({STATE_VERSION})")]
    Newer {
        /// The state file.
        path: PathBuf,
        /// Its version.
        found: i64,
    },
}

/// What the store remembers about one identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The contact the payload went to.
    pub contact_id: String,
    /// Hash of the payload last delivered for this identity.
    pub payload_hash: String,
    /// Hash of the contact's part of that payload (without notes and task), when the build
    /// that delivered it knew it: equal with a different `payload_hash`, only the row's notes
    /// or task changed.
    pub contact_hash: Option<String>,
}

/// One delivered payload to remember.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredEntry {
    /// Identity key (for example `email:ann@example.com` or `phone:+14155550100`).
    pub identity: String,
    /// The contact id the API returned.
    pub contact_id: String,
    /// Hash of the payload sent.
    pub payload_hash: String,
    /// Hash of its contact part (see [`Delivered::contact_hash`]).
    pub contact_hash: Option<String>,
}

/// The default state file for a location: `<data folder>/ghl-bulk/state/<location>.sqlite`
/// (`~/.local/share` on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on Windows).
pub fn default_path(location_id: &str) -> Result<PathBuf, StateError> {
    let base = dirs::data_dir().ok_or(StateError::NoDataDir)?;
    Ok(base
        .join("ghl-bulk")
        .join("state")
        .join(format!("{}.sqlite", file_stem(location_id))))
}

/// A file name for a location id: ids are alphanumeric in practice, anything else is replaced so
/// that an odd id can never escape the folder.
fn file_stem(location_id: &str) -> String {
    let stem: String = location_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() {
        "_".to_string()
    } else {
        stem
    }
}

/// An open state store for one location.
#[derive(Debug)]
pub struct StateStore {
    conn: Connection,
    path: PathBuf,
}

impl StateStore {
    /// Opens (creating it and its folder when needed) the state file for `location_id`. A file
    /// that belongs to another location is refused.
    pub fn open(path: &Path, location_id: &str) -> Result<StateStore, StateError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir(parent)?;
        }
        let conn = Connection::open(path).map_err(|e| sqlite(path, e))?;
        // Several runs (an import and an export) may use the same file: wait for a writer
        // rather than fail at once.
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(|e| sqlite(path, e))?;
        // A million contacts make a store of about 200 MB, looked up in no useful order: read
        // it through the page cache (mmap) rather than a read() per page, and keep a cache big
        // enough for the B-tree's inner pages.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA cache_size = -65536; PRAGMA mmap_size = 1073741824;",
        )
        .map_err(|e| sqlite(path, e))?;
        conn.execute_batch(TABLES).map_err(|e| sqlite(path, e))?;
        followups::upgrade(&conn).map_err(|e| sqlite(path, e))?;
        let store = StateStore {
            conn,
            path: path.to_path_buf(),
        };
        store.claim(location_id)?;
        Ok(store)
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn claim(&self, location_id: &str) -> Result<(), StateError> {
        let meta = |key: &str| -> Result<Option<String>, StateError> {
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(|e| self.err(e))
        };
        if let Some(found) = meta("version")? {
            let found: i64 = found.parse().unwrap_or(i64::MAX);
            if found > STATE_VERSION {
                return Err(StateError::Newer {
                    path: self.path.clone(),
                    found,
                });
            }
        }
        match meta("location_id")? {
            Some(found) if found != location_id => Err(StateError::OtherLocation {
                path: self.path.clone(),
                found,
                expected: location_id.to_string(),
            }),
            _ => {
                self.conn
                    .execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES \
                         ('location_id', ?1), ('version', ?2)",
                        params![location_id, STATE_VERSION.to_string()],
                    )
                    .map_err(|e| self.err(e))?;
                Ok(())
            }
        }
    }

    /// What was last delivered for `identity`, if anything.
    pub fn delivered(&self, identity: &str) -> Result<Option<Delivered>, StateError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT contact_id, payload_hash, contact_hash FROM delivered WHERE identity = ?1",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_row([identity], |r| {
            Ok(Delivered {
                contact_id: r.get(0)?,
                payload_hash: r.get(1)?,
                contact_hash: r.get(2)?,
            })
        })
        .optional()
        .map_err(|e| self.err(e))
    }

    /// What was last delivered for each of `identities`, in their order, read in one
    /// transaction: a lookup outside one takes and drops the file's lock each time, which was
    /// a third of the time of comparing a million rows.
    pub fn delivered_all(&self, identities: &[&str]) -> Result<Vec<Option<Delivered>>, StateError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let found = identities
            .iter()
            .map(|identity| self.delivered(identity))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(found)
    }

    /// How many identities the store remembers.
    pub fn len(&self) -> Result<u64, StateError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM delivered", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// Whether the store remembers nothing yet (a first run skips the lookups).
    pub fn is_empty(&self) -> Result<bool, StateError> {
        self.conn
            .query_row("SELECT EXISTS (SELECT 1 FROM delivered)", [], |r| {
                r.get::<_, bool>(0)
            })
            .map(|any| !any)
            .map_err(|e| self.err(e))
    }

    /// Remembers delivered payloads, in one transaction (a later delivery of the same identity
    /// replaces the earlier one).
    pub fn record_delivered(
        &mut self,
        entries: &[DeliveredEntry],
        now: &str,
    ) -> Result<(), StateError> {
        self.in_transaction(|tx| {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO delivered \
                 (identity, contact_id, payload_hash, delivered_at, contact_hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            // In key order: each insert lands next to the previous one in the B-tree.
            let mut sorted: Vec<&DeliveredEntry> = entries.iter().collect();
            sorted.sort_unstable_by(|a, b| a.identity.cmp(&b.identity));
            for entry in sorted {
                stmt.execute(params![
                    entry.identity,
                    entry.contact_id,
                    entry.payload_hash,
                    now,
                    entry.contact_hash
                ])?;
            }
            Ok(())
        })
    }

    /// Forgets identities (their contact was deleted, or the delivery must be redone).
    pub fn forget(&mut self, identities: &[String]) -> Result<(), StateError> {
        self.delete_each("DELETE FROM delivered WHERE identity = ?1", identities)
    }

    /// Runs `write` in one transaction and commits it; on any error none of it is kept.
    fn in_transaction<T>(
        &mut self,
        write: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StateError> {
        transaction_with(&mut self.conn, |e| sqlite(&self.path, e), write)
    }

    /// Runs `delete` (one `?1` parameter) for each key, in one transaction.
    fn delete_each(&mut self, delete: &str, keys: &[String]) -> Result<(), StateError> {
        self.in_transaction(|tx| {
            let mut stmt = tx.prepare_cached(delete)?;
            for key in keys {
                stmt.execute([key])?;
            }
            Ok(())
        })
    }

    /// The watermark of the last complete export to `target`.
    pub fn watermark(&self, target: &str) -> Result<Option<String>, StateError> {
        self.conn
            .query_row(
                "SELECT value FROM watermarks WHERE target = ?1",
                [target],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Moves the watermark of `target` (call only once the export's file is complete).
    pub fn set_watermark(
        &mut self,
        target: &str,
        value: &str,
        now: &str,
    ) -> Result<(), StateError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO watermarks (target, value, updated_at) VALUES (?1, ?2, ?3)",
                params![target, value, now],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn err(&self, source: rusqlite::Error) -> StateError {
        sqlite(&self.path, source)
    }
}

fn sqlite(path: &Path, source: rusqlite::Error) -> StateError {
    StateError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

/// The state folder holds contact ids and payload hashes of a client's data: readable by the
/// user only.
fn create_private_dir(dir: &Path) -> Result<(), StateError> {
    let io = |source| StateError::Io {
        path: dir.to_path_buf(),
        source,
    };
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io)
}

mod followups;
pub mod recorded;

pub use followups::{Followup, FollowupEntry};
pub use recorded::{forget_contacts, recorded_state_file};

#[cfg(test)]
mod tests;
