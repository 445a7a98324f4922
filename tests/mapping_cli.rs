//! End to end for mapping files: `mapping init` drafts a mapping that works as it is on every
//! sample, `--out` refuses to overwrite, and a broken mapping fails with exit 1 and a message
//! that says where (line and column) or what (did you mean). The drafts of real CRM exports
//! (header row, phones, tags) are checked in `mapping_init.rs`.

use crate::util::{assert_stderr_has, ghl_bulk, stderr};
use std::path::{Path, PathBuf};
use std::process::Output;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ghl(args: &[&std::ffi::OsStr]) -> Output {
    ghl_bulk().args(args).output().expect("the binary runs")
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

#[test]
fn init_drafts_a_working_mapping_for_every_sample() {
    let tmp = tempfile::tempdir().unwrap();
    let mut samples: Vec<PathBuf> = std::fs::read_dir(root().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("csv" | "txt" | "xlsx" | "xlsm" | "xls" | "xlsb" | "ods")
            )
        })
        .collect();
    samples.sort();
    // defects.csv lists the planted defects: not contacts (see `init_refuses_a_file_without_identity`).
    samples.retain(|p| !p.ends_with("defects.csv"));
    assert!(samples.len() >= 15, "{samples:?}");
    for sample in &samples {
        let name = sample.file_name().unwrap().to_string_lossy().into_owned();
        let mapping = tmp.path().join(format!("{name}.toml"));
        let out = ghl(&[
            os("mapping"),
            os("init"),
            sample.as_os_str(),
            os("--out"),
            mapping.as_os_str(),
        ]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let text = std::fs::read_to_string(&mapping).unwrap();
        assert!(text.contains("default_region = \"US\""), "{name}");
        let run_dir = tmp.path().join(format!("{name}-run"));
        let out = ghl(&[
            os("validate"),
            sample.as_os_str(),
            os("--mapping"),
            mapping.as_os_str(),
            os("--run-dir"),
            run_dir.as_os_str(),
            os("--quiet"),
        ]);
        let code = out.status.code();
        assert!(
            code == Some(0) || code == Some(3),
            "{name}: exit {code:?}: {}\n{text}",
            stderr(&out)
        );
        assert!(out.stderr.is_empty(), "--quiet printed: {}", stderr(&out));
    }
}

#[test]
fn init_writes_stdout_region_and_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = root().join("samples/hubspot_export.csv");
    let out = ghl(&[
        os("mapping"),
        os("init"),
        sample.as_os_str(),
        os("--region"),
        os("ca"),
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("default_region = \"CA\""), "{text}");
    assert!(text.contains("email = \"Email\""), "{text}");

    let target = tmp.path().join("m.toml");
    std::fs::write(&target, "keep me").unwrap();
    let init = [
        os("mapping"),
        os("init"),
        sample.as_os_str(),
        os("--out"),
        target.as_os_str(),
    ];
    let out = ghl(&init);
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_has(&out, "--force");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    let out = ghl(&[&init[..], &[os("--force")]].concat());
    assert!(out.status.success());
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .contains("version = 1"));

    let out = ghl(&[
        os("mapping"),
        os("init"),
        sample.as_os_str(),
        os("--region"),
        os("XX"),
    ]);
    assert_eq!(out.status.code(), Some(1));
}

fn validate_with(mapping_text: &str) -> (Option<i32>, String, PathBuf, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let mapping = tmp.path().join("m.toml");
    std::fs::write(&mapping, mapping_text).unwrap();
    let run_dir = tmp.path().join("run");
    let out = ghl(&[
        os("validate"),
        root().join("samples/tradeshow_leads.csv").as_os_str(),
        os("--mapping"),
        mapping.as_os_str(),
        os("--run-dir"),
        run_dir.as_os_str(),
    ]);
    (out.status.code(), stderr(&out), run_dir, tmp)
}

#[test]
fn broken_mappings_are_fatal_and_say_where() {
    let (code, err, run_dir, _tmp) =
        validate_with("version = 1\n[fields]\nemail = \"Email\"\nphone = { colum = \"Phone\" }\n");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("line 4, column 11"), "{err}");
    assert!(err.contains("unknown field `colum`"), "{err}");
    assert!(
        !run_dir.exists(),
        "a run folder was written for a broken mapping"
    );

    let (code, err, _, _tmp) = validate_with("version = 1\n[fields]\nemail = \"E-Mail\"\n");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("did you mean \"Email\""), "{err}");
    assert!(
        err.contains("\"Badge ID\""),
        "the headers are listed: {err}"
    );

    // A task needs a due date (the API requires one).
    let (code, err, _, _tmp) = validate_with("version = 1\n[tasks]\ntitle = \"Notes\"\n");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("missing field `due`"), "{err}");
}

#[test]
fn import_without_credentials_says_what_is_missing_and_sends_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = root().join("samples/tradeshow_leads.csv");
    let mapping = root().join("mappings/tradeshow_leads.toml");
    let out = ghl_bulk()
        .args([
            os("import"),
            sample.as_os_str(),
            os("--mapping"),
            mapping.as_os_str(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_stderr_has(&out, "GHL_LOCATION_ID");

    let run_dir = tmp.path().join("dry");
    let out = ghl(&[
        os("import"),
        sample.as_os_str(),
        os("--mapping"),
        mapping.as_os_str(),
        os("--dry-run"),
        os("--run-dir"),
        run_dir.as_os_str(),
        os("-q"),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let summary = std::fs::read_to_string(run_dir.join("summary.json")).unwrap();
    assert!(
        summary.contains("\"command\": \"import --dry-run\""),
        "{summary}"
    );
}

#[test]
fn a_run_folder_is_never_reused() {
    let (code, _, run_dir, _tmp) = validate_with("version = 1\n[fields]\nemail = \"Email\"\n");
    assert_eq!(code, Some(3));
    let again = ghl(&[
        os("validate"),
        root().join("samples/tradeshow_leads.csv").as_os_str(),
        os("--mapping"),
        Path::new(&run_dir)
            .parent()
            .unwrap()
            .join("m.toml")
            .as_os_str(),
        os("--run-dir"),
        run_dir.as_os_str(),
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert_stderr_has(&again, "exists already");
}
