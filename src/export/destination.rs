//! Where one export's rows and watermark go: the output itself or one location's part of a
//! combined file (`Destination`), what a finished export hands back (the part's columns, the
//! watermark waiting for its file: `Mark`), where the watermark is kept (`StateHome`, the
//! state file beside a sandbox's output) and its key in the state store.

use std::path::{Path, PathBuf};

use super::watermark::Stored;
use super::{ExportConfig, ExportEnd, ExportError};
use crate::ledger::state::StateStore;

/// Where an export without `--state` keeps its watermark.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum StateHome {
    /// The location's file in the user's data folder (HighLevel itself).
    DataFolder,
    /// `<output>.state.sqlite` beside the output (a loopback sandbox, which outlives one run:
    /// `--since last` still works against it, and the real state folder stays untouched).
    BesideOutput,
    /// None (the in-process sandbox is new at every run: a watermark would mean nothing).
    None,
}

/// The state file of one location's part of a combined export to `out` against a loopback
/// sandbox: each location keeps its own (a state file belongs to one location).
pub(super) fn beside_output_of(out: &Path, location: &str) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{location}.state.sqlite"));
    out.with_file_name(name)
}

/// The state file of an export to `out` against a loopback sandbox.
pub(super) fn beside_output(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".state.sqlite");
    out.with_file_name(name)
}

/// Where one export's contacts go.
#[derive(Debug, Clone)]
pub(super) enum Destination {
    /// The output file itself: committed, then the watermark moves.
    Out,
    /// One location's part of a file combining many (`export --locations … --out FILE`): its
    /// rows (cells, or JSONL records) into `path`; the watermark is handed back, to move only
    /// once the combined file is in place.
    Part {
        /// The part file.
        path: PathBuf,
        /// The location whose part it is (its state is its own).
        location: String,
    },
}

/// What an export hands back.
pub(super) struct Exported {
    pub(super) end: ExportEnd,
    /// With [`Destination::Part`], when complete: the part's columns and the watermark to set.
    pub(super) part: Option<PartDone>,
}

/// A complete part of a combined file.
pub(super) struct PartDone {
    /// The part's headers (its rows' cells are in this order).
    pub(super) headers: Vec<String>,
    /// The watermark to set once the combined file is in place.
    pub(super) mark: Option<Mark>,
}

/// A watermark waiting for its file to be in place.
pub(super) struct Mark {
    pub(super) store: StateStore,
    pub(super) target: String,
    pub(super) stored: Stored,
}

impl Mark {
    /// Moves the watermark; returns the new one.
    pub(super) fn set(mut self) -> Result<String, ExportError> {
        self.store.set_watermark(
            &self.target,
            &self.stored.to_text(),
            &crate::run::clock::now_rfc3339(),
        )?;
        Ok(self.stored.date_updated)
    }
}

/// The state store's key for this export: the output file and the filters that choose the
/// contacts (another tag or query is another target with its own watermark).
pub(super) fn target_key(config: &ExportConfig) -> String {
    let mut key = format!("export:{}", absolute(&config.out).display());
    let mut tags = config.query.tags.clone();
    tags.sort();
    if !tags.is_empty() {
        key.push_str(&format!("|tags={}", tags.join(",")));
    }
    if let Some(text) = &config.query.text {
        key.push_str(&format!("|query={text}"));
    }
    key
}

fn absolute(path: &Path) -> PathBuf {
    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    match folder.canonicalize() {
        Ok(folder) => folder.join(name),
        Err(_) => path.to_path_buf(),
    }
}
