//! Write the hostile workbooks of issue 19.4 (a stray cell at XFD1048576, shared strings that
//! inflate, a sheet past Excel's last row, ODS repeats that expand to 100 M cells) into a
//! folder, by default the `excel_reader` fuzz corpus, so the fuzzer starts from them:
//!
//! ```sh
//! cargo run --example hostile_workbooks -- fuzz/corpus/excel_reader
//! ```

// The tests' generators; the example writes every file and reads none back, so the field
// saying how a read must end is unused here.
#[allow(dead_code)]
#[path = "../tests/util/hostile_files.rs"]
mod hostile_files;

use std::path::{Path, PathBuf};

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fuzz/corpus/excel_reader".to_owned());
    std::fs::create_dir_all(&dir)?;
    for path in write_all(Path::new(&dir))? {
        let size = std::fs::metadata(&path)?.len();
        println!("{} ({size} bytes)", path.display());
    }
    Ok(())
}

/// Writes every generated file into `dir`; returns their paths.
fn write_all(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for hostile in hostile_files::all() {
        let path = dir.join(hostile.name);
        (hostile.write)(&path)?;
        paths.push(path);
    }
    Ok(paths)
}
