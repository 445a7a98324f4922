//! Write the hostile workbooks of issue 19.4 (a stray cell at XFD1048576, shared strings that
//! inflate, a sheet past Excel's last row, ODS repeats that expand to 100 M cells) into a
//! folder, by default the `excel_reader` fuzz corpus, so the fuzzer starts from them:
//!
//! ```sh
//! cargo run --example hostile_workbooks -- fuzz/corpus/excel_reader
//! ```

#[path = "../tests/hostile_files/mod.rs"]
mod hostile_files;

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fuzz/corpus/excel_reader".to_owned());
    std::fs::create_dir_all(&dir)?;
    for path in hostile_files::write_all(std::path::Path::new(&dir))? {
        let size = std::fs::metadata(&path)?.len();
        println!("{} ({size} bytes)", path.display());
    }
    Ok(())
}
