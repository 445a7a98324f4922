//! Everything that stops an input file from being read at all, as one error type; a row that
//! cannot be read cleanly is a `RowDefect` instead.

use std::path::PathBuf;

/// Everything that stops a file from being read at all.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The input file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The CSV parser failed (in practice only on an I/O error mid-file).
    #[error("cannot read {} as CSV: {source}", path.display())]
    Csv {
        /// The input file.
        path: PathBuf,
        /// The underlying error.
        source: ::csv::Error,
    },
    /// The workbook could not be opened or the sheet could not be loaded.
    #[error("cannot read workbook {}: {source}", path.display())]
    Workbook {
        /// The input file.
        path: PathBuf,
        /// The underlying error.
        source: calamine::Error,
    },
    /// The workbook is damaged in a way its parser cannot handle safely.
    #[error(
        "{} is damaged ({detail}); open it in a spreadsheet program and save it again",
        path.display()
    )]
    Corrupt {
        /// The input file.
        path: PathBuf,
        /// What was found.
        detail: &'static str,
    },
    /// The workbook would take far more memory to read than any real spreadsheet needs (a
    /// part that inflates past its cap, repeats that expand past the budget).
    #[error("{} cannot be read safely: {detail}", path.display())]
    TooBig {
        /// The input file.
        path: PathBuf,
        /// What is too big, and by how much.
        detail: String,
    },
    /// The extension says workbook but the content is not one.
    #[error(
        "{} has the .{extension} extension but is not a workbook ({found}); if it is delimited \
         text, rename it to .csv",
        path.display()
    )]
    NotAWorkbook {
        /// The input file.
        path: PathBuf,
        /// The file's extension.
        extension: String,
        /// What the first bytes look like.
        found: &'static str,
    },
    /// The requested sheet does not exist.
    #[error("{}: no sheet '{wanted}'; sheets are: {}", path.display(), quoted_list(available))]
    NoSheet {
        /// The input file.
        path: PathBuf,
        /// The sheet asked for.
        wanted: String,
        /// The sheets the workbook has.
        available: Vec<String>,
    },
    /// The file has no row where the header should be.
    #[error("{}: no header: {detail}", path.display())]
    NoHeader {
        /// The input file.
        path: PathBuf,
        /// Why (empty file, header row past the end, header row blank).
        detail: String,
    },
    /// The forced encoding label is not known.
    #[error("unknown encoding '{0}' (try utf-8, utf-16le, utf-16be or windows-1252)")]
    UnknownEncoding(String),
    /// An option value that cannot work (delimiter is a quote or newline, header row 0).
    #[error("invalid source option: {0}")]
    InvalidOption(String),
    /// The input is a folder, a pipe or a device: it has to be read more than once.
    #[error("{} is {what}", path.display())]
    NotAFile {
        /// The input path.
        path: PathBuf,
        /// What it is instead, and what to do.
        what: &'static str,
    },
    /// The file grew, shrank or was rewritten while it was read (another program still
    /// writing it): the rows read would belong to two versions of it.
    #[error(
        "{}: the input changed while it was read; wait until whatever writes it has finished, \
         then run again",
        path.display()
    )]
    Changed {
        /// The input file.
        path: PathBuf,
    },
}

fn quoted_list(names: &[String]) -> String {
    if names.is_empty() {
        return "(none)".to_owned();
    }
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_sheet_message_lists_sheets() {
        let err = SourceError::NoSheet {
            path: PathBuf::from("a.xlsx"),
            wanted: "X".into(),
            available: vec!["Contacts".into(), "Notes".into()],
        };
        assert_eq!(
            err.to_string(),
            "a.xlsx: no sheet 'X'; sheets are: 'Contacts', 'Notes'"
        );
    }
}
