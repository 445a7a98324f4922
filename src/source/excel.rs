//! Reader for workbooks (xlsx, xlsm, xlsb, xls, ods) through calamine, and the rendering of a
//! cell the way a person sees it in the spreadsheet. calamine loads a sheet whole as a `Range`;
//! the reader keeps that one copy and renders one row at a time from it.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use calamine::{
    open_workbook, Data, ExcelDateTime, Ods, Reader, SheetType, SheetVisible, Sheets, Xls, Xlsb,
    Xlsx,
};

use super::zero_pad::{self, ZeroPad};
use super::{clean_header, fit_width, Format, RawRow, SourceError, SourceOptions};

type Workbook = Sheets<BufReader<File>>;

/// The data rows of one loaded sheet.
pub(super) struct ExcelRows {
    range: calamine::Range<Data>,
    /// 0-based sheet row of the range's first row (calamine trims leading empty rows).
    first_row: u64,
    /// 0-based sheet column of the range's first column.
    first_col: u32,
    /// Index in `range` of the next row to hand out.
    next: usize,
    /// Cells whose number format pads with zeros (xlsx only).
    zero_pad: ZeroPad,
}

fn workbook_error(path: &Path) -> impl FnOnce(calamine::Error) -> SourceError + '_ {
    move |source| SourceError::Workbook {
        path: path.to_owned(),
        source,
    }
}

fn open_as(path: &Path, format: Format) -> Result<Workbook, SourceError> {
    if format == Format::Xls {
        super::cfb_check::check(path).map_err(|detail| SourceError::Corrupt {
            path: path.to_owned(),
            detail,
        })?;
    }
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
fn guard<T>(path: &Path, read: impl FnOnce() -> Result<T, SourceError>) -> Result<T, SourceError> {
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
    match super::detect_format(path)? {
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
fn choose_sheet(
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
        if only == crate::report::REJECTS_SHEET {
            return Ok(only.clone());
        }
    }
    Err(not_found(wanted))
}

/// Open a workbook, load the chosen sheet and read its header row.
pub(super) fn open(
    path: &Path,
    format: Format,
    options: &SourceOptions,
) -> Result<(ExcelRows, Vec<String>, String), SourceError> {
    let (sheet, range) = guard(path, || {
        let mut workbook = open_as(path, format)?;
        let sheet = choose_sheet(&workbook, options.sheet.as_deref(), path)?;
        let range = workbook
            .worksheet_range(&sheet)
            .map_err(workbook_error(path))?;
        Ok((sheet, range))
    })?;

    let no_header = |detail: String| SourceError::NoHeader {
        path: path.to_owned(),
        detail,
    };
    let Some((first_row, first_col)) = range.start() else {
        return Err(no_header(format!("sheet '{sheet}' is empty")));
    };
    let first_row = u64::from(first_row);
    let header_row = super::reject_file::sheet_header_row(&sheet, &range, options);
    // Row numbers above the first non-empty row all mean "the first non-empty row".
    let wanted = u64::try_from(header_row - 1).unwrap_or(u64::MAX);
    let header_index = usize::try_from(wanted.saturating_sub(first_row)).unwrap_or(usize::MAX);
    if header_index >= range.height() {
        return Err(no_header(format!(
            "sheet '{sheet}' has no row {header_row}"
        )));
    }
    let header_cells = &range[header_index];
    // Trailing empty header cells are formatting, not columns.
    let Some(last) = header_cells.iter().rposition(|c| !is_blank(c)) else {
        return Err(no_header(format!(
            "row {} of sheet '{sheet}' is blank",
            first_row + header_index as u64 + 1
        )));
    };
    let headers = header_cells[..=last]
        .iter()
        .enumerate()
        .map(|(i, c)| clean_header(&render_cell(c), i))
        .collect();
    let mut dialect = format!("{format}, sheet '{sheet}'");
    if header_row != options.header_row {
        dialect.push_str(", a reject file: headers on row 1");
    }
    let zero_pad = match format {
        Format::Xlsx | Format::Xlsm => ZeroPad::load(path, &sheet),
        _ => ZeroPad::default(),
    };
    let rows = ExcelRows {
        range,
        first_row,
        first_col,
        next: header_index + 1,
        zero_pad,
    };
    Ok((rows, headers, dialect))
}

/// Empty, or text that is only whitespace: a stray space in an otherwise empty row does not
/// make it a data row (nor a header cell).
fn is_blank(cell: &Data) -> bool {
    match cell {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

impl ExcelRows {
    /// The next non-blank row of the sheet.
    pub(super) fn next_row(&mut self, width: usize) -> Option<RawRow> {
        while self.next < self.range.height() {
            let index = self.next;
            self.next += 1;
            let cells = &self.range[index];
            if cells.iter().all(is_blank) {
                continue;
            }
            let row = self.first_row + index as u64;
            let sheet_row = u32::try_from(row).unwrap_or(u32::MAX);
            let mut rendered: Vec<String> = cells
                .iter()
                .zip(self.first_col..)
                .map(|(cell, col)| {
                    let padded = match (self.zero_pad.width(sheet_row, col), cell) {
                        (Some(width), Data::Float(f)) => zero_pad::pad(*f, width),
                        (Some(width), Data::Int(i)) => zero_pad::pad(*i as f64, width),
                        _ => None,
                    };
                    padded.unwrap_or_else(|| render_cell(cell))
                })
                .collect();
            let defect = fit_width(&mut rendered, width);
            return Some(RawRow {
                row: row + 1,
                cells: rendered,
                defect,
            });
        }
        None
    }
}

/// A cell as a person sees it: integers without `.0` or exponent, other numbers to Excel's 15
/// significant digits, `TRUE`/`FALSE`, dates as ISO `YYYY-MM-DD` (with `THH:MM:SS` when there
/// is a time part), times of day as `HH:MM:SS`, durations as `H:MM:SS`, errors as their Excel
/// text (`#N/A`), text unchanged (a ZIP stored as text keeps its leading zero).
pub fn render_cell(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => render_float(*f),
        Data::Bool(true) => "TRUE".to_owned(),
        Data::Bool(false) => "FALSE".to_owned(),
        Data::DateTime(dt) => render_datetime(dt),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
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
