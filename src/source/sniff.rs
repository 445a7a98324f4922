//! Guessing how a delimited text file is written: its encoding (from a BOM, UTF-8 validity, or
//! the NUL pattern of BOM-less UTF-16) and its delimiter (among `,` `;` tab `|`). Works on the
//! first chunk of the file only; the CSV reader copes with whatever the rest turns out to be.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

use super::SourceError;

/// How many bytes are looked at to decide encoding and delimiter.
pub(super) const SAMPLE_LEN: usize = 64 * 1024;

/// The delimiters tried when none is forced, in order of preference on a tie.
pub(super) const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How many records the delimiter sniffer looks at (after the rows above the header).
const SNIFF_RECORDS: usize = 50;

/// The encoding decision for a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct EncodingChoice {
    /// The encoding the bytes after the BOM are in.
    pub encoding: &'static Encoding,
    /// Length of the byte-order mark to skip (0 when there is none).
    pub bom_len: usize,
    /// How the choice was made, for the dialect description.
    pub reason: Reason,
}

/// Why an encoding was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reason {
    /// A byte-order mark says so.
    Bom,
    /// The sample is valid UTF-8 (plain ASCII included).
    ValidUtf8,
    /// No BOM, but NUL bytes in every other position: UTF-16 without a BOM.
    NulPattern,
    /// The sample is not valid UTF-8: Windows-1252, the usual encoding of Excel's "CSV" on
    /// Western Windows machines.
    NotUtf8,
    /// The user said so.
    Forced,
}

impl EncodingChoice {
    /// Human description: `UTF-8 with BOM`, `windows-1252 (not valid UTF-8)`.
    pub fn describe(&self) -> String {
        let name = self.encoding.name();
        match self.reason {
            Reason::Bom => format!("{name} with BOM"),
            Reason::ValidUtf8 => name.to_owned(),
            Reason::NulPattern => format!("{name} without BOM"),
            Reason::NotUtf8 => format!("{name} (not valid UTF-8)"),
            Reason::Forced => format!("{name} (forced)"),
        }
    }
}

fn bom_of(sample: &[u8]) -> Option<(&'static Encoding, usize)> {
    Encoding::for_bom(sample)
}

/// Decide the encoding of a file from its first bytes, or from the forced label.
pub(super) fn sniff_encoding(
    sample: &[u8],
    truncated: bool,
    forced: Option<&str>,
) -> Result<EncodingChoice, SourceError> {
    if let Some(label) = forced {
        let encoding = Encoding::for_label(label.trim().as_bytes())
            .ok_or_else(|| SourceError::UnknownEncoding(label.to_owned()))?;
        // A BOM of the forced encoding is still a BOM, not data.
        let bom_len = match bom_of(sample) {
            Some((bom_encoding, len)) if bom_encoding == encoding => len,
            _ => 0,
        };
        return Ok(EncodingChoice {
            encoding,
            bom_len,
            reason: Reason::Forced,
        });
    }
    if let Some((encoding, bom_len)) = bom_of(sample) {
        return Ok(EncodingChoice {
            encoding,
            bom_len,
            reason: Reason::Bom,
        });
    }
    if let Some(encoding) = utf16_by_nuls(sample) {
        return Ok(EncodingChoice {
            encoding,
            bom_len: 0,
            reason: Reason::NulPattern,
        });
    }
    let valid = match std::str::from_utf8(sample) {
        Ok(_) => true,
        // The sample may end in the middle of a multi-byte character.
        Err(e) => truncated && e.error_len().is_none(),
    };
    Ok(EncodingChoice {
        encoding: if valid { UTF_8 } else { WINDOWS_1252 },
        bom_len: 0,
        reason: if valid {
            Reason::ValidUtf8
        } else {
            Reason::NotUtf8
        },
    })
}

/// BOM-less UTF-16 shows as NUL in every other byte for Latin text; real text files never
/// contain NUL otherwise.
fn utf16_by_nuls(sample: &[u8]) -> Option<&'static Encoding> {
    let head = &sample[..sample.len().min(4096) & !1];
    if head.len() < 4 {
        return None;
    }
    let pairs = head.len() / 2;
    let even = head.iter().step_by(2).filter(|b| **b == 0).count();
    let odd = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    if odd * 10 >= pairs * 7 && even * 20 <= pairs {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 7 && odd * 20 <= pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Pick the delimiter that splits the first records into the most consistent field count
/// above 1 (quotes respected). `skip` records (those above the header row) are ignored.
/// `None` when no candidate splits anything: a one-column file.
pub(super) fn sniff_delimiter(utf8ish: &[u8], truncated: bool, skip: usize) -> Option<u8> {
    let mut best: Option<(usize, usize, u8)> = None;
    for delimiter in CANDIDATES {
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(utf8ish);
        let mut counts: Vec<usize> = reader
            .byte_records()
            .skip(skip)
            .take(SNIFF_RECORDS + 1)
            .map_while(Result::ok)
            .map(|r| r.len())
            .collect();
        // The last record of a cut sample may itself be cut.
        if truncated || counts.len() > SNIFF_RECORDS {
            counts.pop();
        }
        let Some((mode, freq)) = mode_of(&counts) else {
            continue;
        };
        if mode < 2 {
            continue;
        }
        let better = match best {
            None => true,
            Some((best_freq, best_mode, _)) => (freq, mode) > (best_freq, best_mode),
        };
        if better {
            best = Some((freq, mode, delimiter));
        }
    }
    best.map(|(_, _, d)| d)
}

/// The most frequent value and how often it occurs (the larger value wins a tie).
fn mode_of(counts: &[usize]) -> Option<(usize, usize)> {
    let mut sorted = counts.to_vec();
    sorted.sort_unstable();
    let mut best: Option<(usize, usize)> = None;
    for run in sorted.chunk_by(|a, b| a == b) {
        let candidate = (run[0], run.len());
        if best.is_none_or(|(_, f)| candidate.1 >= f) {
            best = Some(candidate);
        }
    }
    best
}

/// Describe a delimiter for the dialect line: `','-separated`, `tab-separated`.
pub(super) fn describe_delimiter(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "tab-separated".to_owned(),
        d if d.is_ascii_graphic() || d == b' ' => format!("'{}'-separated", d as char),
        d => format!("0x{d:02X}-separated"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: [[&str; 3]; 4] = [
        ["Email", "Name", "Notes"],
        [
            "a@x.com",
            "José",
            "likes \"quotes\", and commas; semicolons|pipes\ttabs",
        ],
        ["b@x.com", "Zoë", "multi\nline"],
        ["c@x.com", "Œuvre – “smart” €", ""],
    ];

    fn table(delimiter: u8) -> Vec<u8> {
        let mut writer = ::csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(Vec::new());
        for row in ROWS {
            writer.write_record(row).unwrap_or_default();
        }
        writer.into_inner().unwrap_or_default()
    }

    fn encode(text: &str, encoding: &'static Encoding, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units: Vec<u16> = text.encode_utf16().collect();
        if encoding == UTF_16LE {
            if bom {
                out.extend([0xFF, 0xFE]);
            }
            units.iter().for_each(|u| out.extend(u.to_le_bytes()));
        } else if encoding == UTF_16BE {
            if bom {
                out.extend([0xFE, 0xFF]);
            }
            units.iter().for_each(|u| out.extend(u.to_be_bytes()));
        } else {
            if bom {
                out.extend([0xEF, 0xBB, 0xBF]);
            }
            let (bytes, _, unmappable) = encoding.encode(text);
            assert!(!unmappable, "test text must fit {}", encoding.name());
            out.extend_from_slice(&bytes);
        }
        out
    }

    /// Each encoding × each delimiter: sniff the encoding, decode the sample the way the reader
    /// does, sniff the delimiter.
    #[test]
    fn sniffs_every_encoding_and_delimiter() {
        let cases: [(&'static Encoding, bool, Reason); 6] = [
            (UTF_8, false, Reason::ValidUtf8),
            (UTF_8, true, Reason::Bom),
            (UTF_16LE, true, Reason::Bom),
            (UTF_16BE, true, Reason::Bom),
            (UTF_16LE, false, Reason::NulPattern),
            (WINDOWS_1252, false, Reason::NotUtf8),
        ];
        for delimiter in CANDIDATES {
            let text = String::from_utf8(table(delimiter)).unwrap_or_default();
            for (encoding, bom, reason) in cases {
                let bytes = encode(&text, encoding, bom);
                let choice = sniff_encoding(&bytes, false, None).unwrap_or_else(|e| panic!("{e}"));
                let what = format!(
                    "{} bom={bom} delim={:?}",
                    encoding.name(),
                    delimiter as char
                );
                assert_eq!(choice.encoding, encoding, "{what}");
                assert_eq!(choice.reason, reason, "{what}");
                let (decoded, _) = encoding.decode_without_bom_handling(&bytes[choice.bom_len..]);
                assert_eq!(decoded, text, "{what}");
                assert_eq!(
                    sniff_delimiter(decoded.as_bytes(), false, 0),
                    Some(delimiter),
                    "{what}"
                );
            }
        }
    }

    #[test]
    fn forced_encoding_wins_and_keeps_bom_handling() {
        let bytes = encode("a,b\n", UTF_8, true);
        let choice =
            sniff_encoding(&bytes, false, Some("windows-1252")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((choice.encoding, choice.bom_len), (WINDOWS_1252, 0));
        let choice = sniff_encoding(&bytes, false, Some("UTF-8")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((choice.encoding, choice.bom_len), (UTF_8, 3));
        assert!(matches!(
            sniff_encoding(&bytes, false, Some("klingon")),
            Err(SourceError::UnknownEncoding(_))
        ));
    }

    #[test]
    fn cut_multibyte_char_at_sample_end_is_still_utf8() {
        let bytes = "abc é".as_bytes();
        let cut = &bytes[..bytes.len() - 1];
        assert_eq!(
            sniff_encoding(cut, true, None).map(|c| c.encoding).ok(),
            Some(UTF_8)
        );
        assert_eq!(
            sniff_encoding(cut, false, None).map(|c| c.encoding).ok(),
            Some(WINDOWS_1252)
        );
    }

    #[test]
    fn one_column_file_has_no_delimiter() {
        assert_eq!(
            sniff_delimiter(b"email\na@x.com\nb@x.com\n", false, 0),
            None
        );
    }

    #[test]
    fn consistency_beats_frequency() {
        // Decimal commas appear in some rows only; ';' splits every row into 3.
        let text = b"name;amount;city\nBob;12,5;Paris\nAnn;7;Lyon\nEve;1,25;Nice\n";
        assert_eq!(sniff_delimiter(text, false, 0), Some(b';'));
    }

    #[test]
    fn rows_above_the_header_are_ignored() {
        let text = b"Export of 2024; all contacts\n\nemail,name\na@x.com,A\nb@x.com,B\n";
        assert_eq!(sniff_delimiter(text, false, 1), Some(b','));
    }

    #[test]
    fn delimiter_descriptions() {
        assert_eq!(describe_delimiter(b'\t'), "tab-separated");
        assert_eq!(describe_delimiter(b';'), "';'-separated");
    }
}
