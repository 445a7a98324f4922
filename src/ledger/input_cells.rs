//! Where a row's input cells come from when the ledger keeps only its position. A row staged
//! as the reader gave it stores no copy of its cells (`cells_json = ''`): its position is its
//! row number, which the same reader with the same options gives the same file the same way.
//! The report writers read those cells again from the input, streamed in row order; the file
//! is checked against the fingerprint staging recorded first, so a moved or changed input is
//! a clear error naming it, never another row's cells.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use serde_json::{json, Value};

use super::{Ledger, LedgerError};
use crate::source::{self, RawRow, Source, SourceOptions};

/// `cells_json` of a row whose cells are the input's own (read them again from the input,
/// streamed up to its row number).
pub const CELLS_FROM_INPUT: &str = "";

/// Starts the `cells_json` of a row whose cells are the input's own and that the reader can
/// read again from where it starts: `@` and the row's file offset in decimal (schema version
/// 5). A stored copy of cells is a JSON array, so it never starts with it.
const AT_OFFSET: char = '@';

/// What `cells_json` holds for a row staged as the reader gave it: its file offset when the
/// reader has one for it (a CSV), else [`CELLS_FROM_INPUT`].
pub fn cells_from_input(offset: Option<u64>) -> String {
    match offset {
        Some(offset) => format!("{AT_OFFSET}{offset}"),
        None => CELLS_FROM_INPUT.to_string(),
    }
}

/// Whether a row's `cells_json` says its cells are the input's own (by row number or offset).
pub fn cells_in_input(stored: &str) -> bool {
    stored == CELLS_FROM_INPUT || stored_offset(stored).is_some()
}

/// The file offset a `cells_json` of [`cells_from_input`] holds.
fn stored_offset(stored: &str) -> Option<u64> {
    stored.strip_prefix(AT_OFFSET)?.parse().ok()
}

/// The `meta` key holding the reader options staging used (JSON).
const SOURCE_OPTIONS: &str = "source_options";

impl Ledger {
    /// Records how staging read the input, so that the report writers can read it again:
    /// the reader options and the input's absolute path (the run record keeps the path as
    /// given, which a later process in another folder would not find).
    pub fn record_source_options(
        &self,
        input: &Path,
        options: &SourceOptions,
    ) -> Result<(), LedgerError> {
        let absolute = std::fs::canonicalize(input).unwrap_or_else(|_| input.to_path_buf());
        let value = json!({
            "path": absolute.to_string_lossy(),
            "encoding": options.encoding,
            "delimiter": options.delimiter,
            "sheet": options.sheet,
            "header_row": options.header_row,
            "header_row_forced": options.header_row_forced,
        });
        self.set_meta_value(SOURCE_OPTIONS, &value.to_string())
    }

    /// The reader options staging recorded, and the input's absolute path when recorded.
    fn source_options(&self) -> Result<Option<(SourceOptions, Option<PathBuf>)>, LedgerError> {
        let Some(text) = self.meta_value(SOURCE_OPTIONS)? else {
            return Ok(None);
        };
        let v: Value = serde_json::from_str(&text).map_err(|source| LedgerError::Payload {
            path: self.path.clone(),
            row: 0,
            source,
        })?;
        let options = SourceOptions {
            encoding: v["encoding"].as_str().map(str::to_string),
            delimiter: v["delimiter"].as_u64().and_then(|d| u8::try_from(d).ok()),
            sheet: v["sheet"].as_str().map(str::to_string),
            header_row: v["header_row"].as_u64().map_or(1, |n| n.max(1) as usize),
            header_row_forced: v["header_row_forced"].as_bool().unwrap_or(false),
        };
        Ok(Some((options, v["path"].as_str().map(PathBuf::from))))
    }
}

/// The cells of rows read back in one pass: a stored copy is parsed, a row kept by position
/// is read from the input, opened on the first such row. Ask in ascending row order (every
/// report does); a row before the last one read starts the input over.
pub(super) struct RowCells<'a> {
    ledger: &'a Ledger,
    input: Option<Input>,
    /// Rows read at their offset, and rows the input was streamed through (tests count them:
    /// a report of a few rows must not cost a pass over the file).
    offsets_read: u64,
    rows_streamed: u64,
}

struct Input {
    path: PathBuf,
    rows: Source,
    /// The last row the reader gave and its cells.
    last: Option<RawRow>,
}

impl<'a> RowCells<'a> {
    pub(super) fn new(ledger: &'a Ledger) -> RowCells<'a> {
        RowCells {
            ledger,
            input: None,
            offsets_read: 0,
            rows_streamed: 0,
        }
    }

    /// Row `row`'s cells, from `stored` (its `cells_json`) or the input: read at the row's
    /// offset when the ledger has it, else streamed up to the row.
    pub(super) fn cells(&mut self, row: u64, stored: &str) -> Result<Vec<String>, LedgerError> {
        if let Some(offset) = stored_offset(stored) {
            return self.cells_at(row, offset);
        }
        if stored != CELLS_FROM_INPUT {
            return self.ledger.cells(row, stored);
        }
        let restart = match &self.input {
            None => true,
            Some(input) => input.last.as_ref().is_some_and(|last| last.row > row),
        };
        if restart {
            self.input = Some(self.open()?);
        }
        let Some(input) = self.input.as_mut() else {
            return Err(missing_row(PathBuf::new(), row));
        };
        loop {
            if let Some(last) = &input.last {
                if last.row == row {
                    return Ok(last.cells.clone());
                }
                if last.row > row {
                    return Err(missing_row(input.path.clone(), row));
                }
            }
            match input.rows.next() {
                Some(Ok(raw)) => {
                    self.rows_streamed += 1;
                    input.last = Some(raw);
                }
                Some(Err(e)) => {
                    return Err(LedgerError::Input {
                        path: input.path.clone(),
                        reason: e.to_string(),
                    })
                }
                None => return Err(missing_row(input.path.clone(), row)),
            }
        }
    }

    /// Row `row`'s cells, read at its file offset (by a reader of its own: the stream's place
    /// is kept).
    fn cells_at(&mut self, row: u64, offset: u64) -> Result<Vec<String>, LedgerError> {
        if self.input.is_none() {
            self.input = Some(self.open()?);
        }
        let Some(input) = self.input.as_mut() else {
            return Err(missing_row(PathBuf::new(), row));
        };
        self.offsets_read += 1;
        match input.rows.cells_at(offset) {
            Ok(Some(cells)) => Ok(cells),
            Ok(None) => Err(missing_row(input.path.clone(), row)),
            Err(e) => Err(LedgerError::Input {
                path: input.path.clone(),
                reason: e.to_string(),
            }),
        }
    }

    /// Opens the run's input after checking it is the file staging read.
    fn open(&self) -> Result<Input, LedgerError> {
        let record = self.ledger.run_record()?;
        let Some((options, absolute)) = self.ledger.source_options()? else {
            return Err(LedgerError::Input {
                path: PathBuf::from(&record.input_path),
                reason: "the ledger does not say how the input was read".to_string(),
            });
        };
        let path = absolute.unwrap_or_else(|| PathBuf::from(&record.input_path));
        let input_err = |reason: String| LedgerError::Input {
            path: path.clone(),
            reason,
        };
        let digest = match digest_read_whole(&path) {
            Some(digest) => Ok(digest),
            None => fingerprint(&path),
        };
        let digest = digest.map_err(|e| {
            input_err(format!(
                "it cannot be read ({e}); the reports need the input's cells: put the file \
                 back where the run read it"
            ))
        })?;
        if digest != record.input_blake3 {
            return Err(input_err(
                "it changed since the run read it (its fingerprint differs); the reports \
                 need the input's cells: put back the file the run read"
                    .to_string(),
            ));
        }
        let rows = source::open(&path, &options).map_err(|e| input_err(e.to_string()))?;
        Ok(Input {
            path,
            rows,
            last: None,
        })
    }
}

impl Drop for RowCells<'_> {
    fn drop(&mut self) {
        if self.input.is_some() {
            tracing::debug!(
                offsets_read = self.offsets_read,
                rows_streamed = self.rows_streamed,
                "Cells read again from the input."
            );
        }
    }
}

/// The input this process last read whole while staging, and its digest: the reports that
/// follow in the same process need not hash the file again to know it is the one the run
/// read (issue 20: one pass of blake3 over the input per report writer, three in all). Only
/// the pipeline sets it, after its reader saw the file hold still from open to end.
static READ_WHOLE: Mutex<Option<(PathBuf, Stamp, String)>> = Mutex::new(None);

/// What the file looks like from outside: a write changes its length, its modification time
/// or (a file put in its place) its inode and change time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    /// Inode and change time (seconds, nanoseconds), on Unix.
    unix: Option<(u64, i64, i64)>,
}

impl Stamp {
    fn of(path: &Path) -> std::io::Result<Stamp> {
        let metadata = std::fs::metadata(path)?;
        #[cfg(unix)]
        let unix = {
            use std::os::unix::fs::MetadataExt;
            Some((metadata.ino(), metadata.ctime(), metadata.ctime_nsec()))
        };
        #[cfg(not(unix))]
        let unix = None;
        Ok(Stamp {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            unix,
        })
    }
}

/// How the input looked before staging hashed it ([`remember_read_whole`] checks it still does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputStamp(Option<Stamp>);

/// The input's stamp, taken before its fingerprint.
pub fn input_stamp(input: &Path) -> InputStamp {
    InputStamp(Stamp::of(input).ok())
}

/// Records that staging read `input` whole and that its digest is `blake3`, when the file
/// still looks as it did before it was hashed (`before`); else records nothing, and the
/// reports hash it again.
pub fn remember_read_whole(input: &Path, before: &InputStamp, blake3: &str) {
    let path = std::fs::canonicalize(input).unwrap_or_else(|_| input.to_path_buf());
    let (Ok(now), Some(before)) = (Stamp::of(&path), before.0.as_ref()) else {
        return;
    };
    if now != *before {
        return;
    }
    if let Ok(mut slot) = READ_WHOLE.lock() {
        *slot = Some((path, now, blake3.to_string()));
    }
}

/// The digest staging recorded for `path` in this process, when the file still looks the same.
fn digest_read_whole(path: &Path) -> Option<String> {
    let stamp = Stamp::of(path).ok()?;
    let slot = READ_WHOLE.lock().ok()?;
    let (seen_path, seen_stamp, digest) = slot.as_ref()?;
    (seen_path == path && *seen_stamp == stamp).then(|| digest.clone())
}

/// The input no longer has a row the run staged from it (it cannot happen to a file with the
/// recorded fingerprint; said plainly rather than handing out another row's cells).
fn missing_row(path: PathBuf, row: u64) -> LedgerError {
    LedgerError::Input {
        path,
        reason: format!("it has no row {row}, which the run staged"),
    }
}

/// The input's blake3 digest, as staging records it.
fn fingerprint(path: &Path) -> std::io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(std::fs::File::open(path)?)?;
    Ok(hasher.finalize().to_hex().to_string())
}

#[cfg(test)]
mod tests;
