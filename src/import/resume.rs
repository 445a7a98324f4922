//! What a resume checks before it sends (the target, the mapping and input unchanged, no undo
//! started), and the end of a delivery stopped at once.

use std::path::Path;

use super::{delta, ImportError, Target};
use crate::ledger::Ledger;
use crate::mapping::{self, Mapping};
use crate::pipeline;
use crate::run::end::RunEnd;

/// The target as the ledger records it: the in-process sandbox starts on a new port each time,
/// so it is recorded by name.
pub(super) fn target_of(target: &Target) -> crate::ledger::Target {
    match target {
        Target::Sandbox => crate::ledger::Target {
            base_url: "sandbox".into(),
            location: ghl_sandbox::DEFAULT_LOCATION_ID.into(),
        },
        Target::Api(config) => crate::ledger::Target::of_api(config),
    }
}

/// A resume sends to the API and location the run started with: its contact ids, in-doubt
/// look-ups and state file belong to them. Runs from before the target was recorded have
/// nothing to compare.
pub(super) fn check_target(
    run_dir: &Path,
    ledger: &Ledger,
    target: &Target,
) -> Result<(), ImportError> {
    let Some(recorded) = ledger.target()? else {
        return Ok(());
    };
    let now = target_of(target);
    if recorded == now {
        return Ok(());
    }
    Err(ImportError::Resume {
        dir: run_dir.to_path_buf(),
        reason: format!(
            "the run sent to {} (location {}), this resume would send to {} (location {});              resume with the run's base URL and location",
            recorded.base_url, recorded.location, now.base_url, now.location
        ),
    })
}

/// The end of a delivery stopped at once by a second Ctrl-C or SIGTERM: what was delivered is
/// remembered in the state file and the stop in summary.json; the reports are not rewritten (a
/// resume does it: `runs` shows the run as resumable meanwhile).
pub(super) fn aborted(
    run_dir: &Path,
    mut ledger: Ledger,
    delta: &mut delta::Delta,
) -> Result<RunEnd, ImportError> {
    if let Err(error) = delta.remember(&mut ledger) {
        tracing::warn!(%error, "The delivered rows could not be remembered in the state file.");
    }
    let mut summary = crate::run::summary::recorded(&ledger)?;
    let resume = format!("ghl-bulk import --resume {}", run_dir.display());
    summary["status"] = "interrupted".into();
    summary["exit_code"] = 130.into();
    summary["delivery"] = serde_json::json!({ "stop": "interrupted", "resume": resume });
    summary["finished_at"] = crate::run::clock::now_rfc3339().into();
    crate::run::summary::save(&ledger, run_dir, 130, &summary)?;
    eprintln!("Aborted. Resume with:\n  {resume}");
    Ok(RunEnd::Interrupted)
}

pub(super) fn compiled_mapping(
    run_dir: &Path,
    record: &crate::ledger::RunRecord,
    resuming: bool,
) -> Result<Mapping, ImportError> {
    let refuse = |reason: String| ImportError::Resume {
        dir: run_dir.to_path_buf(),
        reason,
    };
    let loaded = mapping::load(Path::new(&record.mapping_path))?;
    if resuming {
        if record.summary_json.is_none() {
            return Err(refuse(
                "the run stopped before the file was fully staged, so nothing was sent; \
                 start a new run instead"
                    .into(),
            ));
        }
        let since = "since the run started; start a new run instead";
        if let Some(reason) = changed_since(record, &loaded.hash, since) {
            return Err(refuse(reason));
        }
    }
    let options: serde_json::Value = serde_json::from_str(&record.options_json).unwrap_or_default();
    let region = options["region"].as_str();
    let mut compiled = loaded.compile(&record.headers, region)?;
    compiled.rules.today = Some(crate::run::clock::today());
    Ok(compiled)
}

/// Why a run cannot be carried on as recorded: its mapping (now hashing to `mapping_hash`) or
/// its input file changed `since` it was recorded (the phrase also says what to do instead),
/// or the input cannot be read. `None` when both are as they were.
pub(super) fn changed_since(
    record: &crate::ledger::RunRecord,
    mapping_hash: &str,
    since: &str,
) -> Option<String> {
    if mapping_hash != record.mapping_blake3 {
        return Some(format!(
            "the mapping {} changed {since}",
            record.mapping_path
        ));
    }
    match pipeline::fingerprint(Path::new(&record.input_path)) {
        Err(e) => Some(format!("cannot read the input {}: {e}", record.input_path)),
        Ok((_, digest)) if digest != record.input_blake3 => {
            Some(format!("the input {} changed {since}", record.input_path))
        }
        Ok(_) => None,
    }
}

/// An undo of the run was started (`undo.db` in its folder): resuming the import would write
/// again what the undo takes away, and the undo's plan would no longer match the run.
pub(super) fn refuse_undone(run_dir: &Path) -> Result<(), ImportError> {
    if run_dir.join(crate::ledger::UNDO_LEDGER).exists() {
        return Err(ImportError::Resume {
            dir: run_dir.to_path_buf(),
            reason: "an undo of this run was started (undo.db is in its folder), so the run \
                     cannot be continued; finish the undo with `ghl-bulk undo --resume`, then \
                     import the file again as a new run if you want it"
                .into(),
        });
    }
    Ok(())
}
