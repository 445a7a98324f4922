//! Pre-flight check of an OLE compound file (`.xls`) before calamine parses it.
//!
//! calamine 0.35 follows sector chains without cycle detection (`cfb.rs`, `get_chain` and the
//! DIFAT loop, marked "TODO: check if in infinite loop"), so a damaged file whose allocation
//! table loops makes it allocate without bound: the `excel_reader` fuzz target hit a 2 GiB
//! allocation within seconds. In a valid compound file every chain ends, so a loop anywhere in
//! the DIFAT, FAT or mini FAT means the file is damaged; this module looks for one, reading
//! only the tables (a few KiB for a typical workbook), and says so before calamine runs.
//! It also reads the workbook stream's DIMENSIONS records: calamine reserves room for the
//! declared rows × columns of each sheet before reading a cell (up to 2^48 cells, an abort).
//! Layout reference: [MS-CFB] §2.2 (header), §2.3–2.6 (DIFAT, FAT, mini FAT, directory);
//! [MS-XLS] §2.4.90 (Dimensions).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Sector numbers at or above this are markers (DIFSECT, FATSECT, ENDOFCHAIN, FREESECT).
const MAX_REGULAR: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;

/// Whether the compound file's tables are free of loops. `Err` names what is damaged.
pub(super) fn check(path: &Path) -> Result<(), &'static str> {
    let mut file = File::open(path).map_err(|_| "unreadable")?;
    let len = file.metadata().map_err(|_| "unreadable")?.len();
    let mut header = [0u8; 512];
    file.read_exact(&mut header)
        .map_err(|_| "truncated header")?;
    let sector_size: u64 = match u16::from_le_bytes([header[0x1E], header[0x1F]]) {
        9 => 512,
        12 => 4096,
        _ => return Err("bad sector size"),
    };
    let u32_at = |at: usize| {
        u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    // Sectors that can exist in a file of this length bound every chain.
    let sectors = (len / sector_size).saturating_sub(1);
    let mut read_sector = |id: u32| -> Result<Vec<u32>, &'static str> {
        if u64::from(id) >= sectors {
            return Err("sector out of range");
        }
        let mut buf = vec![0u8; sector_size as usize];
        file.seek(SeekFrom::Start((u64::from(id) + 1) * sector_size))
            .and_then(|_| file.read_exact(&mut buf))
            .map_err(|_| "truncated sector")?;
        Ok(buf
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    };

    // DIFAT: 109 entries in the header, then a chain whose last entry points to the next.
    let mut difat: Vec<u32> = (0..109).map(|i| u32_at(0x4C + 4 * i)).collect();
    let mut next = u32_at(0x44);
    let mut steps = 0u64;
    while next < MAX_REGULAR {
        steps += 1;
        if steps > sectors {
            return Err("DIFAT chain loops");
        }
        let mut entries = read_sector(next)?;
        next = entries.pop().unwrap_or(ENDOFCHAIN);
        difat.extend(entries);
    }

    let mut fat = Vec::new();
    for id in difat.into_iter().filter(|id| *id < DIFSECT) {
        fat.extend(read_sector(id)?);
    }
    if has_loop(&fat) {
        return Err("FAT has a loop");
    }

    // The mini FAT lives in a FAT chain (loop-free by now) starting in the header.
    let mut mini_fat = Vec::new();
    let mut id = u32_at(0x3C);
    while id != ENDOFCHAIN && id < MAX_REGULAR {
        mini_fat.extend(read_sector(id)?);
        id = *fat.get(id as usize).ok_or("FAT pointer out of range")?;
    }
    if has_loop(&mini_fat) {
        return Err("mini FAT has a loop");
    }

    // The workbook stream, found in the directory, for its declared sheet dimensions.
    let sector_bytes = |id: u32, read: &mut dyn FnMut(u32) -> Result<Vec<u32>, &'static str>| {
        read(id).map(|words| {
            words
                .iter()
                .flat_map(|w| w.to_le_bytes())
                .collect::<Vec<u8>>()
        })
    };
    let chain = |start: u32, table: &[u32]| {
        let mut ids = Vec::new();
        let mut id = start;
        while id < MAX_REGULAR && ids.len() <= table.len() {
            ids.push(id);
            id = table.get(id as usize).copied().unwrap_or(ENDOFCHAIN);
        }
        ids
    };
    let mut directory = Vec::new();
    for id in chain(u32_at(0x30), &fat) {
        directory.extend(sector_bytes(id, &mut read_sector)?);
    }
    let entry = |index: usize| &directory[index * 128..index * 128 + 128];
    let entries = directory.len() / 128;
    let Some(root) = (entries > 0).then(|| entry(0)) else {
        return Ok(());
    };
    let u32_in = |e: &[u8], at: usize| u32::from_le_bytes([e[at], e[at + 1], e[at + 2], e[at + 3]]);
    let workbook = (0..entries).map(entry).find(|e| {
        let len = usize::from(u16::from_le_bytes([e[0x40], e[0x41]])).min(64);
        let name: Vec<u16> = e[..len]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take_while(|c| *c != 0)
            .collect();
        e[0x42] == 2
            && (name == "Workbook".encode_utf16().collect::<Vec<_>>()
                || name == "Book".encode_utf16().collect::<Vec<_>>())
    });
    let Some(workbook) = workbook else {
        return Ok(());
    };
    let (start, size) = (u32_in(workbook, 0x74), u64::from(u32_in(workbook, 0x78)));
    let mut stream = Vec::new();
    if size < u64::from(u32_at(0x38)) {
        // In the mini stream: 64-byte sectors inside the root entry's stream.
        let mut mini_stream = Vec::new();
        for id in chain(u32_in(root, 0x74), &fat) {
            mini_stream.extend(sector_bytes(id, &mut read_sector)?);
        }
        for id in chain(start, &mini_fat) {
            let at = id as usize * 64;
            stream.extend_from_slice(
                mini_stream
                    .get(at..at + 64)
                    .ok_or("mini sector out of range")?,
            );
        }
    } else {
        for id in chain(start, &fat) {
            stream.extend(sector_bytes(id, &mut read_sector)?);
        }
    }
    stream.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    check_dimensions(&stream)
}

/// calamine reserves room for every cell a sheet's DIMENSIONS record declares (rows ×
/// columns, up to 2^32 × 2^16) before reading one; an xls sheet has at most 65,536 × 256.
fn check_dimensions(mut stream: &[u8]) -> Result<(), &'static str> {
    while stream.len() >= 4 {
        let typ = u16::from_le_bytes([stream[0], stream[1]]);
        let len = usize::from(u16::from_le_bytes([stream[2], stream[3]]));
        let data = stream.get(4..4 + len).unwrap_or(&stream[4..]);
        let half = |at: usize| u32::from(u16::from_le_bytes([data[at], data[at + 1]]));
        let word =
            |at: usize| u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]);
        let declared = match (typ, data.len()) {
            (0x0200, 14) => Some((word(4).saturating_sub(word(0)), half(10))),
            (0x0200, 10) => Some((half(2).saturating_sub(half(0)), half(6))),
            _ => None,
        };
        if let Some((rows, cols)) = declared {
            if rows > 65_536 || cols > 256 {
                return Err("a sheet declares more rows or columns than an xls can hold");
            }
        }
        if cell_past_last_column(typ, data) {
            return Err("a cell lies past the 256 columns an xls sheet can hold");
        }
        stream = stream.get(4 + len..).unwrap_or_default();
    }
    Ok(())
}

/// Whether a cell record ([MS-XLS] §2.4: row then column, 16 bits each; MULRK and MULBLANK
/// end with their last column) names a column past the 256 an xls sheet has. calamine sizes
/// a sheet by its cells' extremes, not by DIMENSIONS, so one damaged column number (up to
/// 65,535) times the rows is billions of cells reserved at once: an abort, found by
/// `damaged_workbooks_never_panic`.
fn cell_past_last_column(typ: u16, data: &[u8]) -> bool {
    let half = |at: usize| u16::from_le_bytes([data[at], data[at + 1]]);
    match typ {
        // FORMULA, RSTRING, LABELSST, BLANK, NUMBER, LABEL, BOOLERR, RK.
        0x0006 | 0x00D6 | 0x00FD | 0x0201 | 0x0203 | 0x0204 | 0x0205 | 0x027E
            if data.len() >= 4 =>
        {
            half(2) > 255
        }
        // MULRK, MULBLANK.
        0x00BD | 0x00BE if data.len() >= 6 => half(2) > 255 || half(data.len() - 2) > 255,
        _ => false,
    }
}

/// Whether following `next[i]` from any entry can come back to itself. Entries at or above
/// [`MAX_REGULAR`] end a chain; pointers past the table end it too (calamine reports those
/// as errors of its own).
fn has_loop(next: &[u32]) -> bool {
    // 0 = unvisited, 1 = on the current walk, 2 = known to end.
    let mut state = vec![0u8; next.len()];
    let mut walk = Vec::new();
    for start in 0..next.len() {
        let mut at = start;
        while state[at] == 0 {
            state[at] = 1;
            walk.push(at);
            let to = next[at];
            if to >= MAX_REGULAR || to as usize >= next.len() {
                break;
            }
            at = to as usize;
            if state[at] == 1 {
                return true;
            }
        }
        for done in walk.drain(..) {
            state[done] = 2;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_past_the_last_column_are_found() {
        let record = |typ: u16, data: &[u8]| {
            let mut r = typ.to_le_bytes().to_vec();
            r.extend((data.len() as u16).to_le_bytes());
            r.extend(data);
            r
        };
        // LABELSST at row 3, column 2: fine; at column 0x4000: past the sheet's last column.
        let fine = record(0x00FD, &[3, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(check_dimensions(&fine).is_ok());
        let far = record(0x00FD, &[3, 0, 0, 0x40, 0, 0, 0, 0, 0, 0]);
        assert!(check_dimensions(&far).is_err());
        // MULBLANK from column 1 to column 300.
        let wide = record(0x00BE, &[0, 0, 1, 0, 0, 0, 0, 0, 0x2C, 0x01]);
        assert!(check_dimensions(&wide).is_err());
    }

    #[test]
    fn loops_are_found() {
        assert!(!has_loop(&[1, 2, ENDOFCHAIN, 0xFFFF_FFFF, 2]));
        assert!(has_loop(&[1, 2, 0]));
        assert!(has_loop(&[ENDOFCHAIN, 1]));
        assert!(has_loop(&[3, ENDOFCHAIN, 1, 4, 3]));
        assert!(
            !has_loop(&[7, ENDOFCHAIN]),
            "out-of-range pointer is not a loop"
        );
    }
}
