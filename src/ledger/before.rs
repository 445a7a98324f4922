//! What an import keeps so that it can be undone: the before-image of every existing contact a
//! row was about to write (`import --undoable`), the body each such row sent, and the
//! `dateUpdated` HighLevel returned for the run's own write of a row's contact (every run), so
//! that an undo can tell the run's changes from someone else's.
//!
//! Tables of their own (schema version 2, `schema.rs`): a ledger written before them gets them
//! empty when it is opened, and an undo of it finds no before-images (its updated contacts are
//! then listed as not reversible).

use rusqlite::{params, OptionalExtension};

use super::{Ledger, LedgerError};

/// Records a write's `dateUpdated` (see [`Ledger::record_write_date`]) on `conn`, inside
/// whatever transaction the caller holds.
pub(super) fn write_date_in(
    conn: &rusqlite::Connection,
    row: u64,
    date_updated: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO row_writes (row, date_updated) VALUES (?1, ?2) \
         ON CONFLICT (row) DO UPDATE SET date_updated = excluded.date_updated",
    )?
    .execute(params![row as i64, date_updated])
    .map(|_| ())
}

/// One row's before-images, as taken just before its contact was written.
#[derive(Debug, Clone, PartialEq)]
pub struct BeforeCapture {
    /// The 1-based data row.
    pub row: u64,
    /// The contact fields the row sends, JSON (`ContactFields`).
    pub sent_json: String,
    /// Each matching contact: (id, dateUpdated, the contact as JSON).
    pub images: Vec<(String, Option<String>, String)>,
}

/// A contact's earliest before-image.
#[derive(Debug, Clone, PartialEq)]
pub struct BeforeImage {
    /// The row whose capture took it.
    pub row: u64,
    /// The contact as HighLevel returned it, JSON.
    pub contact_json: String,
}

impl Ledger {
    /// Whether this run keeps before-images: the choice of its first start (`undoable`,
    /// recorded now when there is none yet); a resume keeps it.
    pub fn pin_undoable(&self, undoable: bool) -> Result<bool, LedgerError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO delivery_settings (key, value) VALUES ('undoable', ?1)",
                params![if undoable { "1" } else { "0" }],
            )
            .map_err(|e| self.err(e))?;
        self.undoable()
    }

    /// Whether the run keeps before-images (`import --undoable`).
    pub fn undoable(&self) -> Result<bool, LedgerError> {
        let value: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM delivery_settings WHERE key = 'undoable'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(value.as_deref() == Some("1"))
    }

    /// Of these rows, those whose before-images were taken already.
    pub fn captured_rows(&self, rows: &[u64]) -> Result<Vec<u64>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM before_rows WHERE row = ?1")
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for &row in rows {
            let found: Option<i64> = stmt
                .query_row(params![row as i64], |r| r.get(0))
                .optional()
                .map_err(|e| self.err(e))?;
            if found.is_some() {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// Records rows' before-images in one transaction. A row captured already keeps its first
    /// images: the later ones may show this run's own write.
    pub fn record_before(
        &mut self,
        captures: &[BeforeCapture],
        now: &str,
    ) -> Result<(), LedgerError> {
        self.in_transaction(|tx| {
            let mut row_stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO before_rows (row, captured_at, sent_json) \
                 VALUES (?1, ?2, ?3)",
            )?;
            let mut image = tx.prepare_cached(
                "INSERT INTO before_images (row, contact_id, date_updated, contact_json) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for capture in captures {
                let inserted =
                    row_stmt.execute(params![capture.row as i64, now, capture.sent_json])?;
                if inserted == 0 {
                    continue;
                }
                for (id, updated, json) in &capture.images {
                    image.execute(params![capture.row as i64, id, updated, json])?;
                }
            }
            Ok(())
        })
    }

    /// Records the `dateUpdated` the run's write of a row's contact returned (the last one
    /// wins: a resumed row writes again).
    pub fn record_write_date(
        &self,
        row: u64,
        date_updated: Option<&str>,
    ) -> Result<(), LedgerError> {
        write_date_in(&self.conn, row, date_updated).map_err(|e| self.err(e))
    }

    /// The `dateUpdated` the run's write of the row's contact returned, if recorded.
    pub fn write_date(&self, row: u64) -> Result<Option<String>, LedgerError> {
        self.row_text("SELECT date_updated FROM row_writes WHERE row = ?1", row)
    }

    /// The fields a row sent, when its before-images were taken.
    pub fn sent_fields(&self, row: u64) -> Result<Option<String>, LedgerError> {
        self.row_text("SELECT sent_json FROM before_rows WHERE row = ?1", row)
    }

    /// A contact's earliest before-image, if any row of the run took one.
    pub fn before_image(&self, contact_id: &str) -> Result<Option<BeforeImage>, LedgerError> {
        self.conn
            .query_row(
                "SELECT row, contact_json FROM before_images WHERE contact_id = ?1 \
                 ORDER BY seq LIMIT 1",
                params![contact_id],
                |r| {
                    Ok(BeforeImage {
                        row: r.get::<_, i64>(0)? as u64,
                        contact_json: r.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger() -> (tempfile::TempDir, Ledger) {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        ledger.make_durable().unwrap();
        (dir, ledger)
    }

    #[test]
    fn a_rows_first_capture_wins_and_a_contacts_earliest_image_is_used() {
        let (_dir, mut ledger) = ledger();
        assert!(ledger.pin_undoable(true).unwrap());
        assert!(
            ledger.pin_undoable(false).unwrap(),
            "a resume keeps the first choice"
        );
        let first = BeforeCapture {
            row: 3,
            sent_json: r#"{"firstName":"New"}"#.into(),
            images: vec![(
                "c1".into(),
                Some("t1".into()),
                r#"{"id":"c1","firstName":"Old"}"#.into(),
            )],
        };
        ledger
            .record_before(std::slice::from_ref(&first), "now")
            .unwrap();
        let again = BeforeCapture {
            images: vec![(
                "c1".into(),
                Some("t2".into()),
                r#"{"id":"c1","firstName":"New"}"#.into(),
            )],
            ..first
        };
        ledger.record_before(&[again], "later").unwrap();
        let later_row = BeforeCapture {
            row: 9,
            sent_json: "{}".into(),
            images: vec![(
                "c1".into(),
                None,
                r#"{"id":"c1","firstName":"Newer"}"#.into(),
            )],
        };
        ledger.record_before(&[later_row], "later").unwrap();
        let image = ledger.before_image("c1").unwrap().unwrap();
        assert_eq!(image.row, 3);
        assert!(image.contact_json.contains("Old"));
        assert_eq!(ledger.captured_rows(&[1, 3, 9]).unwrap(), vec![3, 9]);
        assert_eq!(
            ledger.sent_fields(3).unwrap().unwrap(),
            r#"{"firstName":"New"}"#
        );
        assert!(ledger.before_image("c2").unwrap().is_none());
        ledger.record_write_date(3, Some("a")).unwrap();
        ledger.record_write_date(3, Some("b")).unwrap();
        assert_eq!(ledger.write_date(3).unwrap().as_deref(), Some("b"));
        assert_eq!(ledger.write_date(4).unwrap(), None);
    }
}
