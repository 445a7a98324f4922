//! Zero-padded number formats in xlsx workbooks. A US ZIP typed as a number loses its leading
//! zero (02134 is stored as 2134) and people then apply the format `00000` (Excel's "Zip Code")
//! to show it again; calamine returns the stored number and does not expose formats. To read
//! what a person sees, this module finds the cells whose style's number format is made of
//! zeros only (`00000`, `000000000`) and gives their display width.
//!
//! Best effort by design: any problem reading styles or the sheet yields no padding (the cell
//! then reads as the bare number, which is what calamine alone gives), never an error. The
//! sheet XML is only parsed a second time when the workbook defines such a format at all.
//! Not covered: xls, xlsb and ods (their formats are not read), and mixed formats like
//! `00000-0000` (ZIP+4) or `(000) 000-0000` (their digits read fine without the decoration).

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::io::{BufRead, BufReader};
use std::path::Path;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use zip::ZipArchive;

/// Display widths of zero-padded cells, by 0-based (row, column) in the sheet, sorted: 12
/// bytes a cell, for the columns that are read only, and at most [`MAX_CELLS`] of them.
#[derive(Debug, Default)]
pub(super) struct ZeroPad {
    cells: Vec<(u32, u32, u8)>,
}

/// A cap on the padded cells kept: 96 MiB, far more than a 1,048,576-row sheet with a few
/// zero-padded columns needs. Past it, further cells read as the bare number.
const MAX_CELLS: usize = 8 << 20;

impl ZeroPad {
    /// Read the zero-padded cells of sheet `sheet` of the xlsx workbook at `path`, in the
    /// `width` columns from `first_col` (and the ones a ragged row may still show).
    pub(super) fn load(path: &Path, sheet: &str, first_col: u32, width: usize) -> ZeroPad {
        let last_col = first_col
            .saturating_add(width as u32)
            .saturating_add(super::sheet_rows::FAR_COLUMNS);
        load(path, sheet, first_col..last_col).unwrap_or_default()
    }

    /// The width a number in this cell is padded to, if its format pads.
    pub(super) fn width(&self, row: u32, col: u32) -> Option<usize> {
        if self.cells.is_empty() {
            return None;
        }
        let at = self
            .cells
            .binary_search_by(|&(r, c, _)| (r, c).cmp(&(row, col)))
            .ok()?;
        Some(usize::from(self.cells[at].2))
    }
}

type Archive = ZipArchive<BufReader<File>>;

fn load(path: &Path, sheet: &str, columns: std::ops::Range<u32>) -> Option<ZeroPad> {
    let mut archive = ZipArchive::new(BufReader::new(File::open(path).ok()?)).ok()?;
    let styles = padded_styles(&mut archive)?;
    if styles.iter().all(Option::is_none) {
        return None;
    }
    let sheet_path = sheet_path(&mut archive, sheet)?;
    let mut cells = Vec::new();
    each_element(&mut archive, &sheet_path, |name, element| {
        if name != b"c" || cells.len() >= MAX_CELLS {
            return;
        }
        let style = attribute(element, b"s").and_then(|s| s.parse::<usize>().ok());
        let width = style.and_then(|s| styles.get(s).copied().flatten());
        let position = attribute(element, b"r").and_then(|r| cell_position(&r));
        if let (Some(width), Some((row, col))) = (width, position) {
            if columns.contains(&col) {
                cells.push((row, col, width as u8));
            }
        }
    })?;
    // Sheet order is row order; a damaged file may not be, and a later cell wins, as in
    // the sheet itself.
    cells.reverse();
    cells.sort_by_key(|&(row, col, _)| (row, col));
    cells.dedup_by_key(|&mut (row, col, _)| (row, col));
    Some(ZeroPad { cells })
}

/// For each cell style (`cellXfs` index): the width when its number format is all zeros.
fn padded_styles(archive: &mut Archive) -> Option<Vec<Option<usize>>> {
    let mut formats: HashMap<u32, usize> = HashMap::new();
    let mut styles = Vec::new();
    let mut in_cell_xfs = false;
    each_event(archive, "xl/styles.xml", |event, element| match event {
        Tag::Open | Tag::Empty if element.local_name().as_ref() == b"numFmt" => {
            let id = attribute(element, b"numFmtId").and_then(|v| v.parse().ok());
            let code = attribute(element, b"formatCode").unwrap_or_default();
            if let Some(id) = id {
                if (2..=15).contains(&code.len()) && code.bytes().all(|b| b == b'0') {
                    formats.insert(id, code.len());
                }
            }
        }
        Tag::Open if element.local_name().as_ref() == b"cellXfs" => in_cell_xfs = true,
        Tag::Close if element.local_name().as_ref() == b"cellXfs" => in_cell_xfs = false,
        Tag::Open | Tag::Empty if in_cell_xfs && element.local_name().as_ref() == b"xf" => {
            let id = attribute(element, b"numFmtId").and_then(|v| v.parse::<u32>().ok());
            styles.push(id.and_then(|id| formats.get(&id).copied()));
        }
        _ => {}
    })?;
    Some(styles)
}

/// The zip member of the sheet named `sheet`, through workbook.xml and its relationships.
fn sheet_path(archive: &mut Archive, sheet: &str) -> Option<String> {
    let mut rel_id = None;
    each_element(archive, "xl/workbook.xml", |name, element| {
        if name == b"sheet"
            && rel_id.is_none()
            && attribute(element, b"name").as_deref() == Some(sheet)
        {
            rel_id = attribute(element, b"id");
        }
    })?;
    let rel_id = rel_id?;
    let mut target = None;
    each_element(archive, "xl/_rels/workbook.xml.rels", |name, element| {
        if name == b"Relationship" && attribute(element, b"Id").as_deref() == Some(&rel_id) {
            target = attribute(element, b"Target");
        }
    })?;
    let target = target?;
    Some(match target.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => format!("xl/{target}"),
    })
}

#[derive(Clone, Copy)]
enum Tag {
    Open,
    Empty,
    Close,
}

/// Call `visit` with every start, empty and end tag of a zip member.
fn each_event(
    archive: &mut Archive,
    member: &str,
    mut visit: impl FnMut(Tag, &BytesStart<'_>),
) -> Option<()> {
    let file = archive.by_name(member).ok()?;
    // Styles and the workbook are capped by `inflate`; the sheet is only ever streamed.
    let capped = file.take(super::inflate::SHEET_CAP);
    let mut reader = Reader::from_reader(BufReader::new(capped));
    walk(&mut reader, |tag, element| visit(tag, element))
}

/// Call `visit` with the local name and element of every start or empty tag of a zip member.
fn each_element(
    archive: &mut Archive,
    member: &str,
    mut visit: impl FnMut(&[u8], &BytesStart<'_>),
) -> Option<()> {
    each_event(archive, member, |tag, element| {
        if matches!(tag, Tag::Open | Tag::Empty) {
            visit(element.local_name().as_ref(), element);
        }
    })
}

fn walk<R: BufRead>(
    reader: &mut Reader<R>,
    mut visit: impl FnMut(Tag, &BytesStart<'_>),
) -> Option<()> {
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) => visit(Tag::Open, &e),
            Event::Empty(e) => visit(Tag::Empty, &e),
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                visit(Tag::Close, &BytesStart::new(name));
            }
            Event::Eof => return Some(()),
            _ => {}
        }
        buf.clear();
    }
}

/// An attribute's unescaped value, by local name (so `r:id` is found as `id`).
fn attribute(element: &BytesStart<'_>, local: &[u8]) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .map(|a| {
            let raw = String::from_utf8_lossy(&a.value).into_owned();
            match quick_xml::escape::unescape(&raw) {
                Ok(value) => value.into_owned(),
                Err(_) => raw,
            }
        })
}

/// `"I69"` → (68, 8): 0-based row and column.
fn cell_position(reference: &str) -> Option<(u32, u32)> {
    let split = reference.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = reference.split_at(split);
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let col = letters.bytes().try_fold(0u32, |acc, b| {
        b.is_ascii_uppercase()
            .then(|| acc * 26 + u32::from(b - b'A' + 1))
    })?;
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, col - 1))
}

/// A number rendered to `width` digits with leading zeros, when it is a non-negative integer
/// that fits; `None` leaves the usual rendering.
pub(super) fn pad(value: f64, width: usize) -> Option<String> {
    if value.fract() != 0.0 || !(0.0..1e15).contains(&value) {
        return None;
    }
    Some(format!("{:0width$}", value as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references() {
        assert_eq!(cell_position("A1"), Some((0, 0)));
        assert_eq!(cell_position("I69"), Some((68, 8)));
        assert_eq!(cell_position("AA10"), Some((9, 26)));
        assert_eq!(cell_position("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(cell_position("a1"), None);
        assert_eq!(cell_position("12"), None);
        assert_eq!(cell_position("A0"), None);
    }

    #[test]
    fn padding() {
        assert_eq!(pad(2134.0, 5).as_deref(), Some("02134"));
        assert_eq!(pad(123456.0, 5).as_deref(), Some("123456"));
        assert_eq!(pad(21.5, 5), None);
        assert_eq!(pad(-1.0, 5), None);
    }
}
