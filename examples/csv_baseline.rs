//! Benchmark baseline: how long the bare `csv` crate takes to read a file, record by record,
//! with one reused buffer and nothing else. `validate`'s time is reported against this.
//!
//! ```text
//! cargo run --release --example csv_baseline -- big.csv
//! ```

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: csv_baseline <file.csv>")?;
    let started = Instant::now();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(&path)?;
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut bytes) = (0u64, 0u64);
    while reader.read_byte_record(&mut record)? {
        rows += 1;
        bytes += record.as_slice().len() as u64;
    }
    println!(
        "{rows} records ({bytes} field bytes) read in {:.3} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
