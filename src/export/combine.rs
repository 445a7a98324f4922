//! The file of an export over many locations (`export --locations … --out FILE`): each
//! location's rows are first written to a part of its own (a hidden folder beside the
//! output), and only when every location is complete are the parts written, in the order the
//! locations were listed, into one file with a first `location_id` column, committed
//! atomically. The columns are the union of the locations' (each location has its own custom
//! fields); a location lacking a column leaves it empty.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::output::PendingFile;
use super::writer::{OutputFormat, Shape, Sink};
use super::ExportError;
use crate::run::atomic::folder;

/// The first column of a combined file.
pub const LOCATION_COLUMN: &str = "location_id";

/// The hidden folder holding the parts while the locations are read: `.<name>.<pid>.parts`
/// beside the output (same file system). Removed when dropped, whatever the end; a SIGKILL
/// leaves it, and the next export to the same output removes it while holding the lock.
#[derive(Debug)]
pub struct PartsDir {
    path: PathBuf,
}

impl PartsDir {
    /// Creates the folder after removing those killed runs left. Call holding the lock.
    pub fn create(out: &Path) -> Result<PartsDir, ExportError> {
        let name = file_name(out);
        super::output::remove_leftovers(out, ".parts");
        let path = folder(out).join(format!(".{name}.{}.parts", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(PartsDir { path })
    }

    /// The part file of a location.
    pub fn part(&self, location: &str) -> PathBuf {
        self.path.join(format!("{location}.part"))
    }
}

impl Drop for PartsDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn file_name(out: &Path) -> String {
    out.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into())
}

/// One location's complete part.
#[derive(Debug, Clone)]
pub struct Part {
    /// The location.
    pub location: String,
    /// The part file.
    pub path: PathBuf,
    /// Its columns, in the order of its rows' cells.
    pub headers: Vec<String>,
}

/// The columns of every part in one list: each part's columns keep their order, and a column
/// first met in a later part goes right after the column it follows there (so a location's
/// own custom fields sit with the others', before the related columns). A column is its
/// header and which occurrence of that header it is in its part, so a header a layout repeats
/// keeps its repeats.
pub fn merge_headers(lists: &[Vec<String>]) -> Vec<(String, usize)> {
    let mut merged: Vec<(String, usize)> = Vec::new();
    for list in lists {
        let keys = occurrences(list);
        let mut after: Option<usize> = None;
        for key in &keys {
            let at = match merged.iter().position(|k| k == key) {
                Some(at) => at,
                None => {
                    // After the column it follows here, and after the columns of earlier
                    // parts that this part lacks (so a part's own columns stay together).
                    let mut at = after.map_or(0, |a| a + 1);
                    while at < merged.len() && !keys.contains(&merged[at]) {
                        at += 1;
                    }
                    merged.insert(at, key.clone());
                    at
                }
            };
            after = Some(after.map_or(at, |a| a.max(at)));
        }
    }
    merged
}

/// Each header with which occurrence of it in the list it is.
fn occurrences(headers: &[String]) -> Vec<(String, usize)> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    headers
        .iter()
        .map(|header| {
            let n = seen.entry(header.as_str()).or_insert(0);
            *n += 1;
            (header.clone(), *n - 1)
        })
        .collect()
}

/// Where each of a part's cells goes among the merged columns.
fn positions(headers: &[String], merged: &[(String, usize)]) -> Vec<usize> {
    occurrences(headers)
        .iter()
        .map(|key| merged.iter().position(|k| k == key).unwrap_or(usize::MAX))
        .collect()
}

/// Writes the parts, in order, into `out` (atomically: temporary file, fsync, rename); returns
/// the rows written. Call holding the output's lock.
pub fn write(
    out: &Path,
    format: OutputFormat,
    shape: &Shape,
    parts: &[Part],
) -> Result<u64, ExportError> {
    let lists: Vec<Vec<String>> = parts.iter().map(|p| p.headers.clone()).collect();
    let merged = merge_headers(&lists);
    let mut headers: Vec<&str> = vec![LOCATION_COLUMN];
    headers.extend(merged.iter().map(|(h, _)| h.as_str()));
    let (pending, file) = PendingFile::create(out)?;
    let temp = pending.temp_path().to_path_buf();
    let mut sink = Sink::create(format, file, &temp, &headers, shape)?;
    let mut rows = 0u64;
    let mut cells = vec![String::new(); headers.len()];
    for part in parts {
        let at = positions(&part.headers, &merged);
        let io = |source| ExportError::Io {
            path: part.path.clone(),
            source,
        };
        let reader = BufReader::new(File::open(&part.path).map_err(io)?);
        for line in reader.lines() {
            let line = line.map_err(io)?;
            let bad = |e: serde_json::Error| {
                ExportError::Internal(format!("{}: {e}", part.path.display()))
            };
            if format == OutputFormat::Jsonl {
                let record = with_location(&part.location, &line).ok_or_else(|| {
                    ExportError::Internal(format!("{}: not a JSON object", part.path.display()))
                })?;
                sink.write_json_text(&record, &temp)?;
            } else {
                let row: Vec<String> = serde_json::from_str(&line).map_err(bad)?;
                cells.iter_mut().for_each(String::clear);
                cells[0].push_str(&part.location);
                for (cell, to) in row.into_iter().zip(&at) {
                    if let Some(slot) = cells.get_mut(to.saturating_add(1)) {
                        *slot = cell;
                    }
                }
                sink.write_row(&cells, &temp)?;
            }
            rows += 1;
        }
    }
    let file = sink.finish(&temp)?;
    pending.commit(file)?;
    Ok(rows)
}

/// The record (a JSON object as the part holds it) with `location_id` added as its first key;
/// spliced into the text, so the record's own keys keep their order.
fn with_location(location: &str, record: &str) -> Option<String> {
    let rest = record.trim().strip_prefix('{')?;
    if !record.trim_end().ends_with('}') {
        return None;
    }
    let id = serde_json::to_string(location).ok()?;
    let separator = if rest.trim_start().starts_with('}') {
        ""
    } else {
        ","
    };
    Some(format!("{{\"{LOCATION_COLUMN}\":{id}{separator}{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn names(merged: &[(String, usize)]) -> Vec<&str> {
        merged.iter().map(|(h, _)| h.as_str()).collect()
    }

    #[test]
    fn a_later_locations_own_columns_sit_after_the_column_they_follow() {
        let a = list(&["Id", "Email", "Tags", "Color (contact.color)", "Notes"]);
        let b = list(&["Id", "Email", "Tags", "Size (contact.size)", "Notes"]);
        let merged = merge_headers(&[a, b]);
        assert_eq!(
            names(&merged),
            [
                "Id",
                "Email",
                "Tags",
                "Color (contact.color)",
                "Size (contact.size)",
                "Notes"
            ]
        );
    }

    #[test]
    fn a_repeated_header_keeps_its_repeats() {
        let merged = merge_headers(&[list(&["a", "x", "x"]), list(&["a", "x"])]);
        assert_eq!(names(&merged), ["a", "x", "x"]);
        assert_eq!(positions(&list(&["x", "a", "x"]), &merged), [1, 0, 2]);
    }

    #[test]
    fn parts_are_written_in_order_with_their_location_and_cells_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("all.csv");
        let parts_dir = PartsDir::create(&out).unwrap();
        let mut parts = Vec::new();
        for (location, headers, rows) in [
            ("L1", list(&["Id", "Color"]), vec![list(&["1", "red"])]),
            (
                "L2",
                list(&["Id", "Size"]),
                vec![list(&["2", "XL"]), list(&["3", "=1+1"])],
            ),
        ] {
            let path = parts_dir.part(location);
            let text: String = rows
                .iter()
                .map(|r| serde_json::to_string(r).unwrap() + "\n")
                .collect();
            std::fs::write(&path, text).unwrap();
            parts.push(Part {
                location: location.into(),
                path,
                headers,
            });
        }
        let rows = write(&out, OutputFormat::Csv, &Shape::default(), &parts).unwrap();
        assert_eq!(rows, 3);
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            text,
            "\u{feff}location_id,Id,Color,Size\r\nL1,1,red,\r\nL2,2,,XL\r\nL2,3,,'=1+1\r\n"
        );
        drop(parts_dir);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "only the output is left: {left:?}");
    }

    #[test]
    fn a_jsonl_record_gets_its_location_first() {
        let with = with_location("L9", r#"{"id":"c1","email":"a@b.c"}"#).unwrap();
        assert_eq!(with, r#"{"location_id":"L9","id":"c1","email":"a@b.c"}"#);
        let parsed: Value = serde_json::from_str(&with).unwrap();
        assert_eq!(parsed["id"], "c1");
        assert_eq!(
            with_location("L9", "{}").unwrap(),
            r#"{"location_id":"L9"}"#
        );
        assert_eq!(with_location("L9", "[1]"), None);
    }

    proptest! {
        /// Every column of every part is in the merged list exactly once, and each part's
        /// columns keep their relative order whenever the parts agree on it.
        #[test]
        fn merging_keeps_every_column_once(
            lists in prop::collection::vec(
                prop::collection::vec("[a-e]", 0..6), 1..4)
        ) {
            let lists: Vec<Vec<String>> = lists;
            let merged = merge_headers(&lists);
            let mut unique = merged.clone();
            unique.sort();
            unique.dedup();
            prop_assert_eq!(unique.len(), merged.len());
            for list in &lists {
                let at = positions(list, &merged);
                prop_assert!(at.iter().all(|&p| p < merged.len()));
            }
            // The first list is never reordered.
            let at = positions(&lists[0], &merged);
            prop_assert!(at.windows(2).all(|w| w[0] < w[1]));
        }
    }
}
