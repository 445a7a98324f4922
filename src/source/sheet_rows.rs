//! Turning a workbook's cells, read one at a time in sheet order, into the header and the data
//! rows, with work bounded by the header's width rather than by the sheet's declared (or
//! actual) extent: a stray cell at `XFD1048576` costs one cell, not a 16,384-column row for
//! every row of the sheet.
//!
//! The rows are those calamine's `Range` gave before (the same first row and first column, the
//! same header, the same cells), with two differences that only hostile or damaged files see:
//! a cell more than [`FAR_COLUMNS`] right of the header's last column is ignored (counted for a
//! warning) instead of making its row a `ragged_row` reject, and a row past Excel's last row,
//! or rows out of order, end the read with an error instead of being placed in memory.

use std::path::{Path, PathBuf};

use calamine::Data;

use super::excel::{is_blank, render_cell, render_owned};
use super::row_fit::{clean_header, fit_width};
use super::zero_pad::{self, ZeroPad};
use super::{RawRow, SourceError};

/// How far right of the header's last column a cell still belongs to the row (and makes it a
/// `ragged_row` reject when it has a value). Beyond it a cell is ignored with a warning: such
/// cells are stray clicks or formatting, and a row of that width would be as wide as the gap.
pub const FAR_COLUMNS: u32 = 256;
/// Excel's last row (1,048,576) and column (XFD = 16,384), 0-based.
pub const LAST_ROW: u32 = 1_048_575;
const LAST_COL: u32 = 16_383;

/// One non-empty cell: 0-based sheet row and column, and its value.
pub(super) type SheetCell = (u32, u32, Data);

/// What reading a sheet cost, counted so that a test can show a far cell costs what any cell
/// costs: its extent (how far right, how far down) must not show in any of these.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Work {
    /// Cells the workbook reader handed over, empty ones included, over every pass.
    pub cells: u64,
    /// Rows assembled (a sheet row with at least one cell), the header and blank rows included.
    pub rows: u64,
    /// The most cells a row's buffer held at once.
    pub widest_row: usize,
}

/// Where the data starts, found by a first look at the cells: the row of the first non-empty
/// cell and the leftmost column holding a non-empty cell (0 ends the look early, so for a
/// sheet whose data starts in column A this reads one cell).
pub(super) fn data_origin(
    mut next: impl FnMut() -> Result<Option<SheetCell>, SourceError>,
    damaged: impl Fn(&'static str) -> SourceError,
) -> Result<Option<(u32, u32)>, SourceError> {
    let mut origin: Option<(u32, u32)> = None;
    while let Some((row, col, _)) = next()? {
        if row > LAST_ROW {
            return Err(damaged("a row past Excel's last row, 1,048,576"));
        }
        let col = col.min(LAST_COL + 1);
        let (first_row, first_col) = origin.get_or_insert((row, col));
        *first_col = (*first_col).min(col);
        *first_row = (*first_row).min(row);
        if *first_col == 0 {
            break;
        }
    }
    Ok(origin)
}

/// The header, once read.
pub(super) struct Header {
    pub names: Vec<String>,
}

/// Assembles rows from cells given in sheet order (rows ascending; columns in any order
/// within a row, a later cell replacing an earlier one at the same place, as in a `Range`).
pub(super) struct RowAssembler {
    path: PathBuf,
    sheet: String,
    first_col: u32,
    /// 0-based sheet row of the header: the wanted row, or the first non-empty one if above.
    header_row: u32,
    /// Width of the header once read; `None` while looking for it.
    width: Option<usize>,
    current: Option<u32>,
    /// Cells of the current row, by column from `first_col`.
    cells: Vec<Data>,
    /// Cells ignored for being far right of the header, and the farthest one.
    pub ignored: u64,
    pub farthest: (u32, u32),
    zero_pad: ZeroPad,
    /// Rows assembled and the widest row buffer (`Work`'s).
    pub rows: u64,
    pub widest_row: usize,
}

impl RowAssembler {
    pub(super) fn new(
        path: &Path,
        sheet: &str,
        origin: (u32, u32),
        header_row_option: usize,
    ) -> RowAssembler {
        let wanted = u32::try_from(header_row_option.saturating_sub(1)).unwrap_or(u32::MAX);
        RowAssembler {
            path: path.to_owned(),
            sheet: sheet.to_owned(),
            first_col: origin.1,
            header_row: wanted.max(origin.0),
            width: None,
            current: None,
            cells: Vec::new(),
            ignored: 0,
            farthest: (0, 0),
            zero_pad: ZeroPad::default(),
            rows: 0,
            widest_row: 0,
        }
    }

    /// The 0-based sheet column of the header's first cell.
    pub(super) fn first_col(&self) -> u32 {
        self.first_col
    }

    /// The rows assembled so far and the widest row buffer (the cells are counted by the
    /// caller, which sees every one).
    pub(super) fn work(&self) -> Work {
        Work {
            cells: 0,
            rows: self.rows,
            widest_row: self.widest_row,
        }
    }

    pub(super) fn set_zero_pad(&mut self, zero_pad: ZeroPad) {
        self.zero_pad = zero_pad;
    }

    /// The widest a row is kept (header width plus the tolerance); cells past it are ignored.
    fn keep_cols(&self) -> u32 {
        match self.width {
            // While reading the header every column up to Excel's last counts.
            None => LAST_COL + 1,
            Some(width) => (width as u32).saturating_add(FAR_COLUMNS),
        }
    }

    /// Take one cell. Returns the row that this cell's arrival completed, if any: the header
    /// (as `Ok(Some(Err(header)))`) or a data row (`Ok(Some(Ok(row)))`).
    pub(super) fn push(
        &mut self,
        (row, col, value): SheetCell,
    ) -> Result<Option<Completed>, SourceError> {
        if row > LAST_ROW {
            return Err(self.damaged("a row past Excel's last row, 1,048,576"));
        }
        let mut completed = None;
        match self.current {
            Some(current) if row < current => {
                return Err(self.damaged("its rows are out of order"));
            }
            Some(current) if row > current => completed = self.finish_row()?,
            _ => {}
        }
        self.current = Some(row);
        let Some(at) = col.checked_sub(self.first_col) else {
            // Left of the data's first column: cannot happen after `data_origin`, kept safe.
            return Ok(completed);
        };
        if at >= self.keep_cols() || col > LAST_COL {
            self.ignored += 1;
            self.farthest = self.farthest.max((col, row));
            return Ok(completed);
        }
        let at = at as usize;
        if self.cells.len() <= at {
            self.cells.resize(at + 1, Data::Empty);
            self.widest_row = self.widest_row.max(self.cells.len());
        }
        self.cells[at] = value;
        Ok(completed)
    }

    /// End of the cells: the last row, if one is pending.
    pub(super) fn finish(&mut self) -> Result<Option<Completed>, SourceError> {
        self.finish_row()
    }

    /// Whether the header has been read.
    pub(super) fn has_header(&self) -> bool {
        self.width.is_some()
    }

    fn finish_row(&mut self) -> Result<Option<Completed>, SourceError> {
        let Some(row) = self.current.take() else {
            return Ok(None);
        };
        self.rows += 1;
        match self.width {
            None if row < self.header_row => {
                self.cells.clear();
                Ok(None)
            }
            None if row == self.header_row => {
                let names = header_names(&self.cells);
                self.cells.clear();
                if names.is_empty() {
                    return Err(self.blank_header());
                }
                self.width = Some(names.len());
                // Cells of the header row past the kept width count as ignored too.
                Ok(Some(Completed::Header(Header { names })))
            }
            None => Err(self.blank_header()),
            Some(width) => {
                if self.cells.iter().all(is_blank) {
                    self.cells.clear();
                    return Ok(None);
                }
                Ok(Some(Completed::Row(self.render(row, width))))
            }
        }
    }

    /// The current row's cells as text, moved out of the row buffer (which is kept for the
    /// next row: one buffer for the sheet, one `String` per cell).
    fn render(&mut self, row: u32, width: usize) -> RawRow {
        let zero_pad = &self.zero_pad;
        let mut rendered = Vec::with_capacity(width.max(self.cells.len()));
        rendered.extend(
            self.cells
                .drain(..)
                .zip(self.first_col..)
                .map(|(cell, col)| {
                    let padded = match (zero_pad.width(row, col), &cell) {
                        (Some(width), Data::Float(f)) => zero_pad::pad(*f, width),
                        (Some(width), Data::Int(i)) => zero_pad::pad(*i as f64, width),
                        _ => None,
                    };
                    padded.unwrap_or_else(|| render_owned(cell))
                }),
        );
        let defect = fit_width(&mut rendered, width);
        RawRow {
            row: u64::from(row) + 1,
            cells: rendered,
            defect,
            offset: None,
        }
    }

    fn damaged(&self, detail: &'static str) -> SourceError {
        SourceError::Corrupt {
            path: self.path.clone(),
            detail,
        }
    }

    fn blank_header(&self) -> SourceError {
        SourceError::NoHeader {
            path: self.path.clone(),
            detail: format!(
                "row {} of sheet '{}' is blank",
                self.header_row + 1,
                self.sheet
            ),
        }
    }

    /// The error for a sheet that ended before its header row.
    pub(super) fn no_header_row(&self, header_row_option: usize) -> SourceError {
        SourceError::NoHeader {
            path: self.path.clone(),
            detail: format!("sheet '{}' has no row {header_row_option}", self.sheet),
        }
    }
}

/// What a cell's arrival (or the end) completed.
pub(super) enum Completed {
    Header(Header),
    Row(RawRow),
}

/// Header names: trailing blank cells are formatting, not columns; a named cell more than
/// [`FAR_COLUMNS`] right of the previous one is a stray cell, not a column (it and what
/// follows are ignored).
fn header_names(cells: &[Data]) -> Vec<String> {
    let mut last: Option<usize> = None;
    for (i, cell) in cells.iter().enumerate() {
        if is_blank(cell) {
            continue;
        }
        let gap = i - last.map_or(0, |l| l + 1);
        if last.is_some() && gap >= FAR_COLUMNS as usize {
            break;
        }
        if last.is_none() && i >= FAR_COLUMNS as usize {
            break;
        }
        last = Some(i);
    }
    let Some(last) = last else {
        return Vec::new();
    };
    cells[..=last]
        .iter()
        .enumerate()
        .map(|(i, c)| clean_header(&render_cell(c), i))
        .collect()
}

/// `(col, row)` 0-based as an A1 reference, for messages.
pub(super) fn a1(col: u32, row: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Data {
        Data::String(s.into())
    }

    fn damaged(detail: &'static str) -> SourceError {
        SourceError::Corrupt {
            path: Default::default(),
            detail,
        }
    }

    fn assemble(cells: Vec<SheetCell>, header_row: usize) -> (Vec<String>, Vec<RawRow>, u64) {
        let mut iter = cells.clone().into_iter();
        let origin = data_origin(|| Ok(iter.next()), damaged)
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut assembler = RowAssembler::new(Path::new("t.xlsx"), "S", origin, header_row);
        let (mut header, mut rows) = (Vec::new(), Vec::new());
        let mut take = |c: Option<Completed>| match c {
            Some(Completed::Header(h)) => header = h.names,
            Some(Completed::Row(r)) => rows.push(r),
            None => {}
        };
        for cell in cells {
            take(assembler.push(cell).ok().flatten());
        }
        take(assembler.finish().ok().flatten());
        (header, rows, assembler.ignored)
    }

    #[test]
    fn a_stray_cell_far_away_is_ignored_not_a_row() {
        let cells = vec![
            (0, 0, text("Email")),
            (0, 1, text("Name")),
            (1, 0, text("a@x.com")),
            (1, 3, text("near")),
            (LAST_ROW, LAST_COL, text("stray")),
        ];
        let (header, rows, ignored) = assemble(cells, 1);
        assert_eq!(header, ["Email", "Name"]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].defect.as_ref().map(|d| d.code), Some("ragged_row"));
        assert_eq!(ignored, 1);
    }

    #[test]
    fn data_left_of_the_header_moves_the_first_column_as_a_range_did() {
        let cells = vec![
            (2, 1, text("Email")),
            (3, 0, text("1")),
            (3, 1, text("a@x")),
        ];
        let (header, rows, _) = assemble(cells, 1);
        assert_eq!(header, ["Column 1", "Email"]);
        assert_eq!(rows[0].cells, ["1", "a@x"]);
        assert_eq!(rows[0].row, 4);
    }

    #[test]
    fn a_header_cell_past_a_wide_gap_is_not_a_column() {
        let cells = vec![(0, 0, text("Email")), (0, 5000, text("junk"))];
        assert_eq!(assemble(cells, 1).0, ["Email"]);
    }

    #[test]
    fn references() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(LAST_COL, LAST_ROW), "XFD1048576");
        assert_eq!(a1(26, 9), "AA10");
    }
}
