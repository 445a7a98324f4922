//! A file whose rows name their location (`import --location-column COL`), split after it was
//! staged once: which rows go to which location (read from the staged cells by the rule
//! staging used, `pipeline::LocationColumn`), and each location's sub-folder ledger holding
//! its rows only, with a staging summary that counts them alone. Rows that name no location
//! of the run were rejected while staging (`location_unknown`) and stay in the top folder.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use super::MultiError;
use crate::ledger::{Ledger, RowState};
use crate::pipeline::LocationColumn;

/// Where the staged rows go.
#[derive(Debug, Default)]
pub(super) struct Split {
    /// Location id → its rows, in row order; only locations the file names.
    pub rows: BTreeMap<String, Vec<u64>>,
    /// Rows naming no location of the run (all rejected): counted in the top folder only.
    pub unassigned: u64,
}

/// Reads the top ledger's cells once and sorts its rows by location.
pub(super) fn split(top: &Path, column: &LocationColumn) -> Result<Split, MultiError> {
    let ledger = Ledger::open(&top.join("ledger.db")).map_err(ledger_error(top))?;
    let headers = ledger.run_record().map_err(ledger_error(top))?.headers;
    let located = column
        .locate(&headers)
        .ok_or_else(|| MultiError::Start(format!("the column \"{}\" is gone", column.header)))?;
    let mut split = Split::default();
    ledger
        .each_row_cells(|row, cells| match located.location_of(cells) {
            Some(id) => split.rows.entry(id.to_string()).or_default().push(row),
            None => split.unassigned += 1,
        })
        .map_err(ledger_error(top))?;
    Ok(split)
}

/// Writes the sub-folder `sub` of location `id` with a ledger of `rows` only. The ledger is
/// built under a temporary name and renamed: a crash leaves no partial ledger under the name
/// a resume opens.
pub(super) fn write_sub(top: &Path, sub: &Path, id: &str, rows: &[u64]) -> Result<(), MultiError> {
    std::fs::create_dir_all(sub).map_err(|source| MultiError::Write {
        path: sub.to_path_buf(),
        source,
    })?;
    let partial = sub.join("ledger.db.partial");
    for stale in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(sub.join(format!("ledger.db.partial{stale}")));
    }
    {
        let ledger = Ledger::create_subset(&top.join("ledger.db"), &partial, rows)
            .map_err(ledger_error(sub))?;
        narrow_summary(&ledger, sub, id)?;
    }
    let to = sub.join("ledger.db");
    std::fs::rename(&partial, &to).map_err(|source| MultiError::Write { path: to, source })
}

/// On a resume: the sub-folders a crash left without their ledger (between `locations.json`
/// and the last sub-folder) are written again from the top ledger. Nothing was sent to them.
pub(super) fn rebuild_missing(top: &Path, ids: &[String], header: &str) -> Result<(), MultiError> {
    let missing: Vec<&String> = ids
        .iter()
        .filter(|id| !top.join(id).join("ledger.db").is_file())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let column = LocationColumn {
        header: header.to_string(),
        known: ids.iter().cloned().collect(),
    };
    let split = split(top, &column)?;
    for id in missing {
        let rows = split.rows.get(id).map_or(&[][..], Vec::as_slice);
        write_sub(top, &top.join(id), id, rows)?;
    }
    Ok(())
}

/// The staging summary of the whole file, recounted for the location's rows: rows, outcomes,
/// groups, issues and warnings are its own; the input and mapping facts stay the file's.
fn narrow_summary(ledger: &Ledger, sub: &Path, id: &str) -> Result<(), MultiError> {
    let failed = ledger_error(sub);
    let mut summary = ledger
        .run_record()
        .map_err(&failed)?
        .summary()
        .unwrap_or_else(|| json!({}));
    let states = ledger.state_counts().map_err(&failed)?;
    let mut outcomes: BTreeMap<&str, u64> =
        BTreeMap::from([("valid", 0), ("merged", 0), ("rejected", 0)]);
    for (state, n) in states.iter() {
        let name = match state {
            RowState::Pending => "valid",
            state => state.as_str(),
        };
        *outcomes.entry(name).or_default() += n;
    }
    let issues = ledger.issue_counts().map_err(&failed)?;
    let phone_shared_rejected: u64 = ledger
        .reject_reasons()
        .map_err(&failed)?
        .iter()
        .filter(|r| r.code == crate::pipeline::conflicts::PHONE_SHARED)
        .map(|r| r.count)
        .sum();
    let phone_shared = issues
        .get(crate::pipeline::conflicts::PHONE_SHARED)
        .copied()
        .unwrap_or(0);
    let warnings = crate::pipeline::rewrite_warnings(ledger, sub)?;
    let rejected = outcomes["rejected"];
    let exit_code: u8 = if rejected > 0 { 3 } else { 0 };
    summary["location_id"] = id.into();
    summary["run_dir"] = sub.display().to_string().into();
    summary["rows_read"] = states.total().into();
    summary["outcomes"] = json!(outcomes);
    summary["outcomes_add_up"] = true.into();
    summary["duplicate_groups"] = ledger.merge_overview().map_err(&failed)?.groups.into();
    summary["shared_phone"]["rows"] = phone_shared.into();
    summary["shared_phone"]["imported_without_phone"] =
        phone_shared.saturating_sub(phone_shared_rejected).into();
    summary["identity_conflicts"] = issues
        .get(crate::pipeline::conflicts::IDENTITY_CONFLICT)
        .copied()
        .unwrap_or(0)
        .into();
    summary["issues"] = json!(issues);
    summary["warnings"] = serde_json::to_value(&warnings).unwrap_or(Value::Null);
    summary["exit_code"] = exit_code.into();
    let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
    let finished = summary["finished_at"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    ledger
        .finish_run(&finished, exit_code, &text)
        .map_err(&failed)?;
    // Also as a file: a location whose delivery fails before its end still shows its rows
    // (and the top totals still add up to the file's).
    let path = sub.join("summary.json");
    crate::run::atomic::write(&path, format!("{text}\n").as_bytes())
        .map_err(|source| MultiError::Write { path, source })
}

fn ledger_error(dir: &Path) -> impl Fn(crate::ledger::LedgerError) -> MultiError + '_ {
    move |source| MultiError::Ledger {
        dir: dir.to_path_buf(),
        source,
    }
}
