//! One chunk of rows through map → normalise, in parallel (rayon) with row order kept. Turns
//! each raw row into what the ledger stages; a bad row is a value here, never an error.

use rayon::prelude::*;

use crate::contact::{normalise, IssueCode, RowIssue};
use crate::dedupe::KeyDigests;
use crate::ledger::{cells_from_input, Rejection, RowState, StagedRow, StoredPayload};
use crate::mapping::Mapping;
use crate::source::RawRow;

use super::location_column::{LocatedColumn, LOCATION_UNKNOWN};

// Every row is staged with `cells_from_input`: its cells are the reader's own, which the
// ledger reads again from the input (at the row's offset in a CSV, else by row number) when a
// report needs them.

/// The stage names written to `_stage` in reject files.
pub(crate) const STAGE_READ: &str = "read";
/// Normalise/validate.
pub(crate) const STAGE_VALIDATE: &str = "validate";

/// One processed row: what to stage, the issue codes for the summary, the identity-key
/// digests for dedupe (digested here, on the workers, rather than on the sequential thread)
/// and, for a rejected row, its input cells for the reject files.
pub(crate) struct Processed {
    pub staged: StagedRow,
    /// A pending row's payload, already in its stored form (`staged.payload_json` is `None`):
    /// encoded here, on the workers, straight from the contact.
    pub stored: Option<StoredPayload>,
    pub codes: Vec<&'static str>,
    pub keys: KeyDigests,
    /// The location the row goes to (`--location-column`): its dedupe partition.
    pub location: Option<String>,
    pub rejected_cells: Option<Vec<String>>,
    /// A row that is not rejected: its cells, done with, for the reader to decode a later
    /// row into (see `source::Source::reuse`).
    pub spare_cells: Option<Vec<String>>,
    /// The non-blocking issues of a row that is not rejected, for warnings.csv.
    pub warnings: Vec<RowIssue>,
}

/// Maps and normalises a chunk; the output has the chunk's order. With a location column,
/// a row naming no location of the run is rejected, and each row carries its location (its
/// dedupe partition).
pub(crate) fn process_chunk(
    mapping: &Mapping,
    locations: Option<&LocatedColumn<'_>>,
    chunk: Vec<RawRow>,
) -> Vec<Processed> {
    chunk
        .into_par_iter()
        .with_min_len(256)
        .map(|raw| process_row(mapping, locations, raw))
        .collect()
}

fn process_row(
    mapping: &Mapping,
    locations: Option<&LocatedColumn<'_>>,
    mut raw: RawRow,
) -> Processed {
    // A reader warning (`encoding_mixed`) keeps the row: it joins the row's issues below.
    let read_warning = raw.defect.take_if(|d| !d.blocking);
    let cells_json = cells_from_input(raw.offset);
    if let Some(defect) = &raw.defect {
        return Processed {
            stored: None,
            codes: vec![defect.code],
            keys: KeyDigests::default(),
            location: None,
            rejected_cells: Some(raw.cells),
            spare_cells: None,
            warnings: Vec::new(),
            staged: StagedRow::rejected(
                raw.row,
                Rejection::new(STAGE_READ, defect.code, "row", defect.message.clone()),
                None,
                cells_json,
            ),
        };
    }
    let location = match locations {
        None => None,
        Some(column) => match column.location_of(&raw.cells) {
            Some(id) => Some(id.to_string()),
            None => {
                let staged = column.unknown(raw.row, &raw.cells, cells_json);
                return Processed {
                    staged,
                    stored: None,
                    codes: vec![LOCATION_UNKNOWN],
                    keys: KeyDigests::default(),
                    location: None,
                    rejected_cells: Some(raw.cells),
                    spare_cells: None,
                    warnings: Vec::new(),
                };
            }
        },
    };
    let draft = mapping.apply(raw.row, &raw.cells);
    let mut normalised = normalise(draft, &mapping.rules);
    if let Some(warning) = read_warning {
        normalised.issues.insert(0, read_issue(warning));
    }
    let codes = normalised.issues.iter().map(|i| i.code.as_str()).collect();
    let issues_json = issues_json(&normalised.issues);
    let mut keys = KeyDigests::default();
    let mut rejected_cells = None;
    let mut stored = None;
    let staged = match normalised.rejection() {
        Some(issue) => StagedRow::rejected(
            raw.row,
            Rejection::new(
                STAGE_VALIDATE,
                issue.code.as_str(),
                issue.field.clone(),
                issue.message.clone(),
            ),
            issues_json,
            cells_json,
        ),
        None => {
            let contact = normalised.contact;
            keys = KeyDigests::of(&mapping.dedupe_keys, &contact);
            let (email, phone) = (contact.std.email.as_deref(), contact.std.phone.as_deref());
            stored = StoredPayload::of(&contact, email, phone);
            StagedRow {
                row: raw.row,
                state: RowState::Pending,
                payload_json: None,
                email: contact.std.email,
                phone: contact.std.phone,
                rejection: None,
                issues_json,
                cells_json,
            }
        }
    };
    let mut spare_cells = None;
    let warnings = if staged.state == RowState::Rejected {
        rejected_cells = Some(raw.cells);
        Vec::new()
    } else {
        spare_cells = Some(raw.cells);
        normalised
            .issues
            .into_iter()
            .filter(|i| !i.blocking)
            .collect()
    };
    Processed {
        staged,
        stored,
        codes,
        keys,
        location,
        rejected_cells,
        spare_cells,
        warnings,
    }
}

/// A reader warning as a row issue (on the whole row, not a field); `encoding_mixed` is the
/// reader's only warning.
fn read_issue(defect: crate::source::RowDefect) -> RowIssue {
    RowIssue {
        field: "row".to_string(),
        code: IssueCode::EncodingMixed,
        message: defect.message,
        blocking: false,
    }
}

fn issues_json(issues: &[RowIssue]) -> Option<String> {
    if issues.is_empty() {
        None
    } else {
        serde_json::to_string(issues).ok()
    }
}
