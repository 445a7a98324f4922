//! Fuzz target: the mapping parser, and compiling/applying what it accepts, never panic on any
//! input. Run with `cargo +nightly fuzz run mapping_parser` (not run in CI; the proptest in
//! tests/mapping_parser.rs covers the same property on every `cargo test`).

#![no_main]

use std::path::Path;

use ghl_bulk::mapping::{parse, Mapping};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(spec) = parse(text, Path::new("fuzz.toml")) {
        let headers = ["Email".to_string(), "Phone".to_string(), "Name".to_string()];
        if let Ok(mapping) = Mapping::compile(&spec, &headers, None, Path::new("fuzz.toml")) {
            let _ = mapping.apply(2, &headers);
        }
    }
});
