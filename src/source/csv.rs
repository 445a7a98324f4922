//! Streaming reader for delimited text (CSV, TSV, semicolon files from European Excel, pipes).
//! One `csv::ByteRecord` is reused for the whole file; each field is decoded to a `String` per
//! row (see [`super::decode`]). UTF-8 and single-byte encodings (Windows-1252, ISO-8859-x) are
//! parsed as bytes and decoded per field, which is safe because the delimiter, quote and
//! newline bytes are ASCII in them; UTF-16 and other encodings are transcoded to UTF-8 on the
//! fly first. A row's number is the row Excel shows it on (issue 13.4): a record whose quoted
//! cells span several lines takes one row, so its text line is not its row.

mod defects;
mod seek;

use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use ::csv::ByteRecord;
use encoding_rs::UTF_8;
use encoding_rs_io::DecodeReaderBytesBuilder;

use super::decode::{Decoder, FieldDecode};
use super::format::read_up_to;
use super::input_file::{self, Seen, Watched};
use super::line_ends::{stream_end, CrToLf, LineEnds};
use super::row_fit::{clean_header, fit_width};
use super::sniff::{self, EncodingChoice, Reason, SAMPLE_LEN};
use super::{RawRow, SourceError, SourceOptions};
use defects::combine;

/// Bigger than csv's 8 KiB default: fewer read calls on multi-megabyte files.
const BUFFER_CAPACITY: usize = 256 * 1024;

/// Rows' cells [`CsvRows::reuse`] keeps: about two of the pipeline's chunks.
const SPARE_ROWS: usize = 16_384;

/// The data rows of an open CSV file.
pub(super) struct CsvRows {
    path: PathBuf,
    reader: ::csv::Reader<Box<dyn Read + Send>>,
    record: ByteRecord,
    decoder: Decoder,
    /// Where the csv parser's byte 0 is in the file (after the BOM).
    bom_len: u64,
    /// The dialect line as sniffed; the encoding part is redone once the rows are read.
    encoding_described: String,
    dialect_rest: String,
    delimiter: u8,
    /// Whether records end in `\n` (true: LF files, and CR files once adapted) or `\r\n`;
    /// see [`CsvRows::start_line`].
    lf_terminated: bool,
    /// Bytes the csv parser will see and whether the last one is `\n` (not known for
    /// transcoded streams, whose length differs from the file's).
    stream_end: Option<(u64, bool)>,
    /// Newlines inside the quoted fields of the records read so far: Excel shows a record on
    /// one row however many lines its cells hold, so its row is its start line less these.
    inner_newlines: u64,
    /// The row Excel shows the record just read on.
    record_row: u64,
    /// The last data row's number (rows only ever increase: the ledger keys on them).
    last_row: u64,
    done: bool,
    /// Reads a record again by its offset; `None` for a transcoded file, whose parser offsets
    /// are not the file's.
    seeker: Option<seek::Seeker>,
    /// Rows' cells handed back once used ([`CsvRows::reuse`]): the next rows are decoded into
    /// their strings.
    spare: Vec<Vec<String>>,
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
    seen: Seen,
) -> Result<(CsvRows, Vec<String>), SourceError> {
    let mut file = File::open(path).map_err(io_error(path))?;
    let mut sample = vec![0u8; SAMPLE_LEN];
    let n = read_up_to(&mut file, &mut sample).map_err(io_error(path))?;
    sample.truncate(n);
    let truncated = n == SAMPLE_LEN;

    let (options, reject_file) = super::reject_file::csv_options(&sample, truncated, options);
    let options = &options;
    let choice = sniff::sniff_encoding(&sample, truncated, options.encoding.as_deref())?;
    let decode = field_decode(&choice);
    // The sample as the parser will see it (UTF-8 for transcoded encodings).
    let body = &sample[choice.bom_len..];
    let text: Cow<'_, [u8]> = match decode {
        FieldDecode::Transcoded => match choice.encoding.decode_without_bom_handling(body).0 {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        },
        _ => Cow::Borrowed(body),
    };
    let line_ends = LineEnds::of(&text);
    let delimiter = match options.delimiter {
        Some(d) if matches!(d, b'"' | b'\n' | b'\r') || !d.is_ascii() => {
            return Err(SourceError::InvalidOption(format!(
                "{:?} cannot be a delimiter",
                d as char
            )))
        }
        Some(d) => d,
        None => sniff::sniff_delimiter(&text, truncated, options.header_row - 1).unwrap_or(b','),
    };
    drop(text);
    drop(sample);

    // Start after the BOM so that it never reaches the first header.
    let bom_len = u64::try_from(choice.bom_len).unwrap_or(0);
    let stream_end = match decode {
        FieldDecode::Transcoded => None,
        _ => stream_end(&mut file, bom_len, line_ends).map_err(io_error(path))?,
    };
    file.seek(SeekFrom::Start(bom_len))
        .map_err(io_error(path))?;
    let file = Watched::new(file, path, seen, bom_len);
    let stream: Box<dyn Read + Send> = match decode {
        FieldDecode::Transcoded => Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(choice.encoding))
                .bom_sniffing(false)
                .build(file),
        ),
        _ => Box::new(file),
    };
    // csv counts lines by `\n` only; old Mac files end lines with a bare `\r`.
    let stream: Box<dyn Read + Send> = match line_ends {
        LineEnds::Cr => Box::new(CrToLf(stream)),
        _ => stream,
    };
    let reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(BUFFER_CAPACITY)
        .from_reader(stream);
    let mut dialect_rest = sniff::describe_delimiter(delimiter);
    if line_ends == LineEnds::Cr {
        dialect_rest.push_str(", CR line ends");
    }
    if reject_file {
        dialect_rest.push_str(", a reject file: headers on row 1");
    }
    let mut rows = CsvRows {
        path: path.to_owned(),
        reader,
        record: ByteRecord::new(),
        decoder: Decoder::new(decode),
        bom_len,
        encoding_described: choice.describe(),
        dialect_rest,
        delimiter,
        lf_terminated: line_ends != LineEnds::CrLf,
        stream_end,
        inner_newlines: 0,
        record_row: 0,
        last_row: 0,
        done: false,
        spare: Vec::new(),
        seeker: (decode != FieldDecode::Transcoded).then(|| {
            seek::Seeker::new(seek::Dialect {
                path: path.to_owned(),
                delimiter,
                decode,
                line_ends,
            })
        }),
    };
    let headers = rows.read_headers(options.header_row)?;
    Ok((rows, headers))
}

fn field_decode(choice: &EncodingChoice) -> FieldDecode {
    let encoding = choice.encoding;
    let utf8_bom = choice.reason == Reason::Bom && encoding == UTF_8;
    if matches!(choice.reason, Reason::ValidUtf8 | Reason::NotUtf8) || utf8_bom {
        // Sniffed from the first bytes only: decided again for each field.
        FieldDecode::Utf8OrFallback { declared: utf8_bom }
    } else if encoding == UTF_8 {
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
        self.decoder.decode(&self.record, &mut cells);
        Ok(cells
            .iter()
            .enumerate()
            .map(|(i, c)| clean_header(c, i))
            .collect())
    }

    /// Read the next record (header, skipped or data), keeping count of the newlines inside
    /// quoted fields; the start line of the record read, as [`CsvRows::start_line`] says.
    fn read_record(&mut self) -> Result<bool, SourceError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(false),
            Ok(true) => {
                let (start, inner) = self.start_line();
                self.record_row = start.saturating_sub(self.inner_newlines);
                self.inner_newlines += inner;
                Ok(true)
            }
            Err(source) => Err(match source.kind() {
                ::csv::ErrorKind::Io(e) if input_file::is_change(e) => SourceError::Changed {
                    path: self.path.clone(),
                },
                _ => SourceError::Csv {
                    path: self.path.clone(),
                    source,
                },
            }),
        }
    }

    /// The next data row, skipping rows whose fields are all empty or whitespace.
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
            // Not a data row: every field empty or ASCII whitespace (`,,,` lines, a stray space).
            if self
                .record
                .iter()
                .all(|f| f.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            // A file that mixes line endings can make two records look alike; the ledger
            // keys rows by number, so numbers only ever go up.
            let row = self.record_row.max(self.last_row + 1);
            self.last_row = row;
            // Where the parser stood before the record (blank lines before it included, which
            // a reader started there skips again), in the file: the BOM is before byte 0.
            let offset = self
                .seeker
                .as_ref()
                .and_then(|_| self.record.position())
                .map(|p| self.bom_len + p.byte());
            let mut cells = self
                .spare
                .pop()
                .unwrap_or_else(|| Vec::with_capacity(width.max(self.record.len())));
            let text = self.decoder.decode(&self.record, &mut cells);
            self.decoder.count(&text);
            let quote = self.unbalanced_quote(&cells, width, row);
            let ragged = fit_width(&mut cells, width);
            let encoding = self.encoding_defect(&text);
            let defect = combine([quote, ragged, encoding]);
            return Some(Ok(RawRow {
                row,
                cells,
                defect,
                offset,
            }));
        }
    }

    /// Takes back a row's cells, to decode a later row into their strings (at most
    /// [`SPARE_ROWS`] rows' worth are kept).
    pub(super) fn reuse(&mut self, cells: Vec<String>) {
        if self.spare.len() < SPARE_ROWS {
            self.spare.push(cells);
        }
    }

    /// The cells of the data record at file offset `offset` (a row's [`RawRow::offset`]), read
    /// again as this reader read them; `None` when the file cannot be read by offset or has
    /// no record there.
    pub(super) fn cells_at(
        &mut self,
        offset: u64,
        width: usize,
    ) -> Result<Option<Vec<String>>, SourceError> {
        match &mut self.seeker {
            Some(seeker) => seeker.cells_at(offset, width),
            None => Ok(None),
        }
    }

    /// How the file was read: as sniffed until every row is read, then as read (the encoding
    /// part says how many rows were read which way when they were not all read alike).
    pub(super) fn dialect(&self) -> String {
        let encoding = self
            .decoder
            .describe(self.bom_len > 0)
            .filter(|_| self.done)
            .unwrap_or_else(|| self.encoding_described.clone());
        format!("{encoding}, {}", self.dialect_rest)
    }

    /// The line where the current record starts and the newlines inside its quoted fields.
    /// csv's record position is where the reader
    /// stood before the record, i.e. before any blank lines it skipped (and, in CRLF files,
    /// before the previous record's `\n`), so count back from where the record ended instead:
    /// its end line, less the newlines inside its quoted fields, less its own terminating
    /// `\n` (LF files; a CRLF record ends at its `\r`; the last record may have none). A file
    /// that mixes line endings can be off by one; the start position is a floor.
    fn start_line(&self) -> (u64, u64) {
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
        (end.saturating_sub(inner + terminator).max(floor), inner)
    }
}
