//! Bundles `mappings/*.toml` into the binary (`sandbox_seed::BUNDLED_MAPPINGS`), so that
//! `ghl-bulk sandbox` gives its location every custom field those mappings name, wherever the
//! binary is installed and whichever mappings the repository gains.

use std::path::Path;

fn main() {
    // Read when the script runs, not baked in when it is compiled: a checkout moved (or a
    // target folder shared between worktrees) would otherwise read another tree's mappings.
    let root = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&root).join("mappings");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the repository's mappings/ folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut code = String::from("/// Every `mappings/*.toml`: (file name, text).\npub const BUNDLED_MAPPINGS: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("bundled_mappings.rs");
    std::fs::write(out, code).expect("write bundled_mappings.rs");
}
