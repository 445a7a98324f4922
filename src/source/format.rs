//! The kinds of input file and how one is recognised: by its extension when that names a
//! workbook, checked against its first bytes, else by those bytes alone.

use super::{excel, SourceError};
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The kind of file being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Delimited text: `.csv`, `.tsv`, `.txt`, or anything that is not a workbook.
    Csv,
    /// Office Open XML workbook.
    Xlsx,
    /// Office Open XML workbook with macros (read like xlsx; macros are never run).
    Xlsm,
    /// Excel binary workbook.
    Xlsb,
    /// Excel 97–2003 workbook (OLE compound file).
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
}

impl Format {
    /// Short lower-case name, as in a file extension.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Xlsm => "xlsm",
            Format::Xlsb => "xlsb",
            Format::Xls => "xls",
            Format::Ods => "ods",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The format, from the extension when it names one, else from the first bytes. A workbook
/// extension on a file whose bytes are not a workbook is an error (exported ".xls" files that
/// are really HTML or text are common, and reading them as a sheet would produce garbage).
pub(super) fn detect_format(path: &Path) -> Result<Format, SourceError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let by_extension = match extension.as_str() {
        "csv" | "tsv" | "txt" | "tab" => return Ok(Format::Csv),
        "xlsx" => Some(Format::Xlsx),
        "xlsm" => Some(Format::Xlsm),
        "xlsb" => Some(Format::Xlsb),
        "xls" => Some(Format::Xls),
        "ods" => Some(Format::Ods),
        _ => None,
    };
    let mut magic = [0u8; 8];
    let mut file = File::open(path).map_err(|source| SourceError::Io {
        path: path.to_owned(),
        source,
    })?;
    let n = read_up_to(&mut file, &mut magic).map_err(|source| SourceError::Io {
        path: path.to_owned(),
        source,
    })?;
    let magic = &magic[..n];
    let is_zip = magic.starts_with(b"PK\x03\x04");
    let is_cfb = magic.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    match by_extension {
        // xlsx and ods are both ZIP; an Excel 5 .xls is CFB. The extension picks the parser.
        Some(format @ (Format::Xlsx | Format::Xlsm | Format::Xlsb | Format::Ods)) if is_zip => {
            Ok(format)
        }
        Some(Format::Xls) if is_cfb => Ok(Format::Xls),
        // A mislabelled workbook (.xls that is really xlsx, or the reverse) still opens.
        Some(_) if is_zip => Ok(excel::sniff_zip_format(path)),
        Some(_) if is_cfb => Ok(Format::Xls),
        Some(_) => Err(SourceError::NotAWorkbook {
            path: path.to_owned(),
            extension,
            found: if magic.is_empty() {
                "it is empty"
            } else {
                "it looks like text or HTML"
            },
        }),
        None if is_zip => Ok(excel::sniff_zip_format(path)),
        None if is_cfb => Ok(Format::Xls),
        None => Ok(Format::Csv),
    }
}

/// Fill `buf` as far as the reader allows; returns how many bytes were read.
pub(super) fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
