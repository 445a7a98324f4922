//! A location's share of a staged ledger (`import --location-column`): the rows' input cells
//! read once to learn which rows go where, then one ledger per location holding the run
//! record and only that location's rows, so that its delivery, reports and summary see its
//! rows alone. Staging writes the `run`, `meta` and `rows` tables only; the others are
//! filled by delivery, in each location's own ledger.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::params;

use super::{sql, Ledger, LedgerError};

impl Ledger {
    /// Hands every row's number and input cells to `f`, in row order, one at a time (a
    /// million-row ledger is never held).
    pub fn each_row_cells(&self, mut f: impl FnMut(u64, &[String])) -> Result<(), LedgerError> {
        let mut failed = None;
        let mut input = super::input_cells::RowCells::new(self);
        self.stream_rows(
            "SELECT row, cells_json FROM rows ORDER BY row",
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?)),
            |(row, json)| {
                match input.cells(row, &json) {
                    Ok(cells) => f(row, &cells),
                    Err(e) => failed = failed.take().or(Some(e)),
                }
                Ok::<(), LedgerError>(())
            },
        )?;
        failed.map_or(Ok(()), Err)
    }

    /// A new ledger at `to` (which must not exist) with the run record and metadata of the
    /// staged ledger at `from` and only the rows numbered in `rows`, ready for delivery (WAL,
    /// reports marked not written). `from` must be closed by its writer (staging is over).
    pub fn create_subset(from: &Path, to: &Path, rows: &[u64]) -> Result<Ledger, LedgerError> {
        let mut ledger = Ledger::create(to)?;
        let source = from.to_string_lossy().into_owned();
        let path = ledger.path.clone();
        let tx = ledger.conn.transaction().map_err(|e| sql(&path, e))?;
        tx.execute_batch("CREATE TEMP TABLE kept (row INTEGER PRIMARY KEY);")
            .map_err(|e| sql(&path, e))?;
        {
            let mut keep = tx
                .prepare("INSERT INTO temp.kept (row) VALUES (?1)")
                .map_err(|e| sql(&path, e))?;
            for &row in rows {
                keep.execute(params![row as i64])
                    .map_err(|e| sql(&path, e))?;
            }
        }
        tx.commit().map_err(|e| sql(&path, e))?;
        // ATTACH cannot run inside a transaction; the copy itself is one. The location's rows
        // are looked up one by one (CROSS JOIN keeps `kept` the outer loop): a location's copy
        // costs its own rows, not a scan of the whole file's.
        ledger
            .conn
            .execute("ATTACH DATABASE ?1 AS staged", params![source])
            .map_err(|e| sql(from, e))?;
        let copied = ledger.conn.execute_batch(
            "BEGIN; \
             INSERT INTO main.run SELECT * FROM staged.run; \
             INSERT OR REPLACE INTO main.meta SELECT * FROM staged.meta; \
             INSERT INTO main.rows SELECT s.* FROM temp.kept AS k \
                 CROSS JOIN staged.rows AS s ON s.row = k.row ORDER BY k.row; \
             COMMIT;",
        );
        let detached = ledger.conn.execute_batch("DETACH DATABASE staged;");
        copied.map_err(|e| sql(from, e))?;
        detached.map_err(|e| sql(from, e))?;
        ledger
            .conn
            .execute_batch("DROP TABLE temp.kept;")
            .map_err(|e| sql(&path, e))?;
        ledger.reports_stale()?;
        ledger.make_durable()?;
        Ok(ledger)
    }

    /// Issue code → how many times the rows carry it, as staging counts them: every issue
    /// of a row (warnings included), and a rejected row's code when its issues do not hold it
    /// (a read defect, a dedupe conflict, an unknown location).
    pub fn issue_counts(&self) -> Result<BTreeMap<String, u64>, LedgerError> {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        self.stream_rows(
            "SELECT state, code, issues_json FROM rows ORDER BY row",
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            },
            |(state, code, issues)| {
                let listed: Vec<String> = issues
                    .as_deref()
                    .and_then(|json| serde_json::from_str::<serde_json::Value>(json).ok())
                    .and_then(|v| v.as_array().cloned())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|issue| issue["code"].as_str().map(str::to_string))
                    .collect();
                if let Some(code) = code.filter(|c| state == "rejected" && !listed.contains(c)) {
                    *counts.entry(code).or_default() += 1;
                }
                for code in listed {
                    *counts.entry(code).or_default() += 1;
                }
                Ok::<(), LedgerError>(())
            },
        )?;
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Rejection, RowState, RunMeta, StagedRow};

    fn staged(row: u64, email: &str) -> StagedRow {
        StagedRow::pending_with_email(row, email.into(), format!("[\"{email}\",\"L{}\"]", row % 2))
    }

    #[test]
    fn a_subset_holds_the_run_record_and_only_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("ledger.db");
        {
            let mut ledger = Ledger::create(&from).unwrap();
            ledger
                .write_run(
                    &RunMeta {
                        tool_version: "t".into(),
                        started_at: "2026-01-01T00:00:00Z".into(),
                        input_path: "in.csv".into(),
                        input_size: 1,
                        input_blake3: "b".into(),
                        mapping_path: "m.toml".into(),
                        mapping_blake3: "m".into(),
                        options_json: "{}".into(),
                        headers_json: "[\"Email\",\"Loc\"]".into(),
                    },
                    None,
                )
                .unwrap();
            let mut rejected = staged(4, "bad");
            rejected.state = RowState::Rejected;
            rejected.payload_json = None;
            rejected.rejection = Some(Rejection::new("validate", "email_invalid", "email", "x"));
            ledger
                .stage(&[
                    staged(1, "a@x.co"),
                    staged(2, "b@x.co"),
                    staged(3, "c@x.co"),
                    rejected,
                ])
                .unwrap();
            ledger.make_durable().unwrap();
        }
        let source = Ledger::open(&from).unwrap();
        let mut seen = Vec::new();
        source
            .each_row_cells(|row, cells| seen.push((row, cells[1].clone())))
            .unwrap();
        assert_eq!(seen[0], (1, "L1".to_string()));
        assert_eq!(seen.len(), 4);
        drop(source);

        let sub = Ledger::create_subset(&from, &dir.path().join("sub.db"), &[1, 3]).unwrap();
        assert_eq!(sub.state_counts().unwrap().total(), 2);
        assert_eq!(sub.run_record().unwrap().input_path, "in.csv");
        let other = Ledger::create_subset(&from, &dir.path().join("other.db"), &[2, 4]).unwrap();
        let counts = other.state_counts().unwrap();
        assert_eq!(counts.get(RowState::Rejected), 1);
        assert_eq!(counts.get(RowState::Pending), 1);
        assert_eq!(other.issue_counts().unwrap().get("email_invalid"), Some(&1));
        // The source is whole.
        assert_eq!(
            Ledger::open(&from).unwrap().state_counts().unwrap().total(),
            4
        );
    }
}
