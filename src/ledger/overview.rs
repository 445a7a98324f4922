//! What the HTML report shows, gathered from the ledger with aggregate queries: counts per
//! outcome, per reject reason, per warning code and per dedupe group size, plus a handful of
//! example rows for each. Nothing here reads every row into memory, so a million-row run costs
//! a few indexed scans and the page stays the same size.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use crate::ledger::{Ledger, LedgerError, RequestSession};

/// Reasons (or warning codes) listed with their examples; the rest are summed in one line.
pub(crate) const TOP_REASONS: usize = 10;
/// Example rows per reason.
pub(crate) const EXAMPLES: usize = 3;
/// Dedupe groups listed by size.
pub(crate) const TOP_GROUPS: usize = 8;

/// Everything the page shows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Facts {
    /// The run folder (the ledger's folder).
    pub run_dir: String,
    /// The `run` table and summary.json, as recorded.
    pub run: RunFacts,
    /// The input's header row.
    pub headers: Vec<String>,
    /// Rows per ledger state.
    pub outcomes: BTreeMap<String, u64>,
    /// Rejected and failed rows by reason.
    pub rejects: Vec<Reason>,
    /// Merged rows and their groups.
    pub merges: Merges,
    /// Honest-result warnings (what HighLevel kept differently) by code and field.
    pub warnings: Vec<Reason>,
    /// Rows with at least one honest-result warning.
    pub rows_with_warnings: u64,
    /// Issue code → times found while validating (summary.json's `issues`).
    pub issues: Vec<(String, u64)>,
    /// Warnings found while validating on rows that were kept, by code and field, with
    /// examples (summary.json's `warnings`).
    pub validate_warnings: Vec<Reason>,
    /// Rows with at least one such warning.
    pub rows_with_validate_warnings: u64,
    /// Delivery sessions (none for a local run).
    pub sessions: Vec<RequestSession>,
}

/// The run's identity and end, from the `run` table and the recorded summary.
#[derive(Debug, Clone, Default)]
pub(crate) struct RunFacts {
    /// The version of ghl-bulk that started the run.
    pub tool_version: String,
    /// Rows sharing a phone with another person, and how many of them were imported without
    /// it (issue 21.1), from the summary.
    pub shared_phone: Option<(u64, u64)>,
    /// `validate`, `import --dry-run`, `import`.
    pub command: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// RFC 3339, UTC; `None` while the run has not ended.
    pub finished_at: Option<String>,
    /// The input file, as given.
    pub input_path: String,
    /// Its size in bytes.
    pub input_size: u64,
    /// `csv`, `xlsx`, …
    pub input_format: Option<String>,
    /// The mapping file, as given.
    pub mapping_path: String,
    /// The process's exit code, once it ended.
    pub exit_code: Option<u8>,
    /// Data rows read.
    pub rows_read: u64,
    /// Whether delivery ran (the summary has a `delivery` part).
    pub delivered: bool,
    /// How the last delivery session ended.
    pub stop: Option<String>,
    /// The last session's elapsed time, or the local pipeline's total, in milliseconds.
    pub elapsed_ms: Option<u64>,
    /// Requests per second the API allows, as last reported.
    pub allowed_rate: Option<f64>,
    /// Daily budget left, as last reported.
    pub daily_remaining: Option<u64>,
    /// A `delete` run: (contacts deleted, contacts left to delete, a dry run).
    pub deletion: Option<(u64, u64, bool)>,
    /// How the run's last attempt failed, when it did (it overrides what the exit code of an
    /// earlier step would say).
    pub failure: Option<crate::ledger::Failure>,
}

/// One reject reason or warning code, with a few example rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Reason {
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
pub(crate) struct Example {
    /// The row number in the file.
    pub row: u64,
    /// What is wrong, for a person.
    pub message: String,
    /// The input cells (empty for warnings, whose message carries the values).
    pub cells: Vec<String>,
}

/// Dedupe's result.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Merges {
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
pub(crate) struct Group {
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

/// Gathers the facts of the run whose ledger this is.
pub(crate) fn gather(ledger: &Ledger, run_dir: &str) -> Result<Facts, LedgerError> {
    let sql = |e| LedgerError::Sqlite {
        path: ledger.path().to_path_buf(),
        source: e,
    };
    let conn = ledger.connection();
    let mut recorded = run_facts(conn).map_err(sql)?;
    recorded.run.failure = ledger.failure()?;
    Ok(Facts {
        run_dir: run_dir.to_string(),
        run: recorded.run,
        headers: recorded.headers,
        outcomes: ledger.state_counts()?.into_iter().collect(),
        rejects: rejects(conn).map_err(sql)?,
        merges: merges(conn).map_err(sql)?,
        warnings: warnings(conn).map_err(sql)?,
        rows_with_warnings: rows_with_warnings(conn).map_err(sql)?,
        issues: recorded.issues,
        validate_warnings: recorded.validate_warnings,
        rows_with_validate_warnings: recorded.rows_with_validate_warnings,
        sessions: ledger.request_sessions()?,
    })
}

/// What the `run` table and its summary say.
#[derive(Default)]
struct Recorded {
    run: RunFacts,
    issues: Vec<(String, u64)>,
    validate_warnings: Vec<Reason>,
    rows_with_validate_warnings: u64,
    headers: Vec<String>,
}

fn run_facts(conn: &Connection) -> rusqlite::Result<Recorded> {
    let row = conn
        .query_row(
            "SELECT tool_version, started_at, finished_at, input_path, input_size, mapping_path, \
             exit_code, summary_json, headers_json FROM run WHERE id = 1",
            [],
            |r| {
                Ok((
                    RunFacts {
                        tool_version: r.get(0)?,
                        started_at: r.get(1)?,
                        finished_at: r.get(2)?,
                        input_path: r.get(3)?,
                        input_size: r.get::<_, i64>(4)? as u64,
                        mapping_path: r.get(5)?,
                        exit_code: r.get::<_, Option<i64>>(6)?.map(|c| c as u8),
                        ..RunFacts::default()
                    },
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, String>(8)?,
                ))
            },
        )
        .optional()?;
    let Some((mut run, summary, headers)) = row else {
        return Ok(Recorded::default());
    };
    // The summary is our own JSON; a field missing from an older one just stays unknown.
    let summary: Value = summary
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    run.command = summary["command"].as_str().unwrap_or("").to_string();
    run.input_format = summary["input"]["format"].as_str().map(str::to_string);
    run.rows_read = summary["rows_read"].as_u64().unwrap_or(0);
    let delivery = &summary["delivery"];
    run.delivered = delivery.is_object();
    run.stop = delivery["stop"].as_str().map(str::to_string);
    run.elapsed_ms = delivery["elapsed_ms"]
        .as_u64()
        .or_else(|| summary["durations_ms"]["total"].as_u64());
    run.allowed_rate = delivery["allowed_rate"].as_f64();
    run.daily_remaining = delivery["daily_remaining"].as_u64();
    if run.command == "delete" {
        run.deletion = Some((
            summary["contacts_deleted"].as_u64().unwrap_or(0),
            summary["contacts_left"].as_u64().unwrap_or(0),
            summary["dry_run"] == true,
        ));
        run.stop = summary["stop"].as_str().map(str::to_string);
        run.elapsed_ms = summary["elapsed_ms"].as_u64();
    }
    let shared = &summary["shared_phone"];
    run.shared_phone = shared["rows"]
        .as_u64()
        .filter(|n| *n > 0)
        .map(|n| (n, shared["imported_without_phone"].as_u64().unwrap_or(0)));
    let mut issues: Vec<(String, u64)> = summary["issues"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_u64()?)))
                .collect()
        })
        .unwrap_or_default();
    issues.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let validate_warnings = summary["warnings"]["by_code"]
        .as_array()
        .map(|groups| groups.iter().map(warning_group).collect())
        .unwrap_or_default();
    Ok(Recorded {
        run,
        issues,
        validate_warnings,
        rows_with_validate_warnings: summary["warnings"]["rows"].as_u64().unwrap_or(0),
        headers: serde_json::from_str(&headers).unwrap_or_default(),
    })
}

/// One `warnings.by_code` entry of summary.json (written by `pipeline::warnings`).
fn warning_group(group: &Value) -> Reason {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    Reason {
        code: text(&group["code"]),
        field: text(&group["field"]),
        count: group["count"].as_u64().unwrap_or(0),
        examples: group["examples"]
            .as_array()
            .map(|examples| {
                examples
                    .iter()
                    .map(|e| Example {
                        row: e["row"].as_u64().unwrap_or(0),
                        message: text(&e["message"]),
                        cells: Vec::new(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        ..Reason::default()
    }
}

/// Rejected and failed rows per (state, stage, code, field), largest first, the top ones with
/// examples. The state index makes each example query read only that state's rows.
fn rejects(conn: &Connection) -> rusqlite::Result<Vec<Reason>> {
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
    for reason in reasons.iter_mut().take(TOP_REASONS) {
        let rows = examples.query_map(
            params![
                reason.state,
                reason.stage,
                reason.code,
                reason.field,
                EXAMPLES as i64
            ],
            |r| {
                Ok(Example {
                    row: r.get::<_, i64>(0)? as u64,
                    message: r.get(1)?,
                    // Unreadable cells only cost the example its cells.
                    cells: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
                })
            },
        )?;
        reason.examples = rows.collect::<Result<_, _>>()?;
    }
    Ok(reasons)
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
    if !crate::ledger::has_table(conn, "delivery_warnings")? {
        return Ok(Vec::new());
    }
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

fn rows_with_warnings(conn: &Connection) -> rusqlite::Result<u64> {
    if !crate::ledger::has_table(conn, "delivery_warnings")? {
        return Ok(0);
    }
    conn.query_row(
        "SELECT COUNT(DISTINCT row) FROM delivery_warnings",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n as u64)
}
