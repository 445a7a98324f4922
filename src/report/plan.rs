//! `plan.csv` and `plan.xlsx`: what `ghl-bulk plan` found for each row, before anything is
//! sent. The input's columns come through as in the other report files, then `_row`,
//! `_action` (`create`, `update`, `unchanged`, `conflict`), `_contact_id` (the contact the row
//! matches; for a conflict every contact it points at) and `_changes` (`field: before → after`,
//! `; `-joined; for a conflict, why). The workbook fills the input cells whose field changes.
//!
//! Only rows with a decision are listed: rows rejected while staging are in `rejects.csv`,
//! rows merged into another in `duplicates.csv`, as after an import.

use std::path::Path;

use super::csv::CsvOut;
use super::plan_xlsx::PlanXlsx;
use super::{Kept, ReportError, XlsxOutcome};
use crate::ledger::{Action, Decision, Ledger, LedgerError, PlannedRow};

/// Columns added by the plan files, after the input columns.
pub const PLAN_COLUMNS: [&str; 4] = ["_row", "_action", "_contact_id", "_changes"];
/// The plan's CSV file in the run folder.
pub const PLAN_CSV: &str = "plan.csv";
/// The plan's workbook in the run folder.
pub const PLAN_XLSX: &str = "plan.xlsx";

/// How an empty value reads in `_changes` (a field the contact does not have yet).
const EMPTY: &str = "(empty)";

/// Why the plan files could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// `_changes`: each change as `field: before → after`, `; `-joined; for a conflict the reason
/// the plan gave (naming the contacts), since it changes nothing.
pub fn changes_text(decision: &Decision) -> String {
    if decision.action == Action::Conflict {
        return decision.reason.clone().unwrap_or_default();
    }
    let shown = |v: &str| {
        if v.is_empty() {
            EMPTY.to_string()
        } else {
            v.to_string()
        }
    };
    decision
        .changes
        .iter()
        .map(|c| format!("{}: {} → {}", c.field, shown(&c.before), shown(&c.after)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `_contact_id`: the matched contact; for a conflict every contact the row points at.
pub fn contact_text(decision: &Decision) -> String {
    if decision.action == Action::Conflict && !decision.others.is_empty() {
        return decision.others.join(" ");
    }
    decision.contact_id.clone().unwrap_or_default()
}

/// The cells of [`PLAN_COLUMNS`] for one decided row (plan.csv and plan.xlsx alike).
pub(super) fn added_cells(d: &Decision) -> [String; 4] {
    [
        d.row.to_string(),
        d.action.as_str().to_string(),
        contact_text(d),
        changes_text(d),
    ]
}

/// `plan.csv`: the input columns, then [`PLAN_COLUMNS`].
pub struct PlanCsv {
    out: CsvOut,
    kept: Kept,
}

impl PlanCsv {
    /// Create the file and write its header from the input headers.
    pub fn create(path: &Path, headers: &[String]) -> Result<PlanCsv, ReportError> {
        let kept = Kept::new(headers);
        let header = kept.cells(headers).chain(PLAN_COLUMNS).collect::<Vec<_>>();
        Ok(PlanCsv {
            out: CsvOut::create(path, header)?,
            kept,
        })
    }

    /// Write one decided row.
    pub fn write(&mut self, planned: &PlannedRow) -> Result<(), ReportError> {
        let added = added_cells(&planned.decision);
        let added = added.each_ref().map(String::as_str);
        self.out.write(self.kept.cells(&planned.cells).chain(added))
    }

    /// Flush, fsync and put the file in place.
    pub fn finish(self) -> Result<(), ReportError> {
        self.out.finish()
    }
}

/// What writing the plan files did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanFiles {
    /// Decided rows written to plan.csv.
    pub rows: u64,
    /// What fitted in plan.xlsx.
    pub workbook: XlsxOutcome,
}

/// Writes `plan.csv` and `plan.xlsx` into `dir` from the ledger's decisions, each atomically.
/// `column_of` names the input column a field's value comes from (the mapping knows), so the
/// workbook can fill the cells that change; `seen` is shown each decision as it is written
/// (the caller counts what carrying the plan out costs in the same pass).
pub fn write(
    ledger: &Ledger,
    headers: &[String],
    column_of: &dyn Fn(&str) -> Option<usize>,
    seen: &mut dyn FnMut(&Decision),
    dir: &Path,
) -> Result<PlanFiles, PlanFileError> {
    let mut csv = PlanCsv::create(&dir.join(PLAN_CSV), headers)?;
    let mut xlsx = PlanXlsx::create(&dir.join(PLAN_XLSX), headers)?;
    let mut rows = 0;
    ledger.each_planned_row(|planned| {
        rows += 1;
        seen(&planned.decision);
        csv.write(&planned)?;
        let changed: Vec<usize> = match planned.decision.action {
            Action::Update | Action::Create => planned
                .decision
                .changes
                .iter()
                .filter_map(|c| column_of(&c.field))
                .collect(),
            Action::Unchanged | Action::Conflict => Vec::new(),
        };
        xlsx.write(&planned, &changed)?;
        Ok::<_, PlanFileError>(())
    })?;
    csv.finish()?;
    let workbook = xlsx.finish()?;
    Ok(PlanFiles { rows, workbook })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Change, RowState, StagedRow};
    use calamine::{open_workbook, Reader, Xlsx};

    fn change(field: &str, before: &str, after: &str) -> Change {
        Change {
            field: field.into(),
            before: before.into(),
            after: after.into(),
        }
    }

    fn decision(row: u64, action: Action) -> Decision {
        Decision {
            row,
            action,
            contact_id: None,
            others: vec![],
            date_updated: None,
            changes: vec![],
            reason: None,
        }
    }

    #[test]
    fn changes_read_as_before_and_after() {
        let mut update = decision(2, Action::Update);
        update.contact_id = Some("c1".into());
        update.changes = vec![
            change("companyName", "A", "B"),
            change("city", "", "Berlin"),
        ];
        assert_eq!(
            changes_text(&update),
            "companyName: A → B; city: (empty) → Berlin"
        );
        assert_eq!(contact_text(&update), "c1");
        let mut conflict = decision(3, Action::Conflict);
        conflict.contact_id = Some("owen".into());
        conflict.others = vec!["owen".into(), "x".into()];
        conflict.reason = Some("phone matches Owen Kowalczyk (owen)".into());
        assert_eq!(
            changes_text(&conflict),
            "phone matches Owen Kowalczyk (owen)"
        );
        assert_eq!(contact_text(&conflict), "owen x");
        assert_eq!(changes_text(&decision(4, Action::Unchanged)), "");
    }

    fn staged(row: u64, cells: &str) -> StagedRow {
        StagedRow {
            row,
            state: RowState::Pending,
            payload_json: Some("{}".into()),
            email: None,
            phone: None,
            rejection: None,
            issues_json: None,
            cells_json: cells.into(),
        }
    }

    #[test]
    fn plan_files_list_every_decided_row_and_fill_changed_cells() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
        ledger
            .stage(&[
                staged(2, r#"["anna@x.de","Anna","Acme","5"]"#),
                staged(3, r#"["bo@x.de","=HYPERLINK(1)","B","6"]"#),
                staged(4, r#"["cy@x.de","Cy","C","7"]"#),
            ])
            .unwrap();
        let mut update = decision(2, Action::Update);
        update.contact_id = Some("c2".into());
        update.changes = vec![change("companyName", "A", "Acme")];
        let mut create = decision(3, Action::Create);
        create.changes = vec![change("firstName", "", "=HYPERLINK(1)")];
        ledger
            .put_decisions(&[update, create, decision(4, Action::Unchanged)])
            .unwrap();
        // An input `_row` column from an earlier plan file is left out, not doubled.
        let headers: Vec<String> = ["Email", "First", "Company", "_row"]
            .map(String::from)
            .to_vec();
        let column_of = |field: &str| match field {
            "firstName" => Some(1),
            "companyName" => Some(2),
            _ => None,
        };
        let mut seen = 0;
        let written = write(
            &ledger,
            &headers,
            &column_of,
            &mut |_| seen += 1,
            dir.path(),
        )
        .unwrap();
        assert_eq!(written.rows, 3);
        assert_eq!(seen, 3);
        assert_eq!(written.workbook.rows_written, 3);

        let csv = std::fs::read_to_string(dir.path().join(PLAN_CSV)).unwrap();
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines[0],
            "Email,First,Company,_row,_action,_contact_id,_changes"
        );
        assert_eq!(
            lines[1],
            "anna@x.de,Anna,Acme,2,update,c2,companyName: A → Acme"
        );
        // A cell that would read as a formula is neutralised; one that only contains it is not.
        assert_eq!(
            lines[2],
            "bo@x.de,'=HYPERLINK(1),B,3,create,,firstName: (empty) → =HYPERLINK(1)"
        );
        assert_eq!(lines[3], "cy@x.de,Cy,C,4,unchanged,,");

        let mut book: Xlsx<_> = open_workbook(dir.path().join(PLAN_XLSX)).unwrap();
        let range = book.worksheet_range("Plan").unwrap();
        assert_eq!(range.height(), 4);
        let cell = |r: u32, c: u32| range.get_value((r, c)).map(|v| v.to_string());
        assert_eq!(cell(1, 4).as_deref(), Some("update"));
        assert_eq!(cell(2, 1).as_deref(), Some("=HYPERLINK(1)"), "kept as text");
        // The changed cells (Company of row 2, First of row 3) have a fill the others lack.
        let style = |cell: &str| style_of(&dir.path().join(PLAN_XLSX), cell);
        // (B3 is filled and quote-prefixed: a format of its own.)
        assert_ne!(style("B3"), style("B4"));
        assert_ne!(style("B3"), style("C2"));
        assert_ne!(style("C2"), style("A2"));
        assert_ne!(style("C2"), style("B2"));
        assert_ne!(style("C2"), style("C4"), "an unchanged row fills nothing");
    }

    /// The style index of a cell in the first sheet (what Excel keys its fill by).
    fn style_of(path: &Path, cell: &str) -> String {
        use std::io::Read;
        let file = std::fs::File::open(path).unwrap();
        let mut zip = zip::ZipArchive::new(file).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        let at = xml.find(&format!("r=\"{cell}\"")).unwrap();
        let tag = &xml[at..at + xml[at..].find('>').unwrap()];
        tag.split("s=\"")
            .nth(1)
            .map(|s| s.split('"').next().unwrap_or("").to_string())
            .unwrap_or_default()
    }
}
