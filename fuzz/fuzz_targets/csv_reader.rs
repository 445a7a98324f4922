//! Arbitrary bytes as a delimited text file: opening and draining it must never panic, and
//! every row must have exactly one cell per header.
#![no_main]

use std::io::Write;

use ghl_bulk::source::{self, SourceOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut file) = tempfile::Builder::new().suffix(".csv").tempfile() else {
        return;
    };
    if file.write_all(data).is_err() {
        return;
    }
    // The first byte also picks a forced delimiter or encoding now and then, to reach the
    // paths that sniffing alone would not take.
    let mut options = SourceOptions::default();
    match data.first().copied().unwrap_or(0) % 8 {
        0 => options.delimiter = Some(b';'),
        1 => options.encoding = Some("utf-16be".to_owned()),
        2 => options.encoding = Some("windows-1252".to_owned()),
        3 => options.header_row = 2,
        _ => {}
    }
    if let Ok(source) = source::open(file.path(), &options) {
        let width = source.headers().len();
        for row in source {
            match row {
                Ok(row) => assert_eq!(row.cells.len(), width),
                Err(_) => break,
            }
        }
    }
});
