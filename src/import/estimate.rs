//! The import's estimate as announced: the requests delivery is about to send (counted by
//! `tally` from the ledger once the delta has decided which rows are unchanged, before the first
//! write), worded at the limits the client has learned, and `import --dry-run`, which stops there.

mod row_share;
mod tally;

use super::delta::Delta;
use super::{ImportConfig, ImportError};
use crate::api::{Client, Estimate};
use crate::delivery::EngineConfig;
use crate::delivery::Mode;
use crate::format::thousands;
use crate::ledger::Ledger;
use crate::mapping::Mapping;
use crate::run::end::RunEnd;
use std::path::Path;
use tally::{count, Settings};

pub use tally::Breakdown;

/// The estimate as announced: its figures and its line.
#[derive(Debug, Clone)]
pub struct Announced {
    /// The requests by kind.
    pub breakdown: Breakdown,
    /// `Estimate: … requests, about … at the limit the API reports (…).` and what they are.
    pub line: String,
}

/// Counts the requests still to send and words them at the limits `client` has learned.
/// `custom_fields`: the custom field definitions are still to be read.
pub(super) fn announce(
    ledger: &Ledger,
    mapping: &Mapping,
    engine: &EngineConfig,
    client: &Client,
    custom_fields: bool,
    view: Option<&crate::view::ViewSummary>,
) -> Result<Announced, ImportError> {
    let task_key = super::delta::task_key(mapping);
    let breakdown = count(
        ledger,
        &Settings {
            mode: engine.mode,
            tag_batch: engine.tag_batch,
            task_key: &task_key,
            custom_fields,
            on_conflict: engine.on_conflict,
        },
    )?;
    let estimate = Estimate::new(breakdown.total(), client.limiter());
    let b = &breakdown;
    let line = format!(
        "{estimate}\n  {} to send: {} contact, {} tag, {} business, {} note, {} task create, \
         {} task update and {} list requests (a floor: retries come on top).",
        crate::format::counted(b.rows, "row", "rows"),
        thousands(b.contacts),
        thousands(b.tags),
        thousands(b.business),
        thousands(b.notes),
        thousands(b.task_creates),
        thousands(b.task_updates),
        thousands(b.list_reads),
    );
    let line = match view {
        Some(view) => format!("{line}\n  {}", view.line()),
        None => line,
    };
    Ok(Announced { breakdown, line })
}

/// `import --dry-run`: everything up to the first write. The file is staged and compared with
/// the state file as for a real run; the one request sent is the read-only probe that learns
/// the API's limits (with `--sandbox`, to the in-process sandbox). The estimate is printed on
/// stdout and recorded in summary.json (`estimate_requests`, `estimate`, `delta`).
pub(super) async fn dry_run(
    config: &ImportConfig,
    run_dir: &Path,
    ledger: &Ledger,
    mapping: &Mapping,
    delta: &Delta,
    local_exit: u8,
) -> Result<RunEnd, ImportError> {
    let (client, sandbox) = super::connect::connect(config, ledger, mapping).await?;
    let mut engine = config.engine.clone();
    if let Some(Ok(mode)) = ledger.delivery_mode()?.map(|m| m.parse::<Mode>()) {
        engine.mode = mode;
    }
    let planned = !config.blind
        && engine.mode == Mode::Upsert
        && ledger.view_setting("view")?.as_deref() != Some("blind");
    // The view's survey is the one request: it also learns the limits.
    let mut view = None;
    if ledger.undelivered()? > 0 {
        if planned {
            view = crate::view::survey_only(ledger, &client)
                .await
                .map_err(ImportError::View)?;
        }
        if view.is_none() {
            super::connect::learn_limits(&client).await;
        }
    }
    let announced = announce(
        ledger,
        mapping,
        &engine,
        &client,
        !mapping.custom_refs.is_empty(),
        None,
    )?;
    println!("{}", announced.line);
    if let Some(choice) = &view {
        println!(
            "  View: the import will read the location by {} ({} contacts there): {} more \
             search requests, then decide each row (create, update, unchanged, conflict).",
            choice.method,
            thousands(choice.location_total),
            thousands(choice.requests),
        );
    }

    let path = run_dir.join("summary.json");
    let mut summary: serde_json::Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    summary["command"] = "import --dry-run".into();
    summary["estimate_requests"] = announced.breakdown.total().into();
    summary["estimate"] = serde_json::to_value(&announced.breakdown).unwrap_or_default();
    summary["delta"] = serde_json::to_value(delta.report()).unwrap_or_default();
    if let Some(choice) = &view {
        summary["view"] = serde_json::json!({
            "method": choice.method.as_str(),
            "location_total": choice.location_total,
            "requests": choice.requests,
        });
    }
    let json = serde_json::to_string_pretty(&summary).unwrap_or_default();
    super::finish::write_atomically(&path, &format!("{json}\n"))?;
    if let Some(handle) = sandbox {
        handle
            .shutdown()
            .await
            .map_err(|e| ImportError::Sandbox(e.to_string()))?;
    }
    Ok(if local_exit == 3 {
        RunEnd::Rejects
    } else {
        RunEnd::Ok
    })
}
