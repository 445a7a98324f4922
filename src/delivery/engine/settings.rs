//! What the engine is given and what it gives back: its settings, why it stopped, and the
//! counts of one run.

use std::time::Duration;

use super::super::Mode;

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Contacts per bulk tags (or business) call.
    pub tag_batch: usize,
    /// Rows read (and marked in doubt) from the ledger at a time.
    pub read_ahead: usize,
    /// Safety valve: bulk groups that have not filled up are sent after this long, even while
    /// contacts are still being sent (normally they wait for the last contact).
    pub tag_flush_after: Duration,
    /// Upsert, create or update-only.
    pub mode: Mode,
    /// `import --undoable`: keep each matched contact's before-image (see `before`).
    pub undoable: bool,
    /// What the mapping's task rule is known by (`Mapping::task_rule`): one task per contact
    /// and rule across runs. `None`: `followup_keys::DEFAULT_TASK_RULE`.
    pub task_rule: Option<String>,
    /// `--on-conflict`: what a row the view found in conflict becomes.
    pub on_conflict: super::super::OnConflict,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            concurrency: 32,
            tag_batch: 100,
            read_ahead: 256,
            tag_flush_after: Duration::from_secs(30),
            mode: Mode::default(),
            undoable: false,
            task_rule: None,
            on_conflict: super::super::OnConflict::default(),
        }
    }
}

/// Why the engine stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// Every deliverable row has a result.
    Finished,
    /// Ctrl-C: in-flight requests were finished, the rest waits for a resume.
    Interrupted,
    /// The daily budget reached the reserve, or the API stayed unreachable: resumable.
    Resumable(String),
}

/// Counts of one engine run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineCounts {
    pub created: u64,
    pub updated: u64,
    pub failed: u64,
    /// `create --on-duplicate skip` rows that met an existing contact.
    pub unchanged: u64,
    /// `update-only` rows that matched no contact; rows the view found in conflict.
    pub rejected: u64,
    /// Rows the view found in conflict and `--on-conflict skip` left alone (also counted in
    /// `unchanged`).
    pub skipped: u64,
}

impl EngineCounts {
    /// Rows that reached an outcome in this run.
    pub fn done(&self) -> u64 {
        self.created + self.updated + self.failed + self.unchanged + self.rejected
    }
}
