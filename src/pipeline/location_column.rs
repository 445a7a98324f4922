//! The location column (`import --location-column COL`): which location each row goes to, read
//! from one input cell, and the one rule that says whether a cell names a location of the run.
//! The column is an input header, not a mapped field: the mapping never needs to know it, and
//! its cells are sent to HighLevel only when the mapping maps that column too.

use std::collections::BTreeSet;

use crate::ledger::{Rejection, RowState, StagedRow};

use super::rows::STAGE_VALIDATE;

/// The code of a row whose location cell is empty or names no location of the run.
pub const LOCATION_UNKNOWN: &str = "location_unknown";

/// The column and the locations its cells may name (the ones the credentials can reach).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationColumn {
    /// The column's header, as in the file.
    pub header: String,
    /// The location ids a cell may name.
    pub known: BTreeSet<String>,
}

/// The column found among a file's headers.
#[derive(Debug, Clone)]
pub struct LocatedColumn<'a> {
    column: &'a LocationColumn,
    index: usize,
}

impl LocationColumn {
    /// The column among `headers`: the first header equal to it, else the first equal to it
    /// ignoring case and surrounding blanks (as a mapping's column names are found).
    pub fn locate<'a>(&'a self, headers: &[String]) -> Option<LocatedColumn<'a>> {
        let wanted = self.header.trim();
        let index = headers.iter().position(|h| h == &self.header).or_else(|| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(wanted))
        })?;
        Some(LocatedColumn {
            column: self,
            index,
        })
    }
}

impl LocatedColumn<'_> {
    /// The location a row's cells name, when it is one of the run's (blanks around the id do
    /// not count; the id's case does, as HighLevel's ids are case-sensitive).
    pub fn location_of<'c>(&self, cells: &'c [String]) -> Option<&'c str> {
        let cell = cells.get(self.index).map(|c| c.trim())?;
        self.column.known.contains(cell).then_some(cell)
    }

    /// The cell as the file gives it (empty when the row is short).
    fn cell<'c>(&self, cells: &'c [String]) -> &'c str {
        cells.get(self.index).map_or("", String::as_str)
    }

    /// A row whose location is not one of the run's, rejected before anything is sent.
    pub(crate) fn unknown(&self, row: u64, cells: &[String], cells_json: String) -> StagedRow {
        let cell = self.cell(cells).trim();
        let message = if cell.is_empty() {
            format!(
                "the location column \"{}\" is empty: the row goes to no location",
                self.column.header
            )
        } else {
            format!(
                "location \"{cell}\" (column \"{}\") is not a location this run can import \
                 into; known: {}",
                self.column.header,
                shown(&self.column.known)
            )
        };
        StagedRow {
            row,
            state: RowState::Rejected,
            payload_json: None,
            email: None,
            phone: None,
            rejection: Some(Rejection::new(
                STAGE_VALIDATE,
                LOCATION_UNKNOWN,
                self.column.header.clone(),
                message,
            )),
            issues_json: None,
            cells_json,
        }
    }
}

/// The known ids for a message: the first few, then how many more.
fn shown(known: &BTreeSet<String>) -> String {
    const SHOWN: usize = 5;
    let mut text: Vec<&str> = known.iter().take(SHOWN).map(String::as_str).collect();
    let more = known.len().saturating_sub(SHOWN);
    let more = (more > 0).then(|| format!("and {more} more"));
    text.extend(more.as_deref());
    text.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column() -> LocationColumn {
        LocationColumn {
            header: "Branch".into(),
            known: ["L1", "L2"].iter().map(|s| s.to_string()).collect(),
        }
    }

    fn cells(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_cell_names_a_known_location_or_none() {
        let column = column();
        let headers = cells(&["Email", " branch "]);
        let located = column
            .locate(&headers)
            .expect("found ignoring case and blanks");
        assert_eq!(located.location_of(&cells(&["a@x.co", " L2 "])), Some("L2"));
        assert_eq!(located.location_of(&cells(&["a@x.co", "l2"])), None);
        assert_eq!(located.location_of(&cells(&["a@x.co", ""])), None);
        assert_eq!(located.location_of(&cells(&["a@x.co"])), None);
        assert!(column.locate(&cells(&["Email"])).is_none());
    }

    #[test]
    fn an_unknown_location_is_a_rejection_naming_the_value() {
        let column = column();
        let headers = cells(&["Email", "Branch"]);
        let located = column.locate(&headers).unwrap();
        let row = located.unknown(7, &cells(&["a@x.co", "Nope"]), "[]".into());
        assert_eq!(row.state, RowState::Rejected);
        let rejection = row.rejection.unwrap();
        assert_eq!(rejection.code, LOCATION_UNKNOWN);
        assert_eq!(rejection.field, "Branch");
        assert!(
            rejection.message.contains("\"Nope\""),
            "{}",
            rejection.message
        );
        assert!(
            rejection.message.contains("L1, L2"),
            "{}",
            rejection.message
        );
        let empty = located.unknown(8, &cells(&["a@x.co", " "]), "[]".into());
        assert!(empty.rejection.unwrap().message.contains("is empty"));
    }
}
