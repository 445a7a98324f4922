//! Hostile workbooks (issue 19.4): small files that inflate to gigabytes end in a one-line
//! error or a normal run of the real binary under `ulimit -v 2000000` (2 GB of address space),
//! never in an abort, a panic or the kernel's OOM killer.

use crate::util;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::util::{run, Output};

const MAPPING: &str = "version = 1\n[fields]\nemail = \"Email\"\nfirstName = \"First Name\"\n";

/// `ghl-bulk validate FILE` with its address space limited to 2,000,000 KiB.
fn validate_bounded(dir: &Path, file: &Path, quiet: bool) -> Output {
    let mapping = dir.join("mapping.toml");
    std::fs::write(&mapping, MAPPING).expect("mapping");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -v 2000000 && exec \"$@\"")
        .arg("sh")
        .arg(crate::util::cmd::BIN)
        .arg("validate")
        .arg(file)
        .arg("--mapping")
        .arg(&mapping)
        .arg("--run-dir")
        .arg(dir.join("run"));
    if quiet {
        cmd.arg("--quiet");
    }
    run(cmd, Duration::from_secs(300))
}

fn generated(name: &str) -> (tempfile::TempDir, std::path::PathBuf, Option<&'static str>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let hostile = util::hostile_files::all()
        .into_iter()
        .find(|h| h.name == name)
        .expect("a generator of that name");
    let path = dir.path().join(name);
    (hostile.write)(&path).expect("write the file");
    (dir, path, hostile.error)
}

/// The file ends in exactly one error line naming the problem, exit 1.
fn assert_refused(name: &str) {
    let (dir, path, expected) = generated(name);
    let expected = expected.expect("an error is expected");
    let out = validate_bounded(dir.path(), &path, true);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "one line: {}", out.describe());
    assert!(lines[0].contains(expected), "{}", out.describe());
}

#[test]
fn a_stray_cell_at_xfd1048576_costs_nothing_and_is_named_in_a_warning() {
    let (dir, path, _) = generated("stray_cell_xfd1048576.xlsx");
    let out = validate_bounded(dir.path(), &path, false);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    out.assert_stderr_has("ignored (the farthest at XFD1048576)");
    let summary = std::fs::read_to_string(dir.path().join("run/summary.json")).expect("summary");
    assert!(
        summary.contains("\"rows_read\": 1") || summary.contains("\"rows_read\":1"),
        "{summary}"
    );
}

#[test]
fn shared_strings_that_inflate_past_the_cap_are_refused() {
    assert_refused("shared_strings_inflate.xlsx");
}

#[test]
fn millions_of_shared_strings_are_refused() {
    assert_refused("shared_strings_many.xlsx");
}

#[test]
fn a_declared_shared_string_count_does_not_size_an_allocation() {
    assert_refused("shared_strings_declared.xlsx");
}

#[test]
fn a_sheet_past_excels_last_row_is_refused_without_holding_it() {
    assert_refused("rows_past_excel.xlsx");
}

#[test]
fn ods_repeats_that_expand_to_100m_cells_are_refused() {
    assert_refused("repeated_rows_columns.ods");
}

#[test]
fn an_ods_cell_of_a_billion_repeated_spaces_is_refused() {
    assert_refused("repeated_spaces.ods");
}

#[test]
fn xls_dimensions_do_not_size_an_allocation() {
    assert_refused("huge_dimensions.xls");
}

/// A damaged cell's column number sized calamine's sheet (an abort, "memory allocation of
/// 70512789312 bytes failed", found by the damaged-workbook property test).
#[test]
fn an_xls_cell_past_the_last_column_does_not_size_an_allocation() {
    assert_refused("far_cell.xls");
}
