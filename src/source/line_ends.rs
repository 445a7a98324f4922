//! Line endings of a delimited text file: which kind it uses (judged from the sample), a
//! reader that turns classic Mac `\r` line ends into `\n` so that the csv parser counts
//! lines, and the facts about the file's end the CSV reader needs to number its rows.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

/// How lines end, judged from the first line break of the sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LineEnds {
    /// `\n` (Unix, and files with a single line).
    Lf,
    /// `\r\n` (Windows, Excel).
    CrLf,
    /// A bare `\r` (classic Mac OS, "CSV (Macintosh)" in Excel for Mac).
    Cr,
}

impl LineEnds {
    pub(super) fn of(sample: &[u8]) -> LineEnds {
        match sample.iter().position(|b| matches!(b, b'\n' | b'\r')) {
            Some(i) if sample[i] == b'\n' => LineEnds::Lf,
            Some(i) if sample.get(i + 1) == Some(&b'\n') => LineEnds::CrLf,
            // A `\r` as the sample's very last byte may be the first half of a CRLF.
            Some(i) if i + 1 == sample.len() => LineEnds::CrLf,
            Some(_) if sample.contains(&b'\n') => LineEnds::CrLf,
            Some(_) => LineEnds::Cr,
            None => LineEnds::Lf,
        }
    }
}

/// Turns every `\r` into `\n`, so that csv counts the lines of a CR-only file. Safe in UTF-8
/// and single-byte encodings: the byte 0x0D is never part of another character.
pub(super) struct CrToLf<R>(pub(super) R);

impl<R: Read> Read for CrToLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        for byte in &mut buf[..n] {
            if *byte == b'\r' {
                *byte = b'\n';
            }
        }
        Ok(n)
    }
}

/// The length of the stream after the BOM and whether its last byte ends a line.
pub(super) fn stream_end(
    file: &mut File,
    bom_len: u64,
    line_ends: LineEnds,
) -> std::io::Result<Option<(u64, bool)>> {
    let len = file.metadata()?.len();
    if len <= bom_len {
        return Ok(Some((0, false)));
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    let ends_line = last[0] == b'\n' || (line_ends == LineEnds::Cr && last[0] == b'\r');
    Ok(Some((len - bom_len, ends_line)))
}
