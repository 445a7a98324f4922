//! Arbitrary bytes as a workbook under each workbook extension, and with no extension (magic
//! byte sniffing): opening, listing sheets and draining must never panic.
#![no_main]

use std::io::Write;

use ghl_bulk::source::{self, SourceOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for suffix in [".xlsx", ".xls", ".ods", ".xlsb", ""] {
        let Ok(mut file) = tempfile::Builder::new().suffix(suffix).tempfile() else {
            return;
        };
        if file.write_all(data).is_err() {
            return;
        }
        let _ = source::sheet_names(file.path());
        if let Ok(source) = source::open(file.path(), &SourceOptions::default()) {
            let width = source.headers().len();
            for row in source.flatten() {
                assert_eq!(row.cells.len(), width);
            }
        }
    }
});
