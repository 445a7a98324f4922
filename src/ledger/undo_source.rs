//! What an undo reads from the import's run ledger: every row that reached a contact, with
//! what the run did to it (the undo's own file is `undo.rs`).

use super::{Ledger, LedgerError, RowState};

/// An import row as an undo reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UndoSource {
    /// The 1-based data row.
    pub row: u64,
    /// Its state in the import (`created`, `updated`, `in_doubt`, `failed`, …).
    pub state: RowState,
    /// The contact the row wrote.
    pub contact_id: String,
    /// Whether the run created it.
    pub created: bool,
    /// The staged payload (what the row meant to send), JSON.
    pub payload_json: Option<String>,
    /// Tags before, added, removed (JSON arrays; `None` when never recorded).
    pub tags_before: Option<String>,
    pub tags_added: Option<String>,
    pub tags_removed: Option<String>,
    /// Notes and tasks the run created (JSON arrays).
    pub note_ids: Option<String>,
    pub task_ids: Option<String>,
    /// When the row's last result was written (the end of its requests).
    pub updated_at: Option<String>,
    /// The `dateUpdated` the run's write of the contact returned.
    pub write_date: Option<String>,
}

impl Ledger {
    /// Every row of the import that reached a contact, in row order.
    pub fn undo_sources(&self) -> Result<Vec<UndoSource>, LedgerError> {
        self.query_all(
            "SELECT r.row, r.state, r.contact_id, r.created, r.payload_json, \
             r.tags_before_json, r.tags_added_json, d.tags_removed_json, r.note_ids_json, \
             r.task_ids_json, r.updated_at, w.date_updated, r.email, r.phone FROM rows r \
             LEFT JOIN delivery_rows d ON d.row = r.row \
             LEFT JOIN row_writes w ON w.row = r.row \
             WHERE r.contact_id IS NOT NULL \
             AND r.state IN ('created', 'updated', 'in_doubt', 'failed') ORDER BY r.row",
            [],
            |r| {
                Ok(UndoSource {
                    row: r.get::<_, i64>(0)? as u64,
                    state: r.get(1)?,
                    contact_id: r.get(2)?,
                    created: r.get::<_, Option<bool>>(3)?.unwrap_or(false),
                    payload_json: super::read_payload(r, 4, 12)?,
                    tags_before: r.get(5)?,
                    tags_added: r.get(6)?,
                    tags_removed: r.get(7)?,
                    note_ids: r.get(8)?,
                    task_ids: r.get(9)?,
                    updated_at: r.get(10)?,
                    write_date: r.get(11)?,
                })
            },
        )
    }
}
