//! The HTML report's questions to the ledger, answered with aggregate queries: the run record,
//! rejected and failed rows per reason, dedupe groups by size, honest-result warnings per code,
//! each with a few example rows. Nothing reads every row into memory: a million-row run costs a
//! few indexed scans.

use rusqlite::{params, Connection, OptionalExtension};

use super::{Ledger, LedgerError};

/// Reasons (or warning codes) listed with their examples; the rest are summed in one line.
pub const TOP_REASONS: usize = 10;
/// Example rows per reason.
pub const EXAMPLES: usize = 3;
/// Dedupe groups listed by size.
pub const TOP_GROUPS: usize = 8;

/// The run record as the report shows it.
#[derive(Debug, Clone, Default)]
pub struct RunOverview {
    /// The version of ghl-bulk that started the run.
    pub tool_version: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// RFC 3339, UTC; `None` while the run has not ended.
    pub finished_at: Option<String>,
    /// The input file, as given.
    pub input_path: String,
    /// Its size in bytes.
    pub input_size: u64,
    /// The mapping file, as given.
    pub mapping_path: String,
    /// The process's exit code, once it ended.
    pub exit_code: Option<u8>,
    /// The recorded summary (summary.json's content), once there is one.
    pub summary_json: Option<String>,
    /// The header row, JSON.
    pub headers_json: String,
}

/// One reject reason or warning code, with a few example rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reason {
    /// `rejected` or `failed` (empty for warnings).
    pub state: String,
    /// `read`, `validate`, `deliver` (empty for warnings).
    pub stage: String,
    /// The stable issue or warning code.
    pub code: String,
    /// The contact field concerned (may be empty).
    pub field: String,
    /// Rows with this reason.
    pub count: u64,
    /// The first few such rows, in row order.
    pub examples: Vec<Example>,
}

/// One example row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Example {
    /// The row number in the file.
    pub row: u64,
    /// What is wrong, for a person.
    pub message: String,
    /// The input cells (empty for warnings, whose message carries the values).
    pub cells: Vec<String>,
}

/// Dedupe's result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Merges {
    /// Rows folded into another row.
    pub rows: u64,
    /// Groups of two rows or more.
    pub groups: u64,
    /// (rows in the group, groups of that size).
    pub sizes: Vec<(u64, u64)>,
    /// The largest groups.
    pub largest: Vec<Group>,
}

/// One dedupe group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Group {
    /// The row delivered for the group.
    pub survivor: u64,
    /// Rows in the group, the survivor included.
    pub size: u64,
    /// The keys its rows were matched on (`email`, `phone`).
    pub keys: String,
    /// The survivor's normalised email.
    pub email: Option<String>,
    /// The survivor's E.164 phone.
    pub phone: Option<String>,
}

impl Ledger {
    /// The run record, if staging got as far as writing it.
    pub fn run_overview(&self) -> Result<Option<RunOverview>, LedgerError> {
        self.conn
            .query_row(
                "SELECT tool_version, started_at, finished_at, input_path, input_size, \
                 mapping_path, exit_code, summary_json, headers_json FROM run WHERE id = 1",
                [],
                |r| {
                    Ok(RunOverview {
                        tool_version: r.get(0)?,
                        started_at: r.get(1)?,
                        finished_at: r.get(2)?,
                        input_path: r.get(3)?,
                        input_size: r.get::<_, i64>(4)? as u64,
                        mapping_path: r.get(5)?,
                        exit_code: r.get::<_, Option<i64>>(6)?.map(|c| c as u8),
                        summary_json: r.get(7)?,
                        headers_json: r.get(8)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Rejected and failed rows by reason, largest first, the top ones with examples.
    pub fn reject_reasons(&self) -> Result<Vec<Reason>, LedgerError> {
        let (mut reasons, mut from_input) = rejects(&self.conn).map_err(|e| self.err(e))?;
        // The examples whose cells the ledger keeps by position, read from the input in one
        // pass in row order. An input that cannot give them costs the examples their cells
        // (as unreadable stored cells do): the reject files say what is wrong with it.
        from_input.sort_unstable_by_key(|(row, _, _, _)| *row);
        let mut input = super::input_cells::RowCells::new(self);
        for (row, reason, example, stored) in from_input {
            match input.cells(row, &stored) {
                Ok(cells) => reasons[reason].examples[example].cells = cells,
                Err(e) => {
                    tracing::warn!(error = %e, "Example rows shown without their cells.");
                    break;
                }
            }
        }
        Ok(reasons)
    }

    /// Merged rows and their groups.
    pub fn merge_overview(&self) -> Result<Merges, LedgerError> {
        merges(&self.conn).map_err(|e| self.err(e))
    }

    /// Honest-result warnings per (code, field), largest first, the top ones with examples.
    pub fn delivery_warning_reasons(&self) -> Result<Vec<Reason>, LedgerError> {
        warnings(&self.conn).map_err(|e| self.err(e))
    }

    /// Rows with at least one honest-result warning.
    pub fn rows_with_delivery_warnings(&self) -> Result<u64, LedgerError> {
        self.conn
            .query_row(
                "SELECT COUNT(DISTINCT row) FROM delivery_warnings",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }
}

/// Rejected and failed rows per (state, stage, code, field), largest first, the top ones with
/// examples. The state index makes each example query read only that state's rows.
/// Also returns the examples whose cells are the input's (row, reason, example, stored cells).
#[allow(clippy::type_complexity)]
fn rejects(conn: &Connection) -> rusqlite::Result<(Vec<Reason>, Vec<(u64, usize, usize, String)>)> {
    let mut stmt = conn.prepare(
        "SELECT state, COALESCE(stage, ''), COALESCE(code, ''), COALESCE(field, ''), COUNT(*) \
         AS n FROM rows WHERE state IN ('rejected', 'failed') GROUP BY 1, 2, 3, 4 \
         ORDER BY n DESC, 3, 4 LIMIT 1000",
    )?;
    let mut reasons: Vec<Reason> = stmt
        .query_map([], |r| {
            Ok(Reason {
                state: r.get(0)?,
                stage: r.get(1)?,
                code: r.get(2)?,
                field: r.get(3)?,
                count: r.get::<_, i64>(4)? as u64,
                examples: Vec::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut examples = conn.prepare(
        "SELECT row, COALESCE(message, ''), cells_json FROM rows WHERE state = ?1 \
         AND COALESCE(stage, '') = ?2 AND COALESCE(code, '') = ?3 AND COALESCE(field, '') = ?4 \
         ORDER BY row LIMIT ?5",
    )?;
    let mut from_input = Vec::new();
    for (i, reason) in reasons.iter_mut().take(TOP_REASONS).enumerate() {
        let rows = examples.query_map(
            params![
                reason.state,
                reason.stage,
                reason.code,
                reason.field,
                EXAMPLES as i64
            ],
            |r| {
                let cells = r.get::<_, String>(2)?;
                let example = Example {
                    row: r.get::<_, i64>(0)? as u64,
                    message: r.get(1)?,
                    // Unreadable cells only cost the example its cells.
                    cells: serde_json::from_str(&cells).unwrap_or_default(),
                };
                Ok((
                    example,
                    super::input_cells::cells_in_input(&cells).then_some(cells),
                ))
            },
        )?;
        for (example, in_input) in rows.collect::<Result<Vec<_>, _>>()? {
            if let Some(stored) = in_input {
                from_input.push((example.row, i, reason.examples.len(), stored));
            }
            reason.examples.push(example);
        }
    }
    Ok((reasons, from_input))
}

fn merges(conn: &Connection) -> rusqlite::Result<Merges> {
    // One pass over the merged rows gives the sizes; the totals follow from them.
    let mut stmt = conn.prepare(
        "SELECT n + 1 AS size, COUNT(*) FROM (SELECT COUNT(*) AS n FROM rows \
         WHERE state = 'merged' GROUP BY merged_into) GROUP BY size ORDER BY size",
    )?;
    let sizes: Vec<(u64, u64)> = stmt
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64))
        })?
        .collect::<Result<_, _>>()?;
    if sizes.is_empty() {
        return Ok(Merges::default());
    }
    let groups = sizes.iter().map(|s| s.1).sum();
    let rows = sizes.iter().map(|(size, n)| (size - 1) * n).sum();
    let mut stmt = conn.prepare(
        "SELECT g.merged_into, g.size, g.keys, s.email, s.phone FROM (SELECT merged_into, \
         COUNT(*) + 1 AS size, GROUP_CONCAT(DISTINCT merged_key) AS keys FROM rows \
         WHERE state = 'merged' GROUP BY merged_into ORDER BY size DESC, merged_into LIMIT ?1) g \
         LEFT JOIN rows s ON s.row = g.merged_into ORDER BY g.size DESC, g.merged_into",
    )?;
    let largest = stmt
        .query_map(params![TOP_GROUPS as i64], |r| {
            Ok(Group {
                survivor: r.get::<_, i64>(0)? as u64,
                size: r.get::<_, i64>(1)? as u64,
                keys: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                email: r.get(3)?,
                phone: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Merges {
        rows,
        groups,
        sizes,
        largest,
    })
}

/// Honest-result warnings per (code, field); none when delivery never ran.
fn warnings(conn: &Connection) -> rusqlite::Result<Vec<Reason>> {
    let mut stmt = conn.prepare(
        "SELECT code, field, COUNT(*) AS n FROM delivery_warnings GROUP BY code, field \
         ORDER BY n DESC, code, field LIMIT 1000",
    )?;
    let mut reasons: Vec<Reason> = stmt
        .query_map([], |r| {
            Ok(Reason {
                code: r.get(0)?,
                field: r.get(1)?,
                count: r.get::<_, i64>(2)? as u64,
                ..Reason::default()
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut examples = conn.prepare(
        "SELECT row, message FROM delivery_warnings WHERE code = ?1 AND field = ?2 \
         ORDER BY row LIMIT ?3",
    )?;
    for reason in reasons.iter_mut().take(TOP_REASONS) {
        let rows =
            examples.query_map(params![reason.code, reason.field, EXAMPLES as i64], |r| {
                Ok(Example {
                    row: r.get::<_, i64>(0)? as u64,
                    message: r.get(1)?,
                    cells: Vec::new(),
                })
            })?;
        reason.examples = rows.collect::<Result<_, _>>()?;
    }
    Ok(reasons)
}
