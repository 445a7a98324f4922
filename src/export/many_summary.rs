//! What an export over many locations reports: `--summary` (each location's own report
//! under `locations`, the run's exit code and totals) and the lines printed at the end.

use std::path::Path;

use serde::Serialize;

use super::summary::Report;
use super::ExportError;

/// `--summary` of an export over many locations.
#[derive(Debug, Serialize)]
pub(super) struct ManyReport<'a> {
    pub(super) command: &'static str,
    /// `complete` (every location), `failed` or `interrupted`.
    pub(super) status: &'static str,
    /// The worst of the locations'.
    pub(super) exit_code: u8,
    /// The combined file, with `--out`.
    pub(super) out: Option<&'a Path>,
    /// The folder, with `--out-dir`.
    pub(super) out_dir: Option<&'a Path>,
    /// Contacts in the file(s) written.
    pub(super) contacts_written: u64,
    /// Requests sent to every location.
    pub(super) requests: u64,
    /// Each location's own report, in the order listed.
    pub(super) locations: &'a [Report],
}

/// The lines printed at the end: one per location, then the run's.
pub(super) fn human(many: &ManyReport) -> String {
    use crate::format::{counted, thousands};
    let mut text = String::new();
    for r in many.locations {
        let id = r.location_id.as_deref().unwrap_or("?");
        let line = match r.status.as_str() {
            "complete" => format!(
                "{id}: {} ({}), exit 0.",
                counted(r.contacts_written, "contact", "contacts"),
                counted(r.requests.total, "request", "requests"),
            ),
            "discarded" => format!(
                "{id}: {} read, not written (another location did not complete), exit 0.",
                counted(r.contacts_written, "contact", "contacts"),
            ),
            _ => format!(
                "{id}: {}, exit {}{}",
                r.status,
                r.exit_code,
                r.error
                    .as_ref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_else(|| ".".into())
            ),
        };
        text.push_str(&line);
        text.push('\n');
    }
    let n = many.locations.len();
    let what = match (many.out, many.out_dir) {
        (Some(out), _) if many.exit_code == 0 => format!(
            "Exported {} from {n} locations to {}.",
            counted(many.contacts_written, "contact", "contacts"),
            out.display()
        ),
        (Some(out), _) => format!(
            "Nothing written: {} was left as it was (a location did not complete).",
            out.display()
        ),
        (None, Some(dir)) => format!(
            "Exported {} into {} ({} of {n} locations complete).",
            counted(many.contacts_written, "contact", "contacts"),
            dir.display(),
            thousands(
                many.locations
                    .iter()
                    .filter(|r| r.status == "complete")
                    .count() as u64
            ),
        ),
        (None, None) => String::new(),
    };
    text.push_str(&format!(
        "{what} All {n} locations: exit {} (the worst).\n",
        many.exit_code
    ));
    text
}

pub(super) fn write_summary(path: &Path, many: &ManyReport) -> Result<(), ExportError> {
    super::summary::write_json(path, many)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(id: &str, status: &str, code: u8, written: u64) -> Report {
        Report {
            location_id: Some(id.into()),
            status: status.into(),
            exit_code: code,
            contacts_written: written,
            error: (code != 0).then(|| "HighLevel refused the credentials".into()),
            ..Report::default()
        }
    }

    #[test]
    fn the_end_lines_name_each_location_and_the_worst_code() {
        let reports = [report("A", "complete", 0, 3), report("B", "failed", 75, 0)];
        let many = ManyReport {
            command: "export",
            status: "failed",
            exit_code: 75,
            out: None,
            out_dir: Some(Path::new("d")),
            contacts_written: 3,
            requests: 0,
            locations: &reports,
        };
        let text = human(&many);
        assert!(
            text.contains("A: 3 contacts (0 requests), exit 0."),
            "{text}"
        );
        assert!(
            text.contains("B: failed, exit 75: HighLevel refused"),
            "{text}"
        );
        assert!(
            text.contains(
                "Exported 3 contacts into d (1 of 2 locations complete). All 2 locations: exit 75"
            ),
            "{text}"
        );
    }
}
