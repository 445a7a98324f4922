//! Recognising a reject file of ours fed back in (issue 13.3). `rejects.csv` and
//! `rejects.xlsx` are written with their header on row 1, comma-separated UTF-8 with a BOM, on
//! a sheet named "Rejects", whatever the input looked like; a mapping written for the input
//! (`header_row = 4` under title rows, a forced delimiter or encoding) does not describe them.
//! So a file whose first row holds the `_row` and `_stage` columns that only reject files have
//! is read the way it was written; `--header-row` on the command line still wins.

use super::sniff::{self, CANDIDATES};
use super::SourceOptions;

/// The one sheet of `rejects.xlsx`. The reader takes it when a mapping names its input's sheet,
/// so a reject workbook goes back in with the mapping of the file it came from.
pub const REJECTS_SHEET: &str = "Rejects";
/// Columns added by the reject file, after the input columns (`report` writes them; they are
/// here because the reader recognises a reject file by them).
pub const REJECT_COLUMNS: [&str; 5] = ["_row", "_stage", "_code", "_field", "_message"];

/// Whether a header row is a reject file's: it has the `_row` and `_stage` columns.
pub(super) fn is_reject_header<'a>(cells: impl IntoIterator<Item = &'a str>) -> bool {
    let [row, stage, ..] = REJECT_COLUMNS;
    let (mut has_row, mut has_stage) = (false, false);
    for cell in cells {
        let name = cell.trim_start_matches('\u{feff}').trim();
        has_row |= name == row;
        has_stage |= name == stage;
    }
    has_row && has_stage
}

/// The options to read a delimited file with, from its first bytes: for a reject file, header
/// row 1, the delimiter that splits its first record into the reject columns and the sniffed
/// encoding. The flag says whether that overrode anything the options asked for.
pub(super) fn csv_options(
    sample: &[u8],
    truncated: bool,
    options: &SourceOptions,
) -> (SourceOptions, bool) {
    if options.header_row_forced {
        return (options.clone(), false);
    }
    let Some(delimiter) = csv_reject_delimiter(sample, truncated) else {
        return (options.clone(), false);
    };
    let overrode = options.header_row != 1
        || options.encoding.is_some()
        || options.delimiter.is_some_and(|d| d != delimiter);
    let ours = SourceOptions {
        encoding: None,
        delimiter: Some(delimiter),
        header_row: 1,
        ..options.clone()
    };
    (ours, overrode)
}

/// The delimiter with which the sample's first record is a reject header, if any.
fn csv_reject_delimiter(sample: &[u8], truncated: bool) -> Option<u8> {
    let choice = sniff::sniff_encoding(sample, truncated, None).ok()?;
    let text = choice
        .encoding
        .decode_without_bom_handling(&sample[choice.bom_len..])
        .0;
    CANDIDATES.into_iter().find(|delimiter| {
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(*delimiter)
            .from_reader(text.as_bytes());
        let mut first = ::csv::StringRecord::new();
        matches!(reader.read_record(&mut first), Ok(true)) && is_reject_header(first.iter())
    })
}

/// Whether a sheet is one of our reject workbooks: named "Rejects", its first non-empty row
/// being the sheet's row 1 and holding the reject columns. `first_row` is that row's text
/// cells, `None` when the sheet's first non-empty row is not row 1. `--header-row` wins.
pub(super) fn is_reject_sheet(
    sheet: &str,
    first_row: Option<&[String]>,
    options: &SourceOptions,
) -> bool {
    !options.header_row_forced
        && sheet == REJECTS_SHEET
        && first_row.is_some_and(|cells| is_reject_header(cells.iter().map(String::as_str)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(header_row: usize, forced: bool) -> SourceOptions {
        SourceOptions {
            header_row,
            header_row_forced: forced,
            delimiter: Some(b';'),
            encoding: Some("windows-1252".into()),
            ..SourceOptions::default()
        }
    }

    #[test]
    fn a_reject_csv_is_read_as_written() {
        let sample =
            "\u{feff}Email,Name,_row,_stage,_code,_field,_message\r\nx,José,5,validate,c,f,m\r\n";
        let (ours, overrode) = csv_options(sample.as_bytes(), false, &options(4, false));
        assert!(overrode);
        assert_eq!(
            (ours.header_row, ours.delimiter, ours.encoding),
            (1, Some(b','), None)
        );
    }

    #[test]
    fn the_command_line_header_row_wins() {
        let sample = b"Email,_row,_stage\nx,5,read\n";
        let (ours, overrode) = csv_options(sample, false, &options(4, true));
        assert!(!overrode);
        assert_eq!(ours.header_row, 4);
    }

    #[test]
    fn other_files_keep_their_options() {
        let sample = b"Title\n\nEmail,row,stage\nx,5,read\n";
        let (ours, overrode) = csv_options(sample, false, &options(3, false));
        assert!(!overrode);
        assert_eq!(ours, options(3, false));
    }
}
