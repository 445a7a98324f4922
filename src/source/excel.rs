//! Reader for workbooks (xlsx, xlsm, xlsb, xls, ods) through calamine, and the rendering of a
//! cell the way a person sees it in the spreadsheet. The sheet is read on its own thread
//! (`stream`), cell by cell where calamine can (xlsx, xlsb), so memory follows the rows being
//! handed out rather than the sheet's extent.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};

use calamine::{
    open_workbook, Data, ExcelDateTime, Ods, Reader, SheetType, SheetVisible, Sheets, Xls, Xlsb,
    Xlsx,
};

use super::{stream, Format, RawRow, SourceError, SourceOptions};

pub(super) type Workbook = Sheets<BufReader<File>>;

/// Batches of rows the reader thread may read ahead of the pipeline.
const BATCHES_AHEAD: usize = 4;

/// What the reader thread sends: the header first, then rows, or why it stopped.
pub(super) enum Message {
    /// `reject_file`: the sheet is one of our reject workbooks, read from row 1 whatever the
    /// mapping's `header_row` says.
    Header {
        headers: Vec<String>,
        sheet: String,
        reject_file: bool,
    },
    Rows(Vec<RawRow>),
    Failed(SourceError),
}

/// The data rows of the chosen sheet, as the reader thread sends them.
pub(super) struct ExcelRows {
    batch: std::vec::IntoIter<RawRow>,
    receiver: Receiver<Message>,
    ended: bool,
}

pub(super) fn workbook_error(path: &Path) -> impl FnOnce(calamine::Error) -> SourceError + '_ {
    move |source| SourceError::Workbook {
        path: path.to_owned(),
        source,
    }
}

pub(super) fn open_as(path: &Path, format: Format) -> Result<Workbook, SourceError> {
    if format == Format::Xls {
        super::cfb_check::check(path).map_err(|detail| SourceError::Corrupt {
            path: path.to_owned(),
            detail,
        })?;
    }
    super::inflate::check(path, format)?;
    let opened = match format {
        Format::Xls => open_workbook::<Xls<_>, _>(path)
            .map(Sheets::Xls)
            .map_err(calamine::Error::Xls),
        Format::Xlsb => open_workbook::<Xlsb<_>, _>(path)
            .map(Sheets::Xlsb)
            .map_err(calamine::Error::Xlsb),
        Format::Ods => open_workbook::<Ods<_>, _>(path)
            .map(Sheets::Ods)
            .map_err(calamine::Error::Ods),
        Format::Xlsx | Format::Xlsm | Format::Csv => open_workbook::<Xlsx<_>, _>(path)
            .map(Sheets::Xlsx)
            .map_err(calamine::Error::Xlsx),
    };
    opened.map_err(workbook_error(path))
}

/// Run calamine on untrusted bytes. Its parsers have panicked on malformed files before (index
/// arithmetic on lengths read from the file); a damaged workbook must be an error for the user,
/// not a crash of the run.
pub(super) fn guard<T>(
    path: &Path,
    read: impl FnOnce() -> Result<T, SourceError>,
) -> Result<T, SourceError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(SourceError::Corrupt {
            path: path.to_owned(),
            detail: "the workbook parser failed on it",
        })
    })
}

/// Tell the ZIP-based formats apart by their member names (no workbook parsing): ODS has
/// `content.xml`, xlsb has `xl/workbook.bin`; anything else is tried as xlsx.
pub(super) fn sniff_zip_format(path: &Path) -> Format {
    let Ok(file) = File::open(path) else {
        return Format::Xlsx;
    };
    let Ok(archive) = zip::ZipArchive::new(BufReader::new(file)) else {
        return Format::Xlsx;
    };
    let has = |name: &str| archive.file_names().any(|n| n.eq_ignore_ascii_case(name));
    if has("content.xml") {
        Format::Ods
    } else if has("xl/workbook.bin") {
        Format::Xlsb
    } else {
        Format::Xlsx
    }
}

/// The sheet names of a workbook, in tab order (for messages such as "sheets are: …").
pub fn sheet_names(path: &Path) -> Result<Vec<String>, SourceError> {
    match super::format::detect_format(path)? {
        Format::Csv => Err(SourceError::NotAWorkbook {
            path: path.to_owned(),
            extension: path
                .extension()
                .map(|e| e.to_string_lossy().into_owned())
                .unwrap_or_default(),
            found: "it is delimited text, which has no sheets",
        }),
        format => guard(path, || Ok(open_as(path, format)?.sheet_names())),
    }
}

/// Which sheet to read: an exact name, then a case-insensitive name, then a 1-based index;
/// by default the first visible worksheet (what Excel shows when the file opens, near enough).
pub(super) fn choose_sheet(
    workbook: &Workbook,
    wanted: Option<&str>,
    path: &Path,
) -> Result<String, SourceError> {
    let names = workbook.sheet_names();
    let not_found = |wanted: &str| SourceError::NoSheet {
        path: path.to_owned(),
        wanted: wanted.to_owned(),
        available: names.clone(),
    };
    let Some(wanted) = wanted else {
        let metadata = workbook.sheets_metadata();
        return metadata
            .iter()
            .find(|s| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible)
            .map(|s| s.name.clone())
            .or_else(|| names.first().cloned())
            .ok_or_else(|| not_found("(the first sheet)"));
    };
    if let Some(name) = names.iter().find(|n| *n == wanted) {
        return Ok(name.clone());
    }
    let folded: Vec<&String> = names
        .iter()
        .filter(|n| n.to_lowercase() == wanted.to_lowercase())
        .collect();
    if let [name] = folded[..] {
        return Ok(name.clone());
    }
    if !wanted.is_empty() && wanted.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(name) = wanted
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| names.get(i))
        {
            return Ok(name.clone());
        }
    }
    // A reject workbook fed back with the mapping of its input: the mapping names the input's
    // sheet ("Contacts"), the reject file has only its own. Taking it is what the user meant;
    // any other workbook still gets the error listing its sheets.
    if let [only] = &names[..] {
        if only == super::REJECTS_SHEET {
            return Ok(only.clone());
        }
    }
    Err(not_found(wanted))
}

/// Open a workbook, choose the sheet and read its header row. The sheet is read on a thread
/// of its own that owns the workbook (calamine's cell readers borrow it) and hands the rows
/// over in batches; dropping the rows stops it.
pub(super) fn open(
    path: &Path,
    format: Format,
    options: &SourceOptions,
) -> Result<(ExcelRows, Vec<String>, String), SourceError> {
    let (sender, receiver) = sync_channel(BATCHES_AHEAD);
    let (thread_path, thread_options) = (path.to_owned(), options.clone());
    let spawned = std::thread::Builder::new()
        .name("workbook reader".into())
        .spawn(move || {
            let failed = sender.clone();
            let read = || stream::read_sheet(&thread_path, format, &thread_options, &sender);
            if let Err(e) = guard(&thread_path, read) {
                let _ = failed.send(Message::Failed(e));
            }
        });
    if let Err(source) = spawned {
        return Err(SourceError::Io {
            path: path.to_owned(),
            source,
        });
    }
    match receiver.recv() {
        Ok(Message::Header {
            headers,
            sheet,
            reject_file,
        }) => {
            let rows = ExcelRows {
                batch: Vec::new().into_iter(),
                receiver,
                ended: false,
            };
            let mut dialect = format!("{format}, sheet '{sheet}'");
            if reject_file {
                dialect.push_str(", a reject file: headers on row 1");
            }
            Ok((rows, headers, dialect))
        }
        Ok(Message::Failed(e)) => Err(e),
        Ok(Message::Rows(_)) | Err(_) => Err(SourceError::Corrupt {
            path: path.to_owned(),
            detail: "the workbook parser failed on it",
        }),
    }
}

/// Empty, or text that is only whitespace: a stray space in an otherwise empty row does not
/// make it a data row (nor a header cell).
pub(super) fn is_blank(cell: &Data) -> bool {
    match cell {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

impl ExcelRows {
    /// The next non-blank row of the sheet; `Err` once if the read failed midway.
    pub(super) fn next_row(&mut self) -> Option<Result<RawRow, SourceError>> {
        loop {
            if let Some(row) = self.batch.next() {
                return Some(Ok(row));
            }
            if self.ended {
                return None;
            }
            match self.receiver.recv() {
                Ok(Message::Rows(rows)) => self.batch = rows.into_iter(),
                Ok(Message::Failed(e)) => {
                    self.ended = true;
                    return Some(Err(e));
                }
                // The reader thread has finished (or stopped without a word: a bug).
                Ok(Message::Header { .. }) | Err(_) => self.ended = true,
            }
        }
    }
}

/// A cell as a person sees it: integers without `.0` or exponent, other numbers to Excel's 15
/// significant digits, `TRUE`/`FALSE`, dates as ISO `YYYY-MM-DD` (with `THH:MM:SS` when there
/// is a time part), times of day as `HH:MM:SS`, durations as `H:MM:SS`, errors as their Excel
/// text (`#N/A`), text unchanged (a ZIP stored as text keeps its leading zero).
pub fn render_cell(cell: &Data) -> String {
    render_owned(cell.clone())
}

/// [`render_cell`] of a cell no longer needed: its text is moved, not copied (one allocation
/// less per text cell of a sheet).
pub(super) fn render_owned(cell: Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s,
        Data::Int(i) => i.to_string(),
        Data::Float(f) => render_float(f),
        Data::Bool(true) => "TRUE".to_owned(),
        Data::Bool(false) => "FALSE".to_owned(),
        Data::DateTime(dt) => render_datetime(&dt),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s,
        Data::Error(e) => e.to_string(),
    }
}

/// Integral values print as integers (Rust's float `Display` never uses an exponent); others
/// are rounded to 15 significant digits, as Excel displays them, so that a stored
/// 0.30000000000000004 reads 0.3, then printed in the shortest form.
fn render_float(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f == 0.0 {
        return "0".to_owned();
    }
    if f.fract() == 0.0 {
        return format!("{f}");
    }
    let rounded = format!("{f:.14e}").parse::<f64>().unwrap_or(f);
    format!("{rounded}")
}

fn render_datetime(dt: &ExcelDateTime) -> String {
    let value = dt.as_f64();
    if dt.is_duration() {
        let total = (value * 86_400.0).round() as i64;
        let sign = if total < 0 { "-" } else { "" };
        let total = total.abs();
        return format!(
            "{sign}{}:{:02}:{:02}",
            total / 3600,
            total / 60 % 60,
            total % 60
        );
    }
    let (year, month, day, hour, minute, second, milli) = dt.to_ymd_hms_milli();
    let time = if milli == 0 {
        format!("{hour:02}:{minute:02}:{second:02}")
    } else {
        format!("{hour:02}:{minute:02}:{second:02}.{milli:03}")
    };
    if (0.0..1.0).contains(&value) {
        // A time of day with no date: Excel's serial 0 is not a real day.
        time
    } else if (hour, minute, second, milli) == (0, 0, 0, 0) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02}T{time}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{CellErrorType, ExcelDateTimeType};

    fn float(f: f64) -> String {
        render_cell(&Data::Float(f))
    }

    #[test]
    fn integral_floats_have_no_fraction_or_exponent() {
        assert_eq!(float(4155551234.0), "4155551234");
        assert_eq!(float(14155551234.0), "14155551234");
        assert_eq!(float(1e21), "1000000000000000000000");
        assert_eq!(float(-42.0), "-42");
        assert_eq!(float(-0.0), "0");
        assert_eq!(render_cell(&Data::Int(-7)), "-7");
        assert_eq!(render_cell(&Data::Int(i64::MAX)), "9223372036854775807");
    }

    #[test]
    fn other_floats_read_as_excel_shows_them() {
        assert_eq!(float(12.5), "12.5");
        assert_eq!(float(-12.5), "-12.5");
        assert_eq!(float(0.1 + 0.2), "0.3");
        assert_eq!(float(1.0 / 3.0), "0.333333333333333");
        assert_eq!(float(0.000001), "0.000001");
    }

    #[test]
    fn text_bool_error_cells() {
        assert_eq!(render_cell(&Data::String("02134".into())), "02134");
        assert_eq!(render_cell(&Data::String(" padded ".into())), " padded ");
        assert_eq!(render_cell(&Data::Bool(true)), "TRUE");
        assert_eq!(render_cell(&Data::Bool(false)), "FALSE");
        assert_eq!(render_cell(&Data::Error(CellErrorType::NA)), "#N/A");
        assert_eq!(render_cell(&Data::Empty), "");
    }

    fn date(value: f64) -> String {
        let dt = ExcelDateTime::new(value, ExcelDateTimeType::DateTime, false);
        render_cell(&Data::DateTime(dt))
    }

    #[test]
    fn dates_render_iso() {
        assert_eq!(date(45306.0), "2024-01-15");
        assert_eq!(date(45306.5), "2024-01-15T12:00:00");
        assert_eq!(date(1.0), "1900-01-01");
        assert_eq!(date(0.75), "18:00:00");
        let dt_1904 = ExcelDateTime::new(1.0, ExcelDateTimeType::DateTime, true);
        assert_eq!(render_cell(&Data::DateTime(dt_1904)), "1904-01-02");
        let duration = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(render_cell(&Data::DateTime(duration)), "36:00:00");
        assert_eq!(
            render_cell(&Data::DateTimeIso("2024-01-15".into())),
            "2024-01-15"
        );
    }
}
