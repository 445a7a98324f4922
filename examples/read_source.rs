//! Read a spreadsheet with `ghl_bulk::source` and print what was understood: dialect, headers,
//! row count, defects, and the time taken. With `--bare`, time the bare csv crate on the same
//! file (one reused ByteRecord, no decoding) for comparison.
//!
//! ```sh
//! cargo run --release --example read_source -- samples/contacts.xlsx [--show N] [--bare]
//! ```

use std::path::PathBuf;
use std::time::Instant;

use ghl_bulk::source::{self, SourceOptions};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .ok_or_else(|| anyhow::anyhow!("usage: read_source FILE [--show N] [--bare]"))?,
    );
    let mut show = 3usize;
    let mut bare = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--show" => show = args.next().and_then(|n| n.parse().ok()).unwrap_or(show),
            "--bare" => bare = true,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    if bare {
        let started = Instant::now();
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(&path)?;
        let mut record = csv::ByteRecord::new();
        let mut rows = 0u64;
        while reader.read_byte_record(&mut record)? {
            rows += 1;
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "bare csv: {rows} rows in {secs:.3} s ({:.0} rows/s)",
            rows as f64 / secs
        );
    }
    let started = Instant::now();
    let source = source::open(&path, &SourceOptions::default())?;
    println!("format: {}; dialect: {}", source.format(), source.dialect());
    println!(
        "headers ({}): {:?}",
        source.headers().len(),
        source.headers()
    );
    let (mut rows, mut defects) = (0u64, 0u64);
    for row in source {
        let row = row?;
        rows += 1;
        if rows <= show as u64 {
            println!("row {}: {:?}", row.row, row.cells);
        }
        if let Some(defect) = &row.defect {
            defects += 1;
            println!("row {}: {}: {}", row.row, defect.code, defect.message);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "source: {rows} rows, {defects} with defects, in {secs:.3} s ({:.0} rows/s)",
        rows as f64 / secs
    );
    Ok(())
}
