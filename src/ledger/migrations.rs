//! Versioned schema changes, keyed on SQLite's `PRAGMA user_version`: migration N brings a
//! file from version N-1 to N. Opening a file runs the ones it lacks in one transaction, so a
//! crash leaves it at its old version, never half-changed; a file newer than this build is
//! refused (an older build cannot know what a newer one's tables mean). The run ledger
//! (`ledger.db`) and the undo's ledger (`undo.db`) each have their own list (`schema.rs`).

use std::path::Path;

use rusqlite::{params, Connection};

use super::{in_transaction, sql, LedgerError};

/// One kind of file's migrations.
pub(super) struct Schema {
    /// Entry `i` brings a file to version `i + 1`; each is one or more SQL batches.
    pub migrations: &'static [&'static [&'static str]],
    /// A table every file of this kind has had since version 1: a file whose `user_version`
    /// is 0 but that has this table was written before the numbering, and is version 1.
    pub marker_table: &'static str,
}

impl Schema {
    /// The version this build writes.
    pub fn latest(&self) -> u32 {
        self.migrations.len() as u32
    }
}

/// Brings the file up to `schema`'s latest version. `fresh`: a file this process just created,
/// built from nothing. Otherwise a file at version 0 without the marker table is not one of
/// ours (or is empty) and is left alone: its readers say what is missing, as before.
pub(super) fn migrate(
    conn: &mut Connection,
    schema: &Schema,
    path: &Path,
    fresh: bool,
) -> Result<(), LedgerError> {
    let err = |e| sql(path, e);
    let mut version = user_version(conn).map_err(err)?;
    check_version(version, schema, path)?;
    if version == schema.latest() {
        return Ok(());
    }
    if version == 0 && !fresh {
        if !has_table(conn, schema.marker_table).map_err(err)? {
            return Ok(());
        }
        version = 1;
    }
    in_transaction(conn, path, |tx| {
        for batches in schema.migrations.iter().skip(version as usize) {
            for batch in *batches {
                tx.execute_batch(batch)?;
            }
        }
        tx.pragma_update(None, "user_version", schema.latest())
    })
}

/// Refuses a file written by a newer build.
pub(super) fn check_version(version: u32, schema: &Schema, path: &Path) -> Result<(), LedgerError> {
    if version > schema.latest() {
        return Err(LedgerError::TooNew {
            path: path.to_path_buf(),
            found: version,
            supported: schema.latest(),
        });
    }
    Ok(())
}

/// The file's `PRAGMA user_version` (0: empty, or written before the numbering).
pub(super) fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Whether the file has this table.
pub(super) fn has_table(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        params![name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}
