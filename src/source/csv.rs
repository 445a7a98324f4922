//! Streaming reader for delimited text (CSV, TSV, semicolon files from European Excel, pipes).
//! One `csv::ByteRecord` is reused for the whole file; each field is decoded to a `String` per
//! row. UTF-8 and single-byte encodings (Windows-1252, ISO-8859-x) are parsed as bytes and
//! decoded per field, which is safe because the delimiter, quote and newline bytes are ASCII in
//! them; UTF-16 and other encodings are transcoded to UTF-8 on the fly first.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use ::csv::ByteRecord;
use encoding_rs::{Encoding, UTF_8};
use encoding_rs_io::DecodeReaderBytesBuilder;

use super::sniff::{self, EncodingChoice, SAMPLE_LEN};
use super::{clean_header, fit_width, read_up_to, RawRow, RowDefect, SourceError, SourceOptions};

/// Bigger than csv's 8 KiB default: fewer read calls on multi-megabyte files.
const BUFFER_CAPACITY: usize = 256 * 1024;

/// How the bytes of one field become a `String`.
#[derive(Debug, Clone, Copy)]
enum FieldDecode {
    /// The file is UTF-8; an invalid field is decoded lossily and the row flagged.
    Utf8,
    /// Single-byte ASCII-compatible encoding: every byte maps to a character.
    SingleByte(&'static Encoding),
    /// The stream was transcoded to UTF-8; U+FFFD marks bytes the decoder could not map.
    Transcoded,
}

/// The data rows of an open CSV file.
pub(super) struct CsvRows {
    path: PathBuf,
    reader: ::csv::Reader<Box<dyn Read + Send>>,
    record: ByteRecord,
    decode: FieldDecode,
    delimiter: u8,
    /// Whether records end in a bare `\n` (true) or `\r\n` (false); see [`CsvRows::start_line`].
    lf_terminated: bool,
    /// Bytes the csv parser will see and whether the last one is `\n` (not known for
    /// transcoded streams, whose length differs from the file's).
    stream_end: Option<(u64, bool)>,
    done: bool,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SourceError + '_ {
    move |source| SourceError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Open a delimited text file: sniff encoding and delimiter (unless forced), then read up to
/// and including the header record. Returns the rows, the headers and the dialect line.
pub(super) fn open(
    path: &Path,
    options: &SourceOptions,
) -> Result<(CsvRows, Vec<String>, String), SourceError> {
    let mut file = File::open(path).map_err(io_error(path))?;
    let mut sample = vec![0u8; SAMPLE_LEN];
    let n = read_up_to(&mut file, &mut sample).map_err(io_error(path))?;
    sample.truncate(n);
    let truncated = n == SAMPLE_LEN;

    let choice = sniff::sniff_encoding(&sample, truncated, options.encoding.as_deref())?;
    let decode = field_decode(&choice);
    let lf_terminated = {
        let body = &sample[choice.bom_len..];
        match decode {
            FieldDecode::Transcoded => lf_terminated(
                choice
                    .encoding
                    .decode_without_bom_handling(body)
                    .0
                    .as_bytes(),
            ),
            _ => lf_terminated(body),
        }
    };
    let delimiter = match options.delimiter {
        Some(d) if matches!(d, b'"' | b'\n' | b'\r') || !d.is_ascii() => {
            return Err(SourceError::InvalidOption(format!(
                "{:?} cannot be a delimiter",
                d as char
            )))
        }
        Some(d) => d,
        None => {
            let body = &sample[choice.bom_len..];
            let skip = options.header_row - 1;
            match decode {
                FieldDecode::Transcoded => {
                    let (text, _) = choice.encoding.decode_without_bom_handling(body);
                    sniff::sniff_delimiter(text.as_bytes(), truncated, skip)
                }
                _ => sniff::sniff_delimiter(body, truncated, skip),
            }
            .unwrap_or(b',')
        }
    };
    drop(sample);

    // Start after the BOM so that it never reaches the first header.
    let bom_len = u64::try_from(choice.bom_len).unwrap_or(0);
    let stream_end = match decode {
        FieldDecode::Transcoded => None,
        _ => stream_end(&mut file, bom_len).map_err(io_error(path))?,
    };
    file.seek(SeekFrom::Start(bom_len))
        .map_err(io_error(path))?;
    let stream: Box<dyn Read + Send> = match decode {
        FieldDecode::Transcoded => Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(choice.encoding))
                .bom_sniffing(false)
                .build(file),
        ),
        _ => Box::new(file),
    };
    let reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(BUFFER_CAPACITY)
        .from_reader(stream);
    let mut rows = CsvRows {
        path: path.to_owned(),
        reader,
        record: ByteRecord::new(),
        decode,
        delimiter,
        lf_terminated,
        stream_end,
        done: false,
    };
    let headers = rows.read_headers(options.header_row)?;
    let dialect = format!(
        "{}, {}",
        choice.describe(),
        sniff::describe_delimiter(delimiter)
    );
    Ok((rows, headers, dialect))
}

/// Whether the first line ends in a bare `\n` rather than `\r\n`.
fn lf_terminated(sample: &[u8]) -> bool {
    match sample.iter().position(|b| *b == b'\n') {
        Some(i) => i == 0 || sample[i - 1] != b'\r',
        None => true,
    }
}

/// The length of the stream after the BOM and whether its last byte is `\n`.
fn stream_end(file: &mut File, bom_len: u64) -> std::io::Result<Option<(u64, bool)>> {
    let len = file.metadata()?.len();
    if len <= bom_len {
        return Ok(Some((0, false)));
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(Some((len - bom_len, last[0] == b'\n')))
}

fn field_decode(choice: &EncodingChoice) -> FieldDecode {
    let encoding = choice.encoding;
    if encoding == UTF_8 {
        FieldDecode::Utf8
    } else if encoding.is_single_byte() && encoding.is_ascii_compatible() {
        FieldDecode::SingleByte(encoding)
    } else {
        FieldDecode::Transcoded
    }
}

impl CsvRows {
    fn read_headers(&mut self, header_row: usize) -> Result<Vec<String>, SourceError> {
        for _ in 0..header_row {
            if !self.read_record()? {
                return Err(SourceError::NoHeader {
                    path: self.path.clone(),
                    detail: if header_row == 1 {
                        "the file is empty".to_owned()
                    } else {
                        format!("the file has fewer than {header_row} records")
                    },
                });
            }
        }
        let mut cells = Vec::with_capacity(self.record.len());
        self.decode_fields(&mut cells);
        Ok(cells
            .iter()
            .enumerate()
            .map(|(i, c)| clean_header(c, i))
            .collect())
    }

    fn read_record(&mut self) -> Result<bool, SourceError> {
        self.reader
            .read_byte_record(&mut self.record)
            .map_err(|source| SourceError::Csv {
                path: self.path.clone(),
                source,
            })
    }

    /// Decode every field of the current record into `cells`; the index of the first field
    /// that was not valid in the file's encoding, if any.
    fn decode_fields(&self, cells: &mut Vec<String>) -> Option<usize> {
        let mut bad = None;
        for (i, field) in self.record.iter().enumerate() {
            let cell = match self.decode {
                FieldDecode::Utf8 => match std::str::from_utf8(field) {
                    Ok(s) => s.to_owned(),
                    Err(_) => {
                        bad.get_or_insert(i);
                        String::from_utf8_lossy(field).into_owned()
                    }
                },
                FieldDecode::SingleByte(encoding) => {
                    encoding.decode_without_bom_handling(field).0.into_owned()
                }
                FieldDecode::Transcoded => {
                    let s = String::from_utf8_lossy(field).into_owned();
                    if s.contains('\u{fffd}') {
                        bad.get_or_insert(i);
                    }
                    s
                }
            };
            cells.push(cell);
        }
        bad
    }

    /// The next data row, skipping rows whose fields are all empty.
    pub(super) fn next_row(&mut self, width: usize) -> Option<Result<RawRow, SourceError>> {
        loop {
            if self.done {
                return None;
            }
            match self.read_record() {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
            if self.record.iter().all(<[u8]>::is_empty) {
                continue;
            }
            let row = self.start_line();
            let mut cells = Vec::with_capacity(width.max(self.record.len()));
            let bad_field = self.decode_fields(&mut cells);
            let quote = self.unbalanced_quote(&cells, width, row);
            let ragged = fit_width(&mut cells, width);
            let encoding = bad_field.map(|i| RowDefect {
                code: "bad_encoding",
                message: format!(
                    "field {} holds bytes that are not valid {}; they were replaced by \u{fffd} \
                     (if the whole file is in another encoding, force it with --encoding)",
                    i + 1,
                    self.encoding_name()
                ),
            });
            let defect = combine([quote, ragged, encoding]);
            return Some(Ok(RawRow { row, cells, defect }));
        }
    }

    /// The line where the current record starts. csv's record position is where the reader
    /// stood before the record, i.e. before any blank lines it skipped (and, in CRLF files,
    /// before the previous record's `\n`), so count back from where the record ended instead:
    /// its end line, less the newlines inside its quoted fields, less its own terminating
    /// `\n` (LF files; a CRLF record ends at its `\r`; the last record may have none). A file
    /// that mixes line endings can be off by one; the start position is a floor.
    fn start_line(&self) -> u64 {
        let floor = self.record.position().map_or(1, |p| p.line());
        let end_position = self.reader.position();
        let end = end_position.line();
        let terminator = match self.stream_end {
            Some((len, last_is_lf)) if end_position.byte() >= len => u64::from(last_is_lf),
            _ => u64::from(self.lf_terminated),
        };
        // The common record (one line, no blank line before it) moves the line count only by
        // its own `\n` (LF) or the previous record's (CRLF): then it holds no newline and its
        // bytes need no scan.
        let span = end.saturating_sub(floor);
        let plain = if self.lf_terminated {
            span <= terminator
        } else {
            span <= 1
        };
        let inner: u64 = if plain {
            0
        } else {
            self.record
                .iter()
                .map(|f| f.iter().filter(|b| **b == b'\n').count() as u64)
                .sum()
        };
        end.saturating_sub(inner + terminator).max(floor)
    }

    fn encoding_name(&self) -> &'static str {
        match self.decode {
            FieldDecode::Utf8 => "UTF-8",
            FieldDecode::SingleByte(e) => e.name(),
            FieldDecode::Transcoded => "text in the file's encoding",
        }
    }

    /// A missing closing quote makes the parser swallow the following lines into one field.
    /// Quoted newlines are legitimate (addresses, notes), so flag only a field holding a line
    /// that on its own has as many delimiters as a whole record.
    fn unbalanced_quote(&self, cells: &[String], width: usize, row: u64) -> Option<RowDefect> {
        if width < 3 {
            return None;
        }
        let delimiter = char::from(self.delimiter);
        let field = cells.iter().position(|c| {
            c.contains('\n')
                && c.lines()
                    .skip(1)
                    .any(|line| line.matches(delimiter).count() >= width - 1)
        })?;
        let lines = cells[field].lines().count();
        Some(RowDefect {
            code: "unbalanced_quote",
            message: format!(
                "field {} of the record starting on line {row} runs over {lines} lines that look \
                 like whole records: a closing quote is probably missing",
                field + 1
            ),
        })
    }
}

/// The first defect keeps its code; the others' messages are appended after " | ".
fn combine<const N: usize>(defects: [Option<RowDefect>; N]) -> Option<RowDefect> {
    let mut found = defects.into_iter().flatten();
    let mut first = found.next()?;
    for other in found {
        first.message.push_str(" | ");
        first.message.push_str(other.code);
        first.message.push_str(": ");
        first.message.push_str(&other.message);
    }
    Some(first)
}
