//! Turning the bytes of a CSV record's fields into text. A file without a declared encoding is
//! read as UTF-8 field by field, and a field that is not valid UTF-8 falls back to
//! Windows-1252 (Excel's "CSV" on Western Windows machines). The decision is never taken for
//! the whole file from its first bytes: a UTF-8 file with a few bad bytes in one row keeps its
//! "Café" (issue 19.5), and a file that is Windows-1252 throughout reads as before.
//!
//! Whether a fallback is worth a warning depends on the rest of the file: in a file that is
//! Windows-1252 throughout it is simply the file's encoding; in a file that also holds UTF-8
//! text it is a row pasted from elsewhere, and its accents deserve a look (`encoding_mixed`).

use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;

use ::csv::ByteRecord;
use encoding_rs::{Encoding, WINDOWS_1252};

/// How the bytes of one field become a `String`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FieldDecode {
    /// UTF-8 was forced: an invalid field is decoded lossily and the row flagged.
    Utf8,
    /// No encoding declared (or a UTF-8 BOM): UTF-8 where the bytes are valid UTF-8,
    /// Windows-1252 where they are not. `declared`: a BOM says the file is UTF-8, so every
    /// fallback is a mixed row.
    Utf8OrFallback { declared: bool },
    /// Single-byte ASCII-compatible encoding, forced: every byte maps to a character.
    SingleByte(&'static Encoding),
    /// The stream was transcoded to UTF-8; U+FFFD marks bytes the decoder could not map.
    Transcoded,
}

/// What decoding a record found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct RecordText {
    /// The first field that was not valid in the file's encoding (replaced by U+FFFD).
    pub bad_field: Option<usize>,
    /// The first field read with the Windows-1252 fallback.
    pub fallback_field: Option<usize>,
    /// A fallback field decoded to C1 control characters: bytes 0x81, 0x8D, 0x8F, 0x90 and
    /// 0x9D, which Windows-1252 leaves undefined, so the text is in neither encoding.
    pub fallback_controls: bool,
    /// Some field held valid non-ASCII UTF-8.
    pub utf8_text: bool,
}

/// Decodes the records of one file and counts how each was read, for the dialect line.
#[derive(Debug)]
pub(super) struct Decoder {
    pub mode: FieldDecode,
    /// Data rows read with the fallback in at least one field.
    pub fallback_rows: u64,
    /// Data rows read wholly as the file's encoding.
    pub plain_rows: u64,
    /// Any record so far (header included) held non-ASCII UTF-8 text.
    utf8_seen: bool,
    /// Any record so far (header included) needed the fallback.
    fallback_seen: bool,
    /// Whether the file mixes encodings, once a fallback asked.
    mixed: Option<bool>,
}

impl Decoder {
    pub(super) fn new(mode: FieldDecode) -> Decoder {
        Decoder {
            mode,
            fallback_rows: 0,
            plain_rows: 0,
            utf8_seen: false,
            fallback_seen: false,
            mixed: None,
        }
    }

    /// Decode every field of `record` into `cells`, reusing the strings it already holds (a
    /// row's cells handed back by the pipeline: no allocation per cell, issue 20); it ends
    /// with exactly one cell per field.
    pub(super) fn decode(&mut self, record: &ByteRecord, cells: &mut Vec<String>) -> RecordText {
        let mut found = RecordText::default();
        cells.truncate(record.len());
        for (i, field) in record.iter().enumerate() {
            match self.mode {
                FieldDecode::Utf8 => match std::str::from_utf8(field) {
                    Ok(s) => put(cells, i, s),
                    Err(_) => {
                        found.bad_field.get_or_insert(i);
                        put(cells, i, &String::from_utf8_lossy(field));
                    }
                },
                FieldDecode::Utf8OrFallback { .. } => match std::str::from_utf8(field) {
                    Ok(s) => {
                        found.utf8_text |= !s.is_ascii();
                        put(cells, i, s);
                    }
                    Err(_) => {
                        found.fallback_field.get_or_insert(i);
                        let text = WINDOWS_1252.decode_without_bom_handling(field).0;
                        found.fallback_controls |=
                            text.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c));
                        put(cells, i, &text);
                    }
                },
                FieldDecode::SingleByte(encoding) => {
                    put(cells, i, &encoding.decode_without_bom_handling(field).0);
                }
                FieldDecode::Transcoded => {
                    let s = String::from_utf8_lossy(field);
                    if s.contains('\u{fffd}') {
                        found.bad_field.get_or_insert(i);
                    }
                    put(cells, i, &s);
                }
            }
        }
        self.utf8_seen |= found.utf8_text;
        self.fallback_seen |= found.fallback_field.is_some();
        found
    }

    /// Count a data row's decoding (header and skipped rows are not rows of the file).
    pub(super) fn count(&mut self, text: &RecordText) {
        if text.fallback_field.is_some() {
            self.fallback_rows += 1;
        } else {
            self.plain_rows += 1;
        }
    }

    /// Whether the file mixes UTF-8 text with text that is not: known from what was read so
    /// far, else from a look at the rest of the file (`ahead` runs at most once a file).
    pub(super) fn is_mixed(&mut self, ahead: impl FnOnce() -> bool) -> bool {
        if let FieldDecode::Utf8OrFallback { declared: true } = self.mode {
            return true;
        }
        if self.utf8_seen {
            self.mixed = Some(true);
        }
        *self.mixed.get_or_insert_with(ahead)
    }

    /// The encoding part of the dialect line once the rows are read, with how many rows were
    /// read which way when the file mixes: `None` keeps the sniffed description.
    pub(super) fn describe(&self, bom: bool) -> Option<String> {
        if !matches!(self.mode, FieldDecode::Utf8OrFallback { .. }) {
            return None;
        }
        let utf8 = if bom { "UTF-8 with BOM" } else { "UTF-8" };
        if !self.fallback_seen {
            return Some(utf8.to_owned());
        }
        if self.mixed == Some(true) || self.utf8_seen || bom {
            let plain = match self.plain_rows {
                1 => "1 row".to_owned(),
                n => format!("{n} rows"),
            };
            return Some(format!(
                "{utf8} for {plain}, windows-1252 for {} not valid UTF-8",
                self.fallback_rows
            ));
        }
        Some("windows-1252 (not valid UTF-8)".to_owned())
    }
}

/// Cell `i` becomes `text`: the string already there is overwritten in place (`cells` holds at
/// least `i` cells, those of the fields before).
fn put(cells: &mut Vec<String>, i: usize, text: &str) {
    match cells.get_mut(i) {
        Some(cell) => {
            cell.clear();
            cell.push_str(text);
        }
        None => cells.push(text.to_owned()),
    }
}

/// Whether the file, from byte `from` on, holds a line of non-ASCII text that is valid UTF-8.
/// A file that cannot be read again counts as mixed: a warning too many is the safer error.
pub(super) fn utf8_text_ahead(path: &Path, from: u64) -> bool {
    let scan = || -> std::io::Result<bool> {
        let mut file = std::fs::File::open(path)?;
        file.seek(SeekFrom::Start(from))?;
        let mut reader = BufReader::with_capacity(256 * 1024, file);
        let mut line = Vec::new();
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                return Ok(false);
            }
            if !line.is_ascii() && std::str::from_utf8(&line).is_ok() {
                return Ok(true);
            }
        }
    };
    scan().unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(decoder: &mut Decoder, fields: &[&[u8]]) -> (Vec<String>, RecordText) {
        let record = ByteRecord::from(fields.to_vec());
        let mut cells = Vec::new();
        let text = decoder.decode(&record, &mut cells);
        (cells, text)
    }

    #[test]
    fn cells_handed_back_are_overwritten_whole() {
        let mut decoder = Decoder::new(FieldDecode::Utf8OrFallback { declared: false });
        let mut cells = vec![
            "a long old value".to_owned(),
            "x".to_owned(),
            "y".to_owned(),
        ];
        let record = ByteRecord::from(vec![&b"Caf\xc3\xa9"[..], b"K\xf6ln"]);
        decoder.decode(&record, &mut cells);
        assert_eq!(cells, ["Café", "Köln"]);
        let record = ByteRecord::from(vec![&b"1"[..], b"", b"3", b"4"]);
        decoder.decode(&record, &mut cells);
        assert_eq!(cells, ["1", "", "3", "4"]);
    }

    #[test]
    fn each_field_is_utf8_where_it_can_be() {
        let mut decoder = Decoder::new(FieldDecode::Utf8OrFallback { declared: false });
        let (cells, text) = decode(&mut decoder, &[b"Caf\xc3\xa9", b"K\xf6ln"]);
        assert_eq!(cells, ["Café", "Köln"]);
        assert_eq!(text.fallback_field, Some(1));
        assert!(text.utf8_text && !text.fallback_controls);
        assert!(decoder.is_mixed(|| false), "UTF-8 text was seen");
    }

    #[test]
    fn undefined_windows_1252_bytes_are_controls() {
        let mut decoder = Decoder::new(FieldDecode::Utf8OrFallback { declared: false });
        let (_, text) = decode(&mut decoder, &[b"a\x81b"]);
        assert!(text.fallback_controls);
    }

    #[test]
    fn a_file_of_windows_1252_only_is_not_mixed() {
        let mut decoder = Decoder::new(FieldDecode::Utf8OrFallback { declared: false });
        let (cells, text) = decode(&mut decoder, &[b"Jos\xe9"]);
        decoder.count(&text);
        assert_eq!(cells, ["José"]);
        assert!(!decoder.is_mixed(|| false));
        assert_eq!(
            decoder.describe(false).as_deref(),
            Some("windows-1252 (not valid UTF-8)")
        );
    }

    #[test]
    fn a_bom_makes_every_fallback_mixed() {
        let mut decoder = Decoder::new(FieldDecode::Utf8OrFallback { declared: true });
        let (_, text) = decode(&mut decoder, &[b"Jos\xe9"]);
        decoder.count(&text);
        assert!(decoder.is_mixed(|| panic!("no look ahead needed")));
        assert_eq!(
            decoder.describe(true).as_deref(),
            Some("UTF-8 with BOM for 0 rows, windows-1252 for 1 not valid UTF-8")
        );
    }
}
