//! Checks run on a ZIP-based workbook before calamine opens it, so that a small file cannot
//! make the reader take gigabytes. calamine reads some parts whole into memory (xlsx/xlsb
//! shared strings, styles, the workbook and its relationships) and builds every ODS sheet in
//! memory with its repeated rows and columns expanded; those parts are inflated here through
//! a counter and refused past a cap. The count is of the bytes that actually come out of the
//! decompressor, never the size the ZIP header declares. Sheets of xlsx/xlsb are not checked:
//! they are read cell by cell (see `stream`), whatever their size.
//!
//! Caps, each with a wide margin over real files: Excel keeps a cell's text to 32,767
//! characters, a 1,048,576-row export with a dozen text columns has a shared-string table of
//! a few hundred MB at most, and styles or a workbook part past a few MB is not from a
//! spreadsheet program.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use quick_xml::events::Event;
use zip::ZipArchive;

use super::{Format, SourceError};

/// Styles, workbook, relationships, content types, the ODS manifest.
const PART_CAP: u64 = 64 << 20;
/// The shared-string table (xlsx, xlsb).
const STRINGS_CAP: u64 = 256 << 20;
/// Shared strings an xlsx may hold or declare: each costs calamine about 50 bytes beyond
/// its text, so this keeps the table under about 1 GiB.
const MAX_STRINGS: u64 = 12 << 20;
/// Upper bound on the streamed sheet part, for readers of our own (zero padding).
pub(super) const SHEET_CAP: u64 = 8 << 30;
/// ODS content.xml (every sheet, in one part).
const ODS_CONTENT_CAP: u64 = 512 << 20;

/// Refuse the workbook if one of the parts calamine loads whole is too big.
pub(super) fn check(path: &Path, format: Format) -> Result<(), SourceError> {
    let parts: &[(&str, Part)] = match format {
        Format::Xlsx | Format::Xlsm => &[
            ("xl/sharedstrings.xml", Part::XlsxStrings),
            ("xl/styles.xml", Part::Whole),
            ("xl/workbook.xml", Part::Whole),
            ("xl/_rels/workbook.xml.rels", Part::Whole),
        ],
        Format::Xlsb => &[
            ("xl/sharedstrings.bin", Part::Strings),
            ("xl/styles.bin", Part::Whole),
            ("xl/workbook.bin", Part::Whole),
            ("xl/_rels/workbook.bin.rels", Part::Whole),
        ],
        Format::Ods => &[
            ("content.xml", Part::OdsContent),
            ("meta-inf/manifest.xml", Part::Whole),
        ],
        Format::Xls | Format::Csv => return Ok(()),
    };
    let too_big = |detail: String| SourceError::TooBig {
        path: path.to_owned(),
        detail,
    };
    let file = File::open(path).map_err(|source| SourceError::Io {
        path: path.to_owned(),
        source,
    })?;
    // An archive that does not open is calamine's to report, in its own words.
    let Ok(mut archive) = ZipArchive::new(BufReader::new(file)) else {
        return Ok(());
    };
    for index in 0..archive.len() {
        let Ok(entry) = archive.by_index(index) else {
            continue;
        };
        let part_name = entry.name().to_owned();
        let name = part_name.replace('\\', "/").to_ascii_lowercase();
        let Some((_, part)) = parts.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let cap = part.cap();
        let mut counted = Capped {
            inner: entry,
            left: cap,
            overflowed: false,
        };
        let verdict = match part {
            Part::Whole | Part::Strings => io::copy(&mut counted, &mut io::sink())
                .map(|_| ())
                .map_err(|_| None),
            Part::XlsxStrings => shared_strings(&mut counted),
            Part::OdsContent => super::ods_size::check(&mut counted),
        };
        match verdict {
            Ok(()) => {}
            Err(_) if counted.overflowed => {
                return Err(too_big(format!(
                    "its part {part_name} inflates to more than {} MiB",
                    cap >> 20
                )));
            }
            Err(Some(detail)) => return Err(too_big(detail)),
            // Damage other than size is calamine's to report, in its own words.
            Err(None) => {}
        }
    }
    Ok(())
}

/// Count the strings of an xlsx shared-string table, and the count it declares (calamine
/// reserves room for the declared count before reading one).
fn shared_strings(part: impl Read) -> Result<(), Option<String>> {
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut buf = Vec::new();
    let mut strings = 0u64;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|_| None)?;
        match &event {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"si" => strings += 1,
                b"sst" => {
                    let declared = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == b"uniqueCount")
                        .and_then(|a| {
                            std::str::from_utf8(&a.value)
                                .ok()?
                                .trim()
                                .parse::<u64>()
                                .ok()
                        });
                    if let Some(declared) = declared.filter(|n| *n > MAX_STRINGS) {
                        return Err(Some(format!(
                            "its shared-string table declares {declared} strings, more than \
                             {MAX_STRINGS}"
                        )));
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        if strings > MAX_STRINGS {
            return Err(Some(format!(
                "its shared-string table holds more than {MAX_STRINGS} strings"
            )));
        }
        buf.clear();
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Part {
    Whole,
    Strings,
    XlsxStrings,
    OdsContent,
}

impl Part {
    fn cap(self) -> u64 {
        match self {
            Part::Whole => PART_CAP,
            Part::Strings | Part::XlsxStrings => STRINGS_CAP,
            Part::OdsContent => ODS_CONTENT_CAP,
        }
    }
}

/// A reader that fails once more than `left` bytes have come out of it.
struct Capped<R> {
    inner: R,
    left: u64,
    overflowed: bool,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        match self.left.checked_sub(n as u64) {
            Some(left) => {
                self.left = left;
                Ok(n)
            }
            None => {
                self.overflowed = true;
                Err(io::Error::from(io::ErrorKind::FileTooLarge))
            }
        }
    }
}
