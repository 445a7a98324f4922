//! What the local staging stage writes into the run ledger: each row as staged (in chunks,
//! one transaction each), dedupe's merges, and the staged contacts read back for delivery.

use rusqlite::{params, OptionalExtension};

use super::{payload, read_payload, Ledger, LedgerError, Rejection, RowState, STAGING_CACHE};
use crate::contact::Contact;

/// One row as staged.
#[derive(Debug, Clone, PartialEq)]
pub struct StagedRow {
    /// The 1-based data row.
    pub row: u64,
    /// `Pending` or `Rejected` (the local pipeline's states; the rest are the delivery's).
    pub state: RowState,
    /// The normalised contact as JSON (pending rows).
    pub payload_json: Option<String>,
    /// Normalised email (identity key).
    pub email: Option<String>,
    /// E.164 phone (identity key).
    pub phone: Option<String>,
    /// Why it was refused (rejected rows).
    pub rejection: Option<Rejection>,
    /// All issues as JSON, when there are any.
    pub issues_json: Option<String>,
    /// The input cells as JSON (every row: the report files repeat the input's columns).
    pub cells_json: String,
}

impl StagedRow {
    /// A row refused before staging: no payload and no identity keys, only why and its cells.
    pub fn rejected(
        row: u64,
        rejection: Rejection,
        issues_json: Option<String>,
        cells_json: String,
    ) -> StagedRow {
        StagedRow {
            row,
            state: RowState::Rejected,
            payload_json: None,
            email: None,
            phone: None,
            rejection: Some(rejection),
            issues_json,
            cells_json,
        }
    }

    /// A pending row whose payload is just `email`, with the given input cells (JSON).
    #[cfg(test)]
    pub(crate) fn pending_with_email(row: u64, email: String, cells_json: String) -> StagedRow {
        StagedRow {
            row,
            state: RowState::Pending,
            payload_json: Some(format!(r#"{{"email":"{email}"}}"#)),
            email: Some(email),
            phone: None,
            rejection: None,
            issues_json: None,
            cells_json,
        }
    }
}

/// A pending row's payload in its stored form, made where the contact is (on the normalising
/// workers, in parallel) so that the ledger thread only binds it: the bytes `stage` makes of
/// the contact's JSON text (issue 20).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPayload(Vec<u8>);

impl StoredPayload {
    /// `contact`'s stored form for a row whose identity columns are `email` and `phone`.
    pub fn of(contact: &Contact, email: Option<&str>, phone: Option<&str>) -> Option<Self> {
        payload::encode_contact(contact, email, phone).map(StoredPayload)
    }
}

impl Ledger {
    /// Stages one chunk of rows in one transaction.
    pub fn stage(&mut self, rows: &[StagedRow]) -> Result<(), LedgerError> {
        self.insert_rows(rows.iter().map(|r| (r, None)))
    }

    /// [`Ledger::stage`] for rows whose payloads the caller already put in their stored form
    /// (`None`: the row's `payload_json`, if any, is encoded here as by `stage`).
    pub fn stage_stored(
        &mut self,
        rows: &[(StagedRow, Option<StoredPayload>)],
    ) -> Result<(), LedgerError> {
        self.insert_rows(rows.iter().map(|(r, p)| (r, p.as_ref())))
    }

    fn insert_rows<'r>(
        &mut self,
        rows: impl Iterator<Item = (&'r StagedRow, Option<&'r StoredPayload>)>,
    ) -> Result<(), LedgerError> {
        self.in_transaction(|tx| {
            // Two statements, so that a pending row (most of a file) binds neither its state
            // nor the four NULLs of a rejection: the row stored is the same either way (issue
            // 20: every bound text is copied by SQLite).
            let mut insert_pending = tx.prepare_cached(
                "INSERT INTO rows (row, state, payload_json, email, phone, issues_json, \
                 cells_json) VALUES (?1, 'pending', ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO rows (row, state, payload_json, email, phone, stage, code, \
                 field, message, issues_json, cells_json) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for (r, stored) in rows {
                let encoded = match stored {
                    Some(_) => None,
                    None => r
                        .payload_json
                        .as_deref()
                        .map(|p| payload::encode(p, r.email.as_deref(), r.phone.as_deref())),
                };
                let payload = stored.map(|s| s.0.as_slice()).or(encoded.as_deref());
                let rejection = r.rejection.as_ref();
                if r.state == RowState::Pending && rejection.is_none() {
                    insert_pending.execute(params![
                        r.row as i64,
                        payload,
                        r.email,
                        r.phone,
                        r.issues_json,
                        r.cells_json,
                    ])?;
                    continue;
                }
                insert.execute(params![
                    r.row as i64,
                    r.state.as_str(),
                    payload,
                    r.email,
                    r.phone,
                    rejection.map(|j| &j.stage),
                    rejection.map(|j| &j.code),
                    rejection.map(|j| &j.field),
                    rejection.map(|j| &j.message),
                    r.issues_json,
                    r.cells_json,
                ])?;
            }
            Ok(())
        })
    }

    /// Builds the indexes a new ledger leaves out while it is staged (`schema::INDEXES`), once
    /// every row is in: the staging thread calls it while dedupe resolves its groups.
    ///
    /// The build sorts a key per row. Its runs go to a temporary file rather than to memory
    /// (the bundled SQLite's default), with an 8 MiB cache while it sorts: it runs while
    /// dedupe resolves, the run's peak of memory (issue 20: about 60 MB of a million-row
    /// run's peak); the 32 MiB cache comes back for dedupe's merges.
    pub fn build_indexes(&self) -> Result<(), LedgerError> {
        self.conn
            .execute_batch(&format!(
                "PRAGMA temp_store = FILE; PRAGMA cache_size = -8192; {} \
                 PRAGMA cache_size = {STAGING_CACHE}; PRAGMA temp_store = DEFAULT;",
                super::schema::INDEXES
            ))
            .map_err(|e| self.err(e))
    }

    /// The staged contact of each of these rows (pending rows only), in the order asked, read
    /// from its payload. Ask in ascending order where possible: neighbouring rows then share
    /// their B-tree pages.
    pub fn payloads(&self, rows: &[u64]) -> Result<Vec<(u64, Contact)>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT payload_json, email, phone FROM rows WHERE row = ?1 AND state = 'pending'",
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(rows.len());
        for &row in rows {
            let payload: Option<Option<String>> = stmt
                .query_row(params![row as i64], |r| read_payload(r, 0, 1))
                .optional()
                .map_err(|e| self.err(e))?;
            if let Some(Some(p)) = payload {
                out.push((row, self.contact(row, &p)?));
            }
        }
        Ok(out)
    }

    /// Every row's stored payload as JSON, whatever its state, in row order (small runs and
    /// tests: the commands read the payloads of the rows they work on).
    pub fn stored_payloads(&self) -> Result<Vec<(u64, String)>, LedgerError> {
        self.query_all(
            "SELECT row, payload_json, email, phone FROM rows WHERE payload_json IS NOT NULL \
             ORDER BY row",
            [],
            |r| {
                let payload = read_payload(r, 1, 2)?.unwrap_or_default();
                Ok((r.get::<_, i64>(0)? as u64, payload))
            },
        )
    }

    /// Writes dedupe's result for many groups in one transaction: each group's survivor gets
    /// the merged payload; the others become `merged` into it. Rows are written in ascending
    /// order whatever the groups' order, so each B-tree page is visited once per batch.
    pub fn apply_merges(&mut self, groups: &[MergedGroup]) -> Result<(), LedgerError> {
        enum Write<'a> {
            Survivor(&'a str),
            Merged(u64, &'a str, &'a str),
        }
        let mut writes: Vec<(u64, Write<'_>)> = Vec::new();
        for g in groups {
            writes.push((g.survivor, Write::Survivor(&g.payload_json)));
            for (m, key, value) in &g.merged {
                writes.push((*m, Write::Merged(g.survivor, key, value)));
            }
        }
        writes.sort_unstable_by_key(|(row, _)| *row);
        self.in_transaction(|tx| {
            // The survivor's payload refers to its own email and phone columns where it
            // holds the same values, as staged payloads do: it stays about the size it was
            // (a row that grows splits its page).
            let mut keys = tx.prepare_cached("SELECT email, phone FROM rows WHERE row = ?1")?;
            let mut survivor =
                tx.prepare_cached("UPDATE rows SET payload_json = ?2 WHERE row = ?1")?;
            // The shared value is the merged row's own email or phone (`merged_key`) in every
            // group dedupe makes: stored only when it is not, read back by `each_merged`.
            let mut merged = tx.prepare_cached(
                "UPDATE rows SET state = 'merged', merged_into = ?2, merged_key = ?3, \
                 merged_value = CASE WHEN ?3 = 'email' AND email IS ?4 THEN NULL \
                 WHEN ?3 = 'phone' AND phone IS ?4 THEN NULL ELSE ?4 END WHERE row = ?1",
            )?;
            for (row, write) in writes {
                match write {
                    Write::Survivor(json) => {
                        let (email, phone): (Option<String>, Option<String>) =
                            keys.query_row(params![row as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
                        let stored = payload::encode(json, email.as_deref(), phone.as_deref());
                        survivor.execute(params![row as i64, stored])
                    }
                    Write::Merged(into, key, value) => {
                        merged.execute(params![row as i64, into as i64, key, value])
                    }
                }?;
            }
            Ok(())
        })
    }
}

/// One dedupe group as written back.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedGroup {
    /// The row delivered for the group (the first in file order).
    pub survivor: u64,
    /// Its merged payload, JSON.
    pub payload_json: String,
    /// The other rows of the group, each with the key (`email`/`phone`) and value it shares
    /// with another row of the group.
    pub merged: Vec<(u64, String, String)>,
}

#[cfg(test)]
mod tests;
