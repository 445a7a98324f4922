//! Which state file a run used, as its ledger records it, and forgetting contacts in it: what
//! an undo or a delete needs of the import's state without depending on the import.

use std::path::{Path, PathBuf};

use super::{StateError, StateStore};
use crate::ledger::{Ledger, LedgerError};

/// The state file of a run that talks to a sandbox (in-process or on loopback), in its folder.
pub const RUN_STATE_FILE: &str = "state.sqlite";

/// Ledger `meta` keys: which state file a run uses and whether it ignores it, so that a resume
/// continues with the same choice.
pub const META_FILE: &str = "delta.state_file";
/// See [`META_FILE`].
pub const META_SCOPE: &str = "delta.scope";

/// The state file a run recorded when its delivery began; `None` when it never got there.
pub fn recorded_state_file(
    ledger: &Ledger,
    run_dir: &Path,
) -> Result<Option<PathBuf>, LedgerError> {
    Ok(
        match (
            ledger.meta_value(META_SCOPE)?.as_deref(),
            ledger.meta_value(META_FILE)?,
        ) {
            // The run folder may have moved since: its state file moved with it.
            (Some("run"), _) => Some(run_dir.join(RUN_STATE_FILE)),
            (Some(_), Some(file)) => Some(PathBuf::from(file)),
            _ => None,
        },
    )
}

/// Forgets `contact_ids` in the state file at `path`, when it exists (a missing one remembers
/// nothing): the contacts were deleted or reverted, and the next import must send their rows
/// again instead of calling them unchanged. Returns the identities forgotten.
pub fn forget_contacts(
    path: &Path,
    location_id: &str,
    contact_ids: &[String],
) -> Result<u64, StateError> {
    if !path.is_file() || contact_ids.is_empty() {
        return Ok(0);
    }
    StateStore::open(path, location_id)?.forget_contacts(contact_ids)
}
