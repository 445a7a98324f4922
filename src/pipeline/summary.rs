//! summary.json and the short human summary on stderr. Outcome counts come from the ledger
//! (the source of truth) and must add up to the rows read; `outcomes_add_up` says whether they
//! do, and a mismatch is an exit 1, never a silent success.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use super::conflicts::ConflictStats;
use super::dedupe_stage::DedupeStats;
use super::warnings::WarningSummary;
use super::ValidateConfig;

/// Issue codes the console names; the others are counted after them.
const SHOWN_ISSUE_CODES: usize = 5;

/// What `Summary::build` needs.
pub(crate) struct Inputs<'a> {
    pub command: String,
    pub config: &'a ValidateConfig,
    pub format: String,
    pub dialect: String,
    pub input_size: u64,
    pub input_blake3: String,
    pub started_at: String,
    pub finished_at: String,
    pub rows_read: u64,
    pub state_counts: crate::ledger::StateCounts,
    pub dedupe_groups: DedupeStats,
    pub conflicts: ConflictStats,
    pub config_shared_phone: crate::mapping::SharedPhone,
    pub xlsx_rows_omitted: u64,
    pub issues: BTreeMap<String, u64>,
    pub warnings: WarningSummary,
    pub durations: [(&'static str, Duration); 5],
}

/// The run's summary, written as summary.json.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The tool version.
    pub version: String,
    /// `validate` or `import --dry-run`.
    pub command: String,
    /// Input file facts.
    pub input: InputFacts,
    /// The mapping file and its blake3.
    pub mapping: BTreeMap<String, String>,
    /// The run folder.
    pub run_dir: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// RFC 3339 UTC.
    pub finished_at: String,
    /// Data rows read (every one has exactly one outcome).
    pub rows_read: u64,
    /// Outcome → rows. Locally: `valid` (staged, waiting for delivery), `merged`, `rejected`.
    pub outcomes: BTreeMap<String, u64>,
    /// Whether the outcomes add up to `rows_read`.
    pub outcomes_add_up: bool,
    /// Dedupe groups (of two rows or more).
    pub duplicate_groups: u64,
    /// Rows whose phone another person of the file holds, and what became of them
    /// (`[dedupe] shared_phone`).
    pub shared_phone: SharedPhoneFacts,
    /// Rows whose email or phone is held by a row naming another contact id (rejected).
    pub identity_conflicts: u64,
    /// Rejected rows left out of rejects.xlsx because Excel's sheet was full (all are in
    /// rejects.csv).
    pub rejects_xlsx_rows_omitted: u64,
    /// Issue code → how many times it was found (blocking or not; a row may have several).
    pub issues: BTreeMap<String, u64>,
    /// Warnings on rows that are not rejected: how many rows, the file listing them, and per
    /// code and field a count and a few examples.
    pub warnings: WarningSummary,
    /// Stage → milliseconds.
    pub durations_ms: BTreeMap<String, u64>,
    /// The process exit code: 0 all valid, 3 some rows rejected, 1 if the counts do not add up.
    pub exit_code: u8,
}

/// Rows sharing a phone with another person, in the summary.
#[derive(Debug, Clone, Serialize)]
pub struct SharedPhoneFacts {
    /// The mapping's `[dedupe] shared_phone`.
    pub policy: String,
    /// Rows whose phone another person of the file holds.
    pub rows: u64,
    /// Of those, the rows imported without their phone (`drop_phone`); the others are
    /// rejected (`phone_shared`).
    pub imported_without_phone: u64,
}

/// Input facts in the summary.
#[derive(Debug, Clone, Serialize)]
pub struct InputFacts {
    /// Path as given.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// blake3 of the bytes.
    pub blake3: String,
    /// csv, xlsx, …
    pub format: String,
    /// How it was read: encoding and delimiter, or sheet.
    pub dialect: String,
}

impl Summary {
    pub(crate) fn build(i: Inputs<'_>) -> Summary {
        let mut outcomes: BTreeMap<String, u64> = ["valid", "merged", "rejected"]
            .iter()
            .map(|k| (k.to_string(), 0))
            .collect();
        for (state, n) in i.state_counts.iter() {
            let name = match state {
                crate::ledger::RowState::Pending => "valid",
                state => state.as_str(),
            };
            *outcomes.entry(name.to_string()).or_default() += n;
        }
        let total: u64 = outcomes.values().sum();
        let add_up = total == i.rows_read;
        let exit_code = if !add_up {
            1
        } else if outcomes.get("rejected").copied().unwrap_or(0) > 0 {
            3
        } else {
            0
        };
        Summary {
            version: env!("CARGO_PKG_VERSION").to_string(),
            command: i.command,
            input: InputFacts {
                path: i.config.input.display().to_string(),
                size: i.input_size,
                blake3: i.input_blake3,
                format: i.format,
                dialect: i.dialect,
            },
            mapping: BTreeMap::from([
                (
                    "path".to_string(),
                    i.config.mapping.path.display().to_string(),
                ),
                ("blake3".to_string(), i.config.mapping.hash.clone()),
            ]),
            run_dir: i.config.run_dir.display().to_string(),
            started_at: i.started_at,
            finished_at: i.finished_at,
            rows_read: i.rows_read,
            outcomes,
            outcomes_add_up: add_up,
            duplicate_groups: i.dedupe_groups.groups,
            shared_phone: SharedPhoneFacts {
                policy: i.config_shared_phone.as_str().to_string(),
                rows: i.conflicts.phone_shared,
                imported_without_phone: i.conflicts.phone_dropped,
            },
            identity_conflicts: i.conflicts.identity_conflicts,
            rejects_xlsx_rows_omitted: i.xlsx_rows_omitted,
            issues: i.issues,
            warnings: i.warnings,
            durations_ms: i
                .durations
                .iter()
                .map(|(k, d)| (k.to_string(), d.as_millis() as u64))
                .collect(),
            exit_code,
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_string())
    }

    /// How many rows ended with this outcome.
    pub fn outcome(&self, name: &str) -> u64 {
        self.outcomes.get(name).copied().unwrap_or(0)
    }

    /// The line about rows sharing a phone with another person (issue 21.1).
    pub fn shared_phone_line(&self) -> String {
        shared_phone_line(&self.shared_phone)
    }

    /// A few lines for a person, for stderr.
    pub fn human(&self) -> String {
        let mut s = String::new();
        let secs = self.durations_ms.get("total").copied().unwrap_or(0) as f64 / 1000.0;
        let n = crate::format::thousands;
        let _ = writeln!(
            s,
            "Read {} from {} ({}) in {secs:.1} s: {} valid, {} merged into another row, {} rejected.",
            crate::format::counted(self.rows_read, "row", "rows"),
            self.input.path,
            self.input.dialect,
            n(self.outcome("valid")),
            n(self.outcome("merged")),
            n(self.outcome("rejected")),
        );
        let mut top: Vec<(&String, &u64)> = self.issues.iter().collect();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        if !top.is_empty() {
            let mut list: Vec<String> = top
                .iter()
                .take(SHOWN_ISSUE_CODES)
                .map(|(c, count)| format!("{c} {}", n(**count)))
                .collect();
            // The rest are counted, not dropped silently (issue 13 item 11).
            let more = top.len().saturating_sub(SHOWN_ISSUE_CODES) as u64;
            if more > 0 {
                let codes = if more == 1 { "code" } else { "codes" };
                list.push(format!(
                    "and {} more {codes} (summary.json, report.html)",
                    n(more)
                ));
            }
            let _ = writeln!(s, "Issues found: {}.", list.join(", "));
        }
        if self.warnings.rows > 0 {
            let rows = self.warnings.rows;
            let _ = writeln!(
                s,
                "{rows} {} warnings (kept, with a value dropped, cleaned or repaired): each is in {}/{}.",
                if rows == 1 { "row has" } else { "rows have" },
                self.run_dir,
                self.warnings.file
            );
        }
        if self.shared_phone.rows > 0 {
            let _ = writeln!(s, "{}", self.shared_phone_line());
        }
        if self.outcome("rejected") > 0 {
            let _ = writeln!(
                s,
                "Rejected rows are in {}/rejects.csv (and rejects.xlsx): fix them and run the file again with the same mapping.",
                self.run_dir
            );
        }
        if !self.outcomes_add_up {
            let _ = writeln!(
                s,
                "error: the outcomes do not add up to the rows read (a bug; please report it)."
            );
        }
        let _ = writeln!(s, "Run folder: {}", self.run_dir);
        s
    }
}

/// "N rows share a phone with another person: …", for the console.
pub(crate) fn shared_phone_line(facts: &SharedPhoneFacts) -> String {
    let rows = facts.rows;
    let plural = if rows == 1 {
        "row shares"
    } else {
        "rows share"
    };
    if facts.imported_without_phone == rows {
        format!(
            "{rows} {plural} a phone with another person: imported without the phone \
             ([dedupe] shared_phone = \"{}\").",
            facts.policy
        )
    } else {
        format!(
            "{rows} {plural} a phone with another person and {} not merged into them \
             (HighLevel matches contacts by phone): see phone_shared in rejects.csv, or set \
             [dedupe] shared_phone.",
            if rows == 1 { "was" } else { "were" }
        )
    }
}
