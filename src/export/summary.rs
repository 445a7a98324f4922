//! What an export reports: the progress bar (stderr, only on a terminal), the one-line result
//! on stderr, and `--summary FILE` (JSON, written atomically) for schedulers and monitoring.

use std::path::{Path, PathBuf};

use crate::run::progress::Progress;
use serde::Serialize;

use super::ExportError;
use crate::api::stats::RequestCounts;
use crate::api::{Estimate, RelatedKind};
use crate::format::thousands;

/// The summary of one export (also what `--summary` writes).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Always "export".
    pub command: &'static str,
    /// `complete`, `failed`, `interrupted`.
    pub status: String,
    /// The process exit code.
    pub exit_code: u8,
    /// The error, when the export failed.
    pub error: Option<String>,
    /// The location, in an export over many (each location's report is one of the run's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// The output file.
    pub out: PathBuf,
    /// csv, xlsx or jsonl.
    pub format: String,
    /// The mapping read in reverse, if any.
    pub mapping: Option<PathBuf>,
    /// `full`, `last` or `date`.
    pub since: String,
    /// The `dateUpdated` lower bound asked for, if any.
    pub updated_from: Option<String>,
    /// Contacts written to the file.
    pub contacts_written: u64,
    /// Contacts skipped because the previous export already had them (overlap window).
    pub duplicates_skipped: u64,
    /// Matches search reported on its first page.
    pub total_reported: u64,
    /// Search requests sent (pages, and the newest-contact probe when the range is sliced).
    pub search_requests: u64,
    /// Whether notes were fetched (one request per contact).
    pub with_notes: bool,
    /// Whether tasks were fetched (one request per contact).
    pub with_tasks: bool,
    /// Whether appointments were fetched (one request per contact).
    pub with_appointments: bool,
    /// The requests the estimate announced before the work started (when one was made).
    pub estimated_requests: Option<u64>,
    /// The watermark before and after (the largest `dateUpdated` of a complete export).
    pub watermark_before: Option<String>,
    /// Moved only when the file is complete.
    pub watermark_after: Option<String>,
    /// The state file holding the watermark, if one was used.
    pub state_file: Option<PathBuf>,
    /// Requests sent, by endpoint and status.
    pub requests: RequestCounts,
    /// The burst limit followed: requests per interval (ms).
    pub rate_limit: Option<(u32, u64)>,
    /// Requests per second achieved over the whole run.
    pub requests_per_second: f64,
    /// Requests per second between the first request sent and the last: the pace the
    /// limiter kept, to hold against the allowed rate.
    pub sending_rate: f64,
    /// Time requests waited for the rate limiter, seconds.
    pub throttled_seconds: f64,
    /// When it started and ended (UTC, RFC 3339).
    pub started_at: String,
    /// When it ended.
    pub finished_at: String,
    /// Wall time, seconds.
    pub elapsed_seconds: f64,
}

impl Report {
    /// The line printed on stderr at the end.
    pub fn line(&self) -> String {
        match self.status.as_str() {
            "complete" => {
                use crate::format::counted;
                let mut line = format!(
                    "Exported {} to {} in {:.1} s ({}, {:.1}/s).",
                    counted(self.contacts_written, "contact", "contacts"),
                    self.out.display(),
                    self.elapsed_seconds,
                    counted(self.requests.total, "request", "requests"),
                    self.requests_per_second
                );
                if self.duplicates_skipped > 0 {
                    line.push_str(&format!(
                        " {} already exported last time were left out.",
                        crate::format::thousands(self.duplicates_skipped)
                    ));
                }
                line
            }
            "interrupted" => format!(
                "Interrupted: {} was left as it was (nothing written under its name).",
                self.out.display()
            ),
            _ => format!("Export failed: {} was left as it was.", self.out.display()),
        }
    }
}

/// Writes `--summary` atomically (temporary file, fsync, rename), so a monitor never reads
/// half a file.
pub fn write(path: &Path, report: &Report) -> Result<(), ExportError> {
    write_json(path, report)
}

/// `value` as pretty JSON and a newline, written atomically: a summary file, of one location's
/// export or of many.
pub(super) fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), ExportError> {
    let io = |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut json = serde_json::to_vec_pretty(value).map_err(|e| io(std::io::Error::other(e)))?;
    json.push(b'\n');
    crate::run::atomic::write(path, &json).map_err(io)
}

/// The line said before an export starts: `1,234 contacts to export with their tasks.
/// Estimate: …`.
pub fn announce(total: u64, kinds: &[RelatedKind], estimate: &Estimate) -> String {
    let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
    let with = match names.is_empty() {
        true => String::new(),
        false => format!(" with their {}", names.join(", ")),
    };
    format!("{} contacts to export{with}. {estimate}", thousands(total))
}

/// The progress bar: drawn on stderr when it is a terminal and progress is wanted.
pub fn progress(wanted: bool, with_related: bool) -> Progress {
    let progress = Progress::bar(
        Progress::on_terminal(wanted),
        false,
        0,
        "{msg} {wide_bar} {human_pos}/{human_len} contacts [{elapsed_precise}, eta {eta}]",
    );
    progress.set_message(if with_related {
        "Exporting with related records (one request per contact and kind)"
    } else {
        "Exporting"
    });
    progress
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 13 item 11: `Exported 1000 contacts … (1 requests`: thousands and plurals.
    #[test]
    fn the_result_line_reads_as_a_person_writes() {
        let mut report = Report {
            status: "complete".into(),
            out: "c.csv".into(),
            contacts_written: 199_734,
            ..Report::default()
        };
        report.requests.total = 1;
        assert!(
            report
                .line()
                .starts_with("Exported 199,734 contacts to c.csv in 0.0 s (1 request, "),
            "{}",
            report.line()
        );
        report.contacts_written = 1;
        assert!(
            report.line().starts_with("Exported 1 contact to"),
            "{}",
            report.line()
        );
    }
}
