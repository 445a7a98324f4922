//! What the delivery modes record beside `rows`: when a row was first sent (to tell a contact
//! this run created from one that existed, after a lost answer), the tags it removed and the
//! business it set (for a future undo), and the run's delivery mode (a resume keeps it).

use rusqlite::{params, OptionalExtension};

use super::super::{Ledger, LedgerError, RowState};

/// Keeps the first time only: a resend must not move it later.
pub(super) const FIRST_SENT: &str =
    "INSERT OR IGNORE INTO delivery_rows (row, first_sent_at) VALUES (?1, ?2)";

/// Forgets the first send time of a row marked but never sent (its only delivery record then).
pub(super) const FORGET_FIRST_SENT: &str = "DELETE FROM delivery_rows WHERE row = ?1";

/// Adds to what an earlier attempt recorded, never erasing it with nothing.
pub(super) const RECORD: &str = "INSERT INTO delivery_rows (row, tags_removed_json, business_id) \
     VALUES (?1, ?2, ?3) ON CONFLICT (row) DO UPDATE SET \
     tags_removed_json = COALESCE(excluded.tags_removed_json, tags_removed_json), \
     business_id = COALESCE(excluded.business_id, business_id)";

/// Records a row's contact (see [`Ledger::record_contact_seen`]) on `conn`, inside whatever
/// transaction the caller holds.
pub(super) fn contact_seen_in(
    conn: &rusqlite::Connection,
    row: u64,
    contact_id: &str,
    created: bool,
    tags_before: &[String],
) -> rusqlite::Result<()> {
    let tags = serde_json::to_string(tags_before).unwrap_or_default();
    conn.prepare_cached(
        "UPDATE rows SET contact_id = ?2, \
         created = CASE WHEN created = 1 THEN 1 ELSE ?3 END, \
         tags_before_json = COALESCE(tags_before_json, ?4) WHERE row = ?1",
    )?
    .execute(params![row as i64, contact_id, created, tags])
    .map(|_| ())
}

/// A delivered (or refused) row with everything delivery recorded about it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeliveredRow {
    /// The 1-based data row.
    pub row: u64,
    /// `Created`, `Updated`, `Unchanged`, `Rejected` or `Failed`.
    pub state: RowState,
    /// HighLevel's id of the row's contact.
    pub contact_id: Option<String>,
    /// Whether this run created the contact.
    pub created: Option<bool>,
    /// The contact's tags when this run first saw it.
    pub tags_before: Vec<String>,
    /// Tags this run added.
    pub tags_added: Vec<String>,
    /// Tags this run removed.
    pub tags_removed: Vec<String>,
    /// Tasks this run created.
    pub task_ids: Vec<String>,
    /// The business this run attached the contact to.
    pub business_id: Option<String>,
    /// For refused rows: the code (e.g. `not_found`).
    pub code: Option<String>,
}

impl Ledger {
    /// The delivery mode this run uses: the one recorded by its first delivery, or `mode`
    /// (recorded now) when there is none yet.
    pub fn pin_delivery_mode(&self, mode: &str) -> Result<String, LedgerError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO delivery_settings (key, value) VALUES ('mode', ?1)",
                params![mode],
            )
            .map_err(|e| self.err(e))?;
        self.delivery_mode()
            .map(|m| m.unwrap_or_else(|| mode.to_string()))
    }

    /// Records a row's contact as soon as it is known, before any tag is added or removed: a
    /// stop or a crash before the row's result is written leaves the contact id, whether this
    /// run created it, and its tags before any change (the first seen wins) for an undo. The
    /// row stays in doubt.
    pub fn record_contact_seen(
        &self,
        row: u64,
        contact_id: &str,
        created: bool,
        tags_before: &[String],
    ) -> Result<(), LedgerError> {
        contact_seen_in(&self.conn, row, contact_id, created, tags_before).map_err(|e| self.err(e))
    }

    /// The delivery mode recorded by the run's first delivery, if it got that far.
    pub fn delivery_mode(&self) -> Result<Option<String>, LedgerError> {
        self.conn
            .query_row(
                "SELECT value FROM delivery_settings WHERE key = 'mode'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every row delivery finished (delivered, unchanged, refused or failed), in row order.
    pub fn delivered_rows(&self) -> Result<Vec<DeliveredRow>, LedgerError> {
        let list = |json: Option<String>| -> Vec<String> {
            json.and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or_default()
        };
        self.query_all(
            "SELECT r.row, r.state, r.contact_id, r.created, r.tags_added_json, \
             d.tags_removed_json, r.task_ids_json, d.business_id, r.code, r.tags_before_json \
             FROM rows r \
             LEFT JOIN delivery_rows d ON d.row = r.row \
             WHERE r.state IN ('created', 'updated', 'unchanged', 'failed') \
             OR (r.state = 'rejected' AND r.stage = 'deliver') ORDER BY r.row",
            [],
            |r| {
                Ok(DeliveredRow {
                    row: r.get::<_, i64>(0)? as u64,
                    state: r.get(1)?,
                    contact_id: r.get(2)?,
                    created: r.get(3)?,
                    tags_added: list(r.get(4)?),
                    tags_removed: list(r.get(5)?),
                    task_ids: list(r.get(6)?),
                    business_id: r.get(7)?,
                    code: r.get(8)?,
                    tags_before: list(r.get(9)?),
                })
            },
        )
    }
}
