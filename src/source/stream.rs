//! The workbook reader thread: opens the workbook (after the inflation checks), picks the
//! sheet, and feeds its cells to the [`RowAssembler`], sending the header and then batches of
//! rows. xlsx and xlsb are read with calamine's cell readers, never as a whole `Range` sized by
//! the sheet's extent; xls and ods have no cell reader in calamine, so their (already bounded,
//! see `inflate`) `Range` is walked cell by cell through the same assembler.

use std::path::Path;
use std::sync::mpsc::SyncSender;

use calamine::{Data, DataRef, Reader, Sheets, XlsbError, XlsxError};

use super::excel::{choose_sheet, open_as, workbook_error, Message, Workbook};
use super::reject_file::is_reject_sheet;
use super::sheet_rows::{a1, data_origin, Completed, RowAssembler, SheetCell, Work, FAR_COLUMNS};
use super::zero_pad::ZeroPad;
use super::REJECTS_SHEET;
use super::{Format, SourceError, SourceOptions};

/// Rows per message to the pipeline.
const BATCH_ROWS: usize = 512;

/// A closure giving the next non-empty cell of a calamine cell reader (whose type calamine
/// does not export, hence a macro rather than a function), counting every cell it is handed
/// in `$count`.
macro_rules! non_empty_cells {
    ($cells:expr, $error:expr, $count:expr) => {
        || loop {
            match $cells.next_cell().map_err($error)? {
                None => return Ok(None),
                Some(cell) => {
                    $count += 1;
                    if !matches!(cell.get_value(), DataRef::Empty) {
                        return Ok(Some(owned(cell)));
                    }
                }
            }
        }
    };
}

/// Read the chosen sheet to its end, sending the header then the rows. `Ok` when done or when
/// the receiver has gone away (the rows are no longer wanted), with what the read cost.
pub(super) fn read_sheet(
    path: &Path,
    format: Format,
    options: &SourceOptions,
    sender: &SyncSender<Message>,
) -> Result<Work, SourceError> {
    let mut workbook = open_as(path, format)?;
    let sheet = choose_sheet(&workbook, options.sheet.as_deref(), path)?;
    let damaged = |detail| SourceError::Corrupt {
        path: path.to_owned(),
        detail,
    };
    let reject_file = sheet == REJECTS_SHEET
        && !options.header_row_forced
        && is_reject_sheet(
            &sheet,
            first_row_text(&mut workbook, &sheet)?.as_deref(),
            options,
        );
    let ours = SourceOptions {
        header_row: 1,
        ..options.clone()
    };
    let feed = Feed {
        path,
        sheet: &sheet,
        options: if reject_file { &ours } else { options },
        reject_file,
        sender,
    };
    let mut handed = 0u64;
    let mut work = match &mut workbook {
        Sheets::Xlsx(book) => {
            let origin = match book.worksheet_cells_reader(&sheet) {
                Ok(mut cells) => data_origin(non_empty_cells!(cells, xlsx(path), handed), damaged)?,
                Err(XlsxError::NotAWorksheet(_)) => None,
                Err(e) => return Err(xlsx(path)(e)),
            };
            let zero_pad = |first_col, width| ZeroPad::load(path, &sheet, first_col, width);
            let mut cells = match book.worksheet_cells_reader(&sheet) {
                Ok(cells) => cells,
                Err(XlsxError::NotAWorksheet(_)) => return Err(feed.empty()),
                Err(e) => return Err(xlsx(path)(e)),
            };
            feed.run(
                origin,
                non_empty_cells!(cells, xlsx(path), handed),
                zero_pad,
            )?
        }
        Sheets::Xlsb(book) => {
            let mut cells = book.worksheet_cells_reader(&sheet).map_err(xlsb(path))?;
            let origin = data_origin(non_empty_cells!(cells, xlsb(path), handed), damaged)?;
            drop(cells);
            let mut cells = book.worksheet_cells_reader(&sheet).map_err(xlsb(path))?;
            feed.run(
                origin,
                non_empty_cells!(cells, xlsb(path), handed),
                no_zero_pad,
            )?
        }
        other => {
            let range = other
                .worksheet_range(&sheet)
                .map_err(workbook_error(path))?;
            let origin = range.start();
            let (top, left) = origin.unwrap_or_default();
            let mut used = range
                .used_cells()
                .inspect(|_| handed += 1)
                .filter(|(_, _, value)| !matches!(value, Data::Empty))
                .map(|(row, col, value)| (top + row as u32, left + col as u32, value.clone()));
            feed.run(origin, || Ok(used.next()), no_zero_pad)?
        }
    };
    work.cells = handed;
    Ok(work)
}

/// The text cells of the sheet's row 1, `None` when row 1 is empty: enough to tell one of our
/// reject workbooks (see `reject_file`). Reads only up to the end of that row.
fn first_row_text(
    workbook: &mut Workbook,
    sheet: &str,
) -> Result<Option<Vec<String>>, SourceError> {
    fn text(value: &Data) -> Option<String> {
        match value {
            Data::String(s) => Some(s.clone()),
            _ => None,
        }
    }
    fn collect(mut next: impl FnMut() -> Option<(u32, Data)>) -> Option<Vec<String>> {
        let mut cells = Vec::new();
        while let Some((row, value)) = next() {
            if row > 0 {
                break;
            }
            cells.extend(text(&value));
        }
        (!cells.is_empty()).then_some(cells)
    }
    // A sheet that cannot be read here fails with its real error in the main pass.
    Ok(match workbook {
        Sheets::Xlsx(book) => match book.worksheet_cells_reader(sheet) {
            Ok(mut cells) => collect(|| {
                let cell = cells.next_cell().ok()??;
                Some((cell.get_position().0, Data::from(cell.get_value().clone())))
            }),
            Err(_) => None,
        },
        Sheets::Xlsb(book) => match book.worksheet_cells_reader(sheet) {
            Ok(mut cells) => collect(|| {
                let cell = cells.next_cell().ok()??;
                Some((cell.get_position().0, Data::from(cell.get_value().clone())))
            }),
            Err(_) => None,
        },
        other => match other.worksheet_range(sheet) {
            Ok(range) if range.start().is_some_and(|(row, _)| row == 0) => {
                range.rows().next().and_then(|cells| {
                    let cells: Vec<String> = cells.iter().filter_map(text).collect();
                    (!cells.is_empty()).then_some(cells)
                })
            }
            _ => None,
        },
    })
}

fn no_zero_pad(_first_col: u32, _width: usize) -> ZeroPad {
    ZeroPad::default()
}

fn xlsx(path: &Path) -> impl Fn(XlsxError) -> SourceError + '_ {
    move |e| workbook_error(path)(calamine::Error::Xlsx(e))
}

fn xlsb(path: &Path) -> impl Fn(XlsbError) -> SourceError + '_ {
    move |e| workbook_error(path)(calamine::Error::Xlsb(e))
}

/// The cell as an owned value: text is copied once (calamine's cell keeps its own).
fn owned(cell: calamine::Cell<DataRef<'_>>) -> SheetCell {
    let (row, col) = cell.get_position();
    let value = match cell.get_value() {
        DataRef::String(s) => Data::String(s.clone()),
        DataRef::SharedString(s) => Data::String((*s).to_owned()),
        other => Data::from(other.clone()),
    };
    (row, col, value)
}

/// Where the rows go.
struct Feed<'a> {
    path: &'a Path,
    sheet: &'a str,
    options: &'a SourceOptions,
    reject_file: bool,
    sender: &'a SyncSender<Message>,
}

impl Feed<'_> {
    fn empty(&self) -> SourceError {
        SourceError::NoHeader {
            path: self.path.to_owned(),
            detail: format!("sheet '{}' is empty", self.sheet),
        }
    }

    /// Assemble and send the rows. `zero_pad` is asked for once the header's first column
    /// and width are known.
    fn run(
        &self,
        origin: Option<(u32, u32)>,
        mut next: impl FnMut() -> Result<Option<SheetCell>, SourceError>,
        zero_pad: impl FnOnce(u32, usize) -> ZeroPad,
    ) -> Result<Work, SourceError> {
        let Some(origin) = origin else {
            return Err(self.empty());
        };
        let mut assembler =
            RowAssembler::new(self.path, self.sheet, origin, self.options.header_row);
        let mut zero_pad = Some(zero_pad);
        let mut batch = Vec::with_capacity(BATCH_ROWS);
        loop {
            let cell = next()?;
            let ended = cell.is_none();
            let completed = match cell {
                Some(cell) => assembler.push(cell)?,
                None => assembler.finish()?,
            };
            match completed {
                Some(Completed::Header(header)) => {
                    if let Some(load) = zero_pad.take() {
                        assembler.set_zero_pad(load(assembler.first_col(), header.names.len()));
                    }
                    let message = Message::Header {
                        headers: header.names,
                        sheet: self.sheet.to_owned(),
                        reject_file: self.reject_file,
                    };
                    if self.sender.send(message).is_err() {
                        return Ok(assembler.work());
                    }
                }
                Some(Completed::Row(row)) => {
                    batch.push(row);
                    if batch.len() == BATCH_ROWS {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                        if self.sender.send(Message::Rows(full)).is_err() {
                            return Ok(assembler.work());
                        }
                    }
                }
                None => {}
            }
            if ended {
                break;
            }
        }
        if !assembler.has_header() {
            return Err(assembler.no_header_row(self.options.header_row));
        }
        if assembler.ignored > 0 {
            let (col, row) = assembler.farthest;
            tracing::warn!(
                "{}: {} cell(s) more than {FAR_COLUMNS} columns right of the header's last \
                 column were ignored (the farthest at {}); move them under a header to read them.",
                self.path.display(),
                assembler.ignored,
                a1(col, row),
            );
        }
        if !batch.is_empty() {
            let _ = self.sender.send(Message::Rows(batch));
        }
        Ok(assembler.work())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::mpsc::sync_channel;

    use rust_xlsxwriter::Workbook;

    use super::*;
    use crate::source::sheet_rows::LAST_ROW;
    use crate::source::RawRow;

    const LAST_COL: u16 = 16_383;

    /// A header and three data rows, then `strays` (cells holding "stray").
    fn workbook(dir: &Path, name: &str, strays: &[(u32, u16)]) -> PathBuf {
        let path = dir.join(name);
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let mut write = |row: u32, col: u16, text: &str| {
            sheet
                .write_string(row, col, text)
                .expect("a cell in the grid");
        };
        write(0, 0, "Email");
        write(0, 1, "Name");
        for row in 1..=3 {
            write(row, 0, &format!("p{row}@example.com"));
            write(row, 1, "Ann");
        }
        for &(row, col) in strays {
            write(row, col, "stray");
        }
        book.save(&path).expect("save the workbook");
        path
    }

    fn read(path: &Path) -> (Work, Vec<RawRow>) {
        let (sender, receiver) = sync_channel(64);
        let work = read_sheet(path, Format::Xlsx, &SourceOptions::default(), &sender);
        drop(sender);
        let rows = receiver
            .into_iter()
            .flat_map(|message| match message {
                Message::Rows(rows) => rows,
                _ => Vec::new(),
            })
            .collect();
        (work.expect("the sheet reads"), rows)
    }

    /// Issue 20.3: a cell at XFD1048576 and one at A1048576 cost a cell each, and a row for
    /// the one under the header; no count grows with how far down or right they are (a reader
    /// that walked the gap, or sized a row by the far column, would show it here).
    #[test]
    fn far_stray_cells_cost_a_cell_each_not_their_extent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (plain, plain_rows) = read(&workbook(dir.path(), "plain.xlsx", &[]));
        let strays = [(LAST_ROW, 0), (LAST_ROW, LAST_COL)];
        let (far, far_rows) = read(&workbook(dir.path(), "far.xlsx", &strays));

        // The data's first look stops at the first cell in column A; the main pass reads the
        // 8 cells of the data, then the two strays.
        assert_eq!(plain.cells, 1 + 8, "{plain:?}");
        assert_eq!(far.cells, plain.cells + 2, "{far:?}");
        assert_eq!(far.rows, plain.rows + 1, "{far:?}");
        assert_eq!(far.widest_row, 2, "{far:?}");
        assert_eq!(far.widest_row, plain.widest_row);

        assert_eq!(far_rows[..3], plain_rows[..]);
        let last = far_rows
            .last()
            .expect("the stray under the header is a row");
        assert_eq!(last.row, 1_048_576);
        assert_eq!(last.cells, ["stray", ""]);
        assert_eq!(last.defect, None);
    }
}
