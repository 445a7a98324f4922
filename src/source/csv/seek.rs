//! Reading one record of a CSV file again from where it starts (issue 20: the report files
//! need the cells of the few rejected and merged rows, and reading them by position costs
//! those rows, where a second pass over the whole file cost every row). The record is parsed
//! and decoded exactly as the streaming reader did: same delimiter, same line-end adaptation,
//! same per-field decoding, same width rule.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use ::csv::{ByteRecord, Position};

use super::super::decode::{Decoder, FieldDecode};
use super::super::line_ends::{CrToLf, LineEnds};
use super::super::row_fit::fit_width;
use super::super::SourceError;

/// Small: one record is read per seek, and a seek drops the buffer.
const SEEK_BUFFER: usize = 4096;

/// How the streaming reader read the file, enough to read one of its records again.
#[derive(Debug, Clone)]
pub(in crate::source) struct Dialect {
    pub path: PathBuf,
    pub delimiter: u8,
    pub decode: FieldDecode,
    pub line_ends: LineEnds,
}

/// The file, as the csv parser sees it (a CR-only file's `\r` read as `\n`, as when streamed).
enum Stream {
    Plain(File),
    Cr(CrToLf<File>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(f) => f.read(buf),
            Stream::Cr(f) => f.read(buf),
        }
    }
}

impl Seek for Stream {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        match self {
            Stream::Plain(f) => f.seek(pos),
            // Byte for byte: `\r` becomes `\n`, nothing is added or removed.
            Stream::Cr(f) => f.0.seek(pos),
        }
    }
}

/// Reads records at byte offsets of the file; opened on the first one asked.
pub(in crate::source) struct Seeker {
    dialect: Dialect,
    reader: Option<::csv::Reader<Stream>>,
    record: ByteRecord,
    decoder: Decoder,
}

impl Seeker {
    pub(in crate::source) fn new(dialect: Dialect) -> Seeker {
        let decoder = Decoder::new(dialect.decode);
        Seeker {
            dialect,
            reader: None,
            record: ByteRecord::new(),
            decoder,
        }
    }

    fn io_err(path: &Path, source: std::io::Error) -> SourceError {
        SourceError::Io {
            path: path.to_owned(),
            source,
        }
    }

    /// The cells (exactly `width`) of the first data record at or after `offset` (a file
    /// offset the streaming reader gave as [`super::super::RawRow::offset`]); `None` past the
    /// end of the file.
    pub(in crate::source) fn cells_at(
        &mut self,
        offset: u64,
        width: usize,
    ) -> Result<Option<Vec<String>>, SourceError> {
        let reader = match &mut self.reader {
            Some(reader) => reader,
            None => {
                let path = &self.dialect.path;
                let file = File::open(path).map_err(|e| Self::io_err(path, e))?;
                let stream = match self.dialect.line_ends {
                    LineEnds::Cr => Stream::Cr(CrToLf(file)),
                    _ => Stream::Plain(file),
                };
                self.reader.insert(
                    ::csv::ReaderBuilder::new()
                        .has_headers(false)
                        .flexible(true)
                        .delimiter(self.dialect.delimiter)
                        .buffer_capacity(SEEK_BUFFER)
                        .from_reader(stream),
                )
            }
        };
        let mut position = Position::new();
        position.set_byte(offset);
        reader
            .seek_raw(SeekFrom::Start(offset), position)
            .map_err(|source| SourceError::Csv {
                path: self.dialect.path.clone(),
                source,
            })?;
        loop {
            let more = reader
                .read_byte_record(&mut self.record)
                .map_err(|source| SourceError::Csv {
                    path: self.dialect.path.clone(),
                    source,
                })?;
            if !more {
                return Ok(None);
            }
            // As the streaming reader: a record of whitespace only is no data row.
            if self
                .record
                .iter()
                .all(|f| f.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            let mut cells = Vec::with_capacity(width.max(self.record.len()));
            self.decoder.decode(&self.record, &mut cells);
            fit_width(&mut cells, width);
            return Ok(Some(cells));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::source::{open, SourceOptions};

    /// Every row of `bytes`, streamed, and the same row read again at its offset.
    fn streamed_and_sought(bytes: &[u8], options: &SourceOptions) -> usize {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, bytes).unwrap();
        let rows: Vec<_> = open(&path, options).unwrap().map(Result::unwrap).collect();
        // Another reader, as the reports use: rows asked out of order too.
        let mut again = open(&path, options).unwrap();
        for raw in rows.iter().rev() {
            let offset = raw
                .offset
                .unwrap_or_else(|| panic!("row {} has no offset", raw.row));
            let cells = again.cells_at(offset).unwrap();
            assert_eq!(
                cells.as_ref(),
                Some(&raw.cells),
                "row {} at {offset}",
                raw.row
            );
        }
        rows.len()
    }

    #[test]
    fn a_row_read_at_its_offset_has_the_cells_it_was_streamed_with() {
        let cases: &[(&[u8], usize)] = &[
            (b"Email,Name\na@x.co,Ann\nb@x.co,Bo\n", 2),
            // A BOM, CRLF, blank and whitespace-only lines, a quoted cell over two lines.
            (
                b"\xef\xbb\xbfEmail,Name\r\n\r\na@x.co,Ann\r\n  ,\r\n\"b@x.co\",\"B\r\no\"\r\nc,d",
                3,
            ),
            // Classic Mac line ends, read as `\n` inside quoted cells too.
            (b"Email;Name\ra@x.co;\"A\rnn\"\rb@x.co;Bo\r", 2),
            // Ragged and short rows, a Windows-1252 byte in a UTF-8 file.
            (
                b"Email,Name\na@x.co,Ann,extra,\nb@x.co\nc@x.co,Caf\xe9\n",
                3,
            ),
        ];
        for (bytes, rows) in cases {
            let read = streamed_and_sought(bytes, &SourceOptions::default());
            assert_eq!(read, *rows, "{}", String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn a_transcoded_file_gives_no_offsets() {
        let text = "Email,Name\na@x.co,Ann\n";
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.csv");
        std::fs::write(&path, bytes).unwrap();
        let mut source = open(&path, &SourceOptions::default()).unwrap();
        let row = source.next().unwrap().unwrap();
        assert_eq!(row.cells, ["a@x.co", "Ann"]);
        assert_eq!(row.offset, None);
        assert_eq!(source.cells_at(2).unwrap(), None);
    }
}
