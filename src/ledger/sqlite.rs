//! The SQLite plumbing every ledger file (the run's and the undo journal's) shares: errors
//! tagged with the file, cached queries, one transaction helper, WAL and the migrations on open.

use std::path::Path;

use rusqlite::Connection;

use super::{migrations, LedgerError};

/// Prepares `query` (cached), runs it with `params` and collects every row `map` reads.
pub(super) fn query_all<T>(
    conn: &Connection,
    path: &Path,
    query: &str,
    params: impl rusqlite::Params,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, LedgerError> {
    let mut stmt = conn.prepare_cached(query).map_err(|e| sql(path, e))?;
    let rows = stmt.query_map(params, map).map_err(|e| sql(path, e))?;
    rows.collect::<Result<_, _>>().map_err(|e| sql(path, e))
}

/// [`Ledger::in_transaction`] on any connection of the ledger's (the undo journal's too).
pub(super) fn in_transaction<T>(
    conn: &mut Connection,
    path: &Path,
    write: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
) -> Result<T, LedgerError> {
    transaction_with(conn, |e| sql(path, e), write)
}

/// Runs `write` in one transaction on `conn` and commits it, each SQLite error turned into the
/// caller's by `error`; on any error the transaction is dropped, so none of it is kept.
pub(super) fn transaction_with<T, E>(
    conn: &mut Connection,
    error: impl Fn(rusqlite::Error) -> E,
    write: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
) -> Result<T, E> {
    let tx = conn.transaction().map_err(&error)?;
    let written = write(&tx).map_err(&error)?;
    tx.commit().map_err(&error)?;
    Ok(written)
}

/// Puts an opened ledger file (the run's or the undo's) in WAL mode, so readers go beside the
/// one writer and fsyncs wait for checkpoints, and brings its tables to `schema`'s last
/// version ([`migrations::migrate`], `fresh` as there).
pub(super) fn wal_and_migrate(
    conn: &mut Connection,
    path: &Path,
    schema: &migrations::Schema,
    fresh: bool,
) -> Result<(), LedgerError> {
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .map_err(|e| sql(path, e))?;
    migrations::migrate(conn, schema, path, fresh)
}

pub(super) fn sql(path: &Path, source: rusqlite::Error) -> LedgerError {
    LedgerError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}
