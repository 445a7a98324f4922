//! The CSV report files: `rejects.csv`, `duplicates.csv`, `success.csv` and `warnings.csv`. Each
//! is UTF-8 with a BOM, comma-separated, CRLF-terminated (what Excel writes), every cell
//! neutralised, and written under a temporary name until finished (see `atomic`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{
    neutralise, Kept, RejectRow, ReportError, DUPLICATE_COLUMNS, REJECT_COLUMNS, SUCCESS_COLUMNS,
    WARNING_COLUMNS,
};
use crate::run::atomic::AtomicFile;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV file being written: BOM, header, neutralised records, then flush and fsync.
pub(super) struct CsvOut {
    path: PathBuf,
    /// The temporary file written until `finish` renames it (removed if dropped before).
    pending: AtomicFile,
    writer: ::csv::Writer<BufWriter<File>>,
    /// Reused for each record so that writing costs no allocation per row.
    record: Vec<String>,
}

impl CsvOut {
    pub(super) fn create<'h>(
        path: &Path,
        header: impl IntoIterator<Item = &'h str>,
    ) -> Result<CsvOut, ReportError> {
        let io = |source| ReportError::Io {
            path: path.to_owned(),
            source,
        };
        let (pending, file) = AtomicFile::create(path).map_err(io)?;
        let mut file = BufWriter::new(file);
        file.write_all(BOM).map_err(io)?;
        let writer = ::csv::WriterBuilder::new()
            .terminator(::csv::Terminator::CRLF)
            .from_writer(file);
        let mut out = CsvOut {
            path: path.to_owned(),
            pending,
            writer,
            record: Vec::new(),
        };
        out.write(header)?;
        Ok(out)
    }

    pub(super) fn write<'c>(
        &mut self,
        cells: impl IntoIterator<Item = &'c str>,
    ) -> Result<(), ReportError> {
        let mut used = 0;
        for cell in cells {
            let cell = neutralise(cell);
            match self.record.get_mut(used) {
                Some(slot) => {
                    slot.clear();
                    slot.push_str(&cell);
                }
                None => self.record.push(cell.into_owned()),
            }
            used += 1;
        }
        self.writer
            .write_record(&self.record[..used])
            .map_err(|source| ReportError::Csv {
                path: self.path.clone(),
                source,
            })
    }

    /// Flushes, then puts the file in place under its name (see `atomic`).
    pub(super) fn finish(self) -> Result<(), ReportError> {
        let path = self.path;
        let io = |source| ReportError::Io {
            path: path.clone(),
            source,
        };
        let buffered = self
            .writer
            .into_inner()
            .map_err(|e| io(std::io::Error::other(e.to_string())))?;
        let file = buffered.into_inner().map_err(|e| io(e.into_error()))?;
        self.pending.commit(Some(file)).map_err(io)
    }
}

/// Where a report file puts its own columns beside the input's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Own {
    First,
    Last,
}

/// A report file that repeats the input's columns (those `kept`) beside its own: the shape
/// `rejects.csv`, `duplicates.csv` and `success.csv` share.
struct InputCsv {
    out: CsvOut,
    kept: Kept,
    own: Own,
}

impl InputCsv {
    /// Create the file and write its header: the kept input headers and `columns`.
    fn create(
        path: &Path,
        headers: &[String],
        kept: Kept,
        columns: &[&str],
        own: Own,
    ) -> Result<InputCsv, ReportError> {
        let input = kept.cells(headers);
        let header: Vec<&str> = match own {
            Own::First => columns.iter().copied().chain(input).collect(),
            Own::Last => input.chain(columns.iter().copied()).collect(),
        };
        Ok(InputCsv {
            out: CsvOut::create(path, header)?,
            kept,
            own,
        })
    }

    /// Write one line: the row's kept input `cells` and its `added` values.
    fn write(&mut self, cells: &[String], added: &[&str]) -> Result<(), ReportError> {
        let input = self.kept.cells(cells);
        match self.own {
            Own::First => self.out.write(added.iter().copied().chain(input)),
            Own::Last => self.out.write(input.chain(added.iter().copied())),
        }
    }
}

/// `rejects.csv`: the input columns unchanged, then `_row,_stage,_code,_field,_message`.
pub struct RejectsCsv(InputCsv);

impl RejectsCsv {
    /// Create the file and write its header from the input headers.
    pub fn create(path: &Path, headers: &[String]) -> Result<RejectsCsv, ReportError> {
        let kept = Kept::for_rejects(headers);
        InputCsv::create(path, headers, kept, &REJECT_COLUMNS, Own::Last).map(RejectsCsv)
    }

    /// Write one rejected row (one line, whatever the number of issues).
    pub fn write(&mut self, reject: &RejectRow<'_>) -> Result<(), ReportError> {
        reject.with_own_cells(|own| self.0.write(reject.cells, own))
    }

    /// Flush and fsync the file.
    pub fn finish(self) -> Result<(), ReportError> {
        self.0.out.finish()
    }
}

/// A row merged into another, as written to `duplicates.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DuplicateRow<'a> {
    /// The merged row's number in the input.
    pub row: u64,
    /// The row it was merged into (the one delivered).
    pub merged_into_row: u64,
    /// What they share: `email` or `phone`.
    pub key: &'a str,
    /// The shared normalised value.
    pub value: &'a str,
    /// The merged row's input cells.
    pub cells: &'a [String],
}

/// `duplicates.csv`: `_row,_merged_into_row,_key,_value`, then the input columns.
pub struct DuplicatesCsv(InputCsv);

impl DuplicatesCsv {
    /// Create the file and write its header from the input headers.
    pub fn create(path: &Path, headers: &[String]) -> Result<DuplicatesCsv, ReportError> {
        let kept = Kept::new(headers);
        InputCsv::create(path, headers, kept, &DUPLICATE_COLUMNS, Own::First).map(DuplicatesCsv)
    }

    /// Write one merged row.
    pub fn write(&mut self, duplicate: &DuplicateRow<'_>) -> Result<(), ReportError> {
        let row = duplicate.row.to_string();
        let into = duplicate.merged_into_row.to_string();
        let added = [row.as_str(), into.as_str(), duplicate.key, duplicate.value];
        self.0.write(duplicate.cells, &added)
    }

    /// Flush and fsync the file.
    pub fn finish(self) -> Result<(), ReportError> {
        self.0.out.finish()
    }
}

/// A delivered row, as written to `success.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuccessRow<'a> {
    /// The row's number in the input.
    pub row: u64,
    /// The row's input cells.
    pub cells: &'a [String],
    /// `created`, `updated`, `unchanged` or `merged`.
    pub outcome: &'a str,
    /// The HighLevel contact id, when known.
    pub contact_id: Option<&'a str>,
    /// The row's warnings, `<code>: <message>` joined with ` | ` (empty when none).
    pub warnings: &'a str,
}

/// `success.csv`: the input columns, then `_row,_outcome,_contact_id,_warnings`.
pub struct SuccessCsv(InputCsv);

impl SuccessCsv {
    /// Create the file and write its header from the input headers.
    pub fn create(path: &Path, headers: &[String]) -> Result<SuccessCsv, ReportError> {
        let kept = Kept::new(headers);
        InputCsv::create(path, headers, kept, &SUCCESS_COLUMNS, Own::Last).map(SuccessCsv)
    }

    /// Write one delivered row.
    pub fn write(&mut self, success: &SuccessRow<'_>) -> Result<(), ReportError> {
        let row = success.row.to_string();
        let added = [
            row.as_str(),
            success.outcome,
            success.contact_id.unwrap_or(""),
            success.warnings,
        ];
        self.0.write(success.cells, &added)
    }

    /// Flush and fsync the file.
    pub fn finish(self) -> Result<(), ReportError> {
        self.0.out.finish()
    }
}

/// One warning on one row, as written to `warnings.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarningRow<'a> {
    /// The row's number in the input.
    pub row: u64,
    /// The contact field concerned (`dateOfBirth`, `customFields.<key>`, …).
    pub field: &'a str,
    /// The stable warning code.
    pub code: &'a str,
    /// What was done and why, for a person.
    pub message: &'a str,
}

/// `warnings.csv`: `row,field,code,message`, one line per warning (a row may have several).
/// Not an input for a rerun, so its columns carry no `_`.
pub struct WarningsCsv {
    out: CsvOut,
}

impl WarningsCsv {
    /// Create the file and write its header.
    pub fn create(path: &Path) -> Result<WarningsCsv, ReportError> {
        Ok(WarningsCsv {
            out: CsvOut::create(path, WARNING_COLUMNS)?,
        })
    }

    /// Write one warning.
    pub fn write(&mut self, warning: &WarningRow<'_>) -> Result<(), ReportError> {
        let row = warning.row.to_string();
        self.out
            .write([row.as_str(), warning.field, warning.code, warning.message])
    }

    /// Flush and fsync the file.
    pub fn finish(self) -> Result<(), ReportError> {
        self.out.finish()
    }
}
