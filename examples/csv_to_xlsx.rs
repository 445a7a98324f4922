//! Benchmark input converter: the same rows as a CSV (e.g. `gen_contacts`'s) as an xlsx
//! workbook, written with rust_xlsxwriter's constant-memory mode so a 1M-row sheet costs the
//! writer a row's memory. Every cell is written as text, so the workbook holds exactly the
//! CSV's values (a ZIP keeps its leading zero, a date stays the CSV's text) and `validate`
//! should give the same outcomes for both files.
//!
//! ```text
//! cargo run --release --example csv_to_xlsx -- big.csv big.xlsx [--shared-strings]
//!     [--stray A1048576,XFD1048576]
//! ```
//!
//! `--shared-strings` writes through a shared-string table, as Excel itself saves (the
//! default, constant memory, writes inline strings). `--stray` adds a cell holding `stray`
//! at each given A1 reference past the data (a stray click far away).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use rust_xlsxwriter::{Workbook, Worksheet};

/// Excel's last row and column, 0-based.
const LAST_ROW: u32 = 1_048_575;
const LAST_COL: u16 = 16_383;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: csv_to_xlsx IN.csv OUT.xlsx [--shared-strings] [--stray A1,...]";
    let input = PathBuf::from(args.next().context(usage)?);
    let output = PathBuf::from(args.next().context(usage)?);
    let mut shared_strings = false;
    let mut strays = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--shared-strings" => shared_strings = true,
            "--stray" => {
                for reference in args.next().context(usage)?.split(',') {
                    strays.push(parse_a1(reference).with_context(|| reference.to_owned())?);
                }
            }
            other => bail!("unknown argument {other}; {usage}"),
        }
    }
    let started = Instant::now();
    let mut workbook = Workbook::new();
    // A sheet past 4 GiB uncompressed needs ZIP64.
    workbook.use_zip_large_file(true);
    let sheet = if shared_strings {
        workbook.add_worksheet_with_low_memory()
    } else {
        workbook.add_worksheet_with_constant_memory()
    };
    sheet.set_name("Contacts")?;
    let rows = copy_rows(&input, sheet)?;
    // Constant-memory sheets take rows in order only: strays go after the data, sorted.
    strays.sort_unstable();
    for (row, col) in strays {
        if row <= rows {
            bail!(
                "a stray cell must be below the data (row {} or later)",
                rows + 2
            );
        }
        sheet.write_string(row, col, "stray")?;
    }
    workbook.save(&output)?;
    let size = std::fs::metadata(&output)?.len();
    eprintln!(
        "{}: {rows} data rows, {size} bytes, in {:.1} s",
        output.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Copies every record (the header included) as text cells; returns the last row written.
fn copy_rows(input: &Path, sheet: &mut Worksheet) -> anyhow::Result<u32> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(input)
        .with_context(|| input.display().to_string())?;
    let mut record = csv::StringRecord::new();
    let mut row = 0u32;
    while reader.read_record(&mut record)? {
        if row > LAST_ROW {
            bail!("more rows than a sheet holds");
        }
        for (col, value) in record.iter().enumerate() {
            // An empty string is no cell at all in a spreadsheet.
            if !value.is_empty() {
                sheet.write_string(row, u16::try_from(col)?, value)?;
            }
        }
        row += 1;
    }
    Ok(row.saturating_sub(1))
}

/// `XFD1048576` → (1048575, 16383), 0-based.
fn parse_a1(reference: &str) -> Option<(u32, u16)> {
    let split = reference.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = reference.split_at(split);
    let mut col = 0u32;
    for b in letters.bytes() {
        col = col * 26 + u32::from(b.to_ascii_uppercase().checked_sub(b'A')?) + 1;
    }
    let row: u32 = digits.parse().ok()?;
    let (row, col) = (
        row.checked_sub(1)?,
        u16::try_from(col.checked_sub(1)?).ok()?,
    );
    (row <= LAST_ROW && col <= LAST_COL).then_some((row, col))
}
