//! What reading a CSV record means for its row: bytes invalid in its encoding, a field read
//! as windows-1252 in a UTF-8 file, a missing closing quote, and how several such defects
//! combine into the row's one [`RowDefect`].

use super::CsvRows;
use crate::source::decode::{self, FieldDecode, RecordText};
use crate::source::RowDefect;

impl CsvRows {
    /// What the decoding of a record means for the row: bytes invalid in a declared encoding
    /// and fallback text that is in neither encoding block it; a fallback in a file that is
    /// otherwise UTF-8 is a warning to check the row's accents.
    pub(super) fn encoding_defect(&mut self, text: &RecordText) -> Option<RowDefect> {
        if let Some(field) = text.bad_field {
            return Some(RowDefect {
                code: "bad_encoding",
                message: format!(
                    "field {} holds bytes that are not valid {}; they were replaced by \u{fffd} \
                     (if the whole file is in another encoding, set `encoding` under [source] \
                     in the mapping)",
                    field + 1,
                    self.encoding_name()
                ),
                blocking: true,
            });
        }
        let field = text.fallback_field? + 1;
        if text.fallback_controls {
            return Some(RowDefect {
                code: "bad_encoding",
                message: format!(
                    "field {field} is neither UTF-8 nor windows-1252 text (read as windows-1252 it \
                     holds control characters); save the file as UTF-8 (\"CSV UTF-8\" in Excel) \
                     and run it again"
                ),
                blocking: true,
            });
        }
        let (path, from) = (&self.path, self.bom_len + self.reader.position().byte());
        if !self
            .decoder
            .is_mixed(|| decode::utf8_text_ahead(path, from))
        {
            return None;
        }
        Some(RowDefect {
            code: "encoding_mixed",
            message: format!(
                "field {field} is not valid UTF-8 like the rest of the file; it was read as \
                 windows-1252: check its accented letters"
            ),
            blocking: false,
        })
    }

    fn encoding_name(&self) -> &'static str {
        match self.decoder.mode {
            FieldDecode::Utf8 | FieldDecode::Utf8OrFallback { .. } => "UTF-8",
            FieldDecode::SingleByte(e) => e.name(),
            FieldDecode::Transcoded => "text in the file's encoding",
        }
    }

    /// A missing closing quote makes the parser swallow the following lines into one field.
    /// Quoted newlines are legitimate (addresses, notes), so flag only a field holding a line
    /// that on its own has as many delimiters as a whole record.
    pub(super) fn unbalanced_quote(
        &self,
        cells: &[String],
        width: usize,
        row: u64,
    ) -> Option<RowDefect> {
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
                "field {} of row {row} runs over {lines} lines that look like whole records: a \
                 closing quote is probably missing",
                field + 1
            ),
            blocking: true,
        })
    }
}

/// The first blocking defect (else the first warning) keeps its code; the others' messages are
/// appended after " | ".
pub(super) fn combine<const N: usize>(defects: [Option<RowDefect>; N]) -> Option<RowDefect> {
    let mut found: Vec<RowDefect> = defects.into_iter().flatten().collect();
    // Stable: blocking defects first, each group in the order given.
    found.sort_by_key(|d| !d.blocking);
    let mut found = found.into_iter();
    let mut first = found.next()?;
    for other in found {
        first.message.push_str(" | ");
        first.message.push_str(other.code);
        first.message.push_str(": ");
        first.message.push_str(&other.message);
    }
    Some(first)
}
