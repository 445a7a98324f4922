//! Pre-flight check of an OLE compound file (`.xls`) before calamine parses it.
//!
//! calamine 0.35 follows sector chains without cycle detection (`cfb.rs`, `get_chain` and the
//! DIFAT loop, marked "TODO: check if in infinite loop"), so a damaged file whose allocation
//! table loops makes it allocate without bound: the `excel_reader` fuzz target hit a 2 GiB
//! allocation within seconds. In a valid compound file every chain ends, so a loop anywhere in
//! the DIFAT, FAT or mini FAT means the file is damaged; this module looks for one, reading
//! only the tables (a few KiB for a typical workbook), and says so before calamine runs.
//! Layout reference: [MS-CFB] §2.2 (header), §2.3–2.5 (DIFAT, FAT, mini FAT).

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
    Ok(())
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
