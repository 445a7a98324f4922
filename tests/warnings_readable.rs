//! Issues 13.5, 13.6, 19.10, 21.5 and 21.6 end to end: warnings are readable without SQLite
//! (warnings.csv, summary.json's examples, report.html, the console, success.csv's
//! `_warnings`), an ambiguous date of birth is left out and named, a German dotted date is
//! day-first, a zero-width space no longer rejects an email, control characters are not sent,
//! and a US ZIP code that lost its zero gets it back.

#![cfg(unix)]

use crate::util::GhlCommand;
use crate::util::{fast_config, file_in, run, summary, with_token, Output, Sandbox};
use ghl_sandbox::DEFAULT_TOKEN;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

const MAPPING: &str = r#"version = 1
default_region = "US"

[fields]
email = "Email"
firstName = "First"
country = "Country"
dateOfBirth = "Birthday"
postalCode = "Zip"
"#;

/// Row 2: zero-width space after the email, a German dotted date, a Dresden code that lost its
/// zero. Row 3: an ambiguous date and nothing to settle it. Row 4: a NUL in the name, a Boston
/// ZIP as Excel saves it. Row 5: a no-break space inside the email (rejected, and named).
fn write_input(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let csv = "Email,First,Country,Birthday,Zip\n\
               ann@example.com\u{200B},Ann,DE,07.03.1985,1067\n\
               bob@example.com,Bob,,07/03/1985,\n\
               cy@example.com,C\u{0}y,US,,2108\n\
               dee@exa\u{A0}mple.com,Dee,,,\n";
    (
        file_in(dir, "people.csv", csv),
        file_in(dir, "people.toml", MAPPING),
    )
}

fn ghl_bulk() -> Command {
    let mut cmd = crate::util::ghl_bulk();
    cmd.no_config();
    cmd
}

/// `CMD VERB INPUT --mapping MAPPING --run-dir RUN_DIR`, which must exit 3: the file has a row
/// to reject.
fn run_to_rejects(
    mut cmd: Command,
    verb: &str,
    input: &Path,
    mapping: &Path,
    run_dir: &Path,
) -> Output {
    cmd.arg(verb)
        .arg(input)
        .arg("--mapping")
        .arg(mapping)
        .arg("--run-dir")
        .arg(run_dir);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(3), "{}", out.describe());
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn validate_writes_warnings_where_a_person_can_read_them() {
    let dir = tempfile::tempdir().unwrap();
    let (input, mapping) = write_input(dir.path());
    let run_dir = dir.path().join("run");
    let out = run_to_rejects(ghl_bulk(), "validate", &input, &mapping, &run_dir);

    let warnings = read(&run_dir.join("warnings.csv"));
    let lines: Vec<&str> = warnings.trim_start_matches('\u{FEFF}').lines().collect();
    assert_eq!(lines[0], "row,field,code,message");
    let has = |row: &str, field: &str, code: &str, text: &str| {
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{row},{field},{code},")) && l.contains(text))
    };
    assert!(
        has("2", "postalCode", "postal_code_truncated", "01067"),
        "{warnings}"
    );
    assert!(
        has("3", "dateOfBirth", "dob_ambiguous", "3 July 1985"),
        "{warnings}"
    );
    assert!(
        has("4", "firstName", "control_characters", "U+0000"),
        "{warnings}"
    );
    assert!(has("4", "postalCode", "postal_code_truncated", "02108"));
    // The rejected row's issues are in rejects.csv, not here.
    assert!(!lines.iter().any(|l| l.starts_with("5,")), "{warnings}");

    let summary = summary(&run_dir);
    assert_eq!(summary["warnings"]["rows"], 3, "{summary:#}");
    assert_eq!(summary["warnings"]["file"], "warnings.csv");
    let groups = summary["warnings"]["by_code"].as_array().unwrap();
    let ambiguous = groups
        .iter()
        .find(|g| g["code"] == "dob_ambiguous")
        .expect("dob_ambiguous in summary.json");
    let example = ambiguous["examples"][0]["message"].as_str().unwrap();
    assert!(
        example.contains("3 July 1985") && example.contains("7 March 1985"),
        "{example}"
    );

    let html = read(&run_dir.join("report.html"));
    assert!(html.contains("Warnings found while validating"), "{html}");
    assert!(html.contains("7 March 1985"), "report.html shows examples");
    assert!(
        out.stderr.contains("warnings.csv"),
        "the console points at warnings.csv: {}",
        out.stderr
    );

    // 21.5: the invisible culprit is named by code point.
    let rejects = read(&run_dir.join("rejects.csv"));
    assert!(rejects.contains("dee@exa<U+00A0>mple.com"), "{rejects}");
    assert!(!rejects.contains("ann@example.com"), "{rejects}");
}

#[test]
fn import_sends_the_cleaned_values_and_success_csv_carries_the_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let (input, mapping) = write_input(dir.path());
    let run_dir = dir.path().join("run");
    let sandbox = Sandbox::start(with_token(fast_config(7, (0, 1)), DEFAULT_TOKEN));
    let mut cmd = ghl_bulk();
    cmd.api(&sandbox.base_url(), DEFAULT_TOKEN);
    run_to_rejects(cmd, "import", &input, &mapping, &run_dir);

    let contacts = sandbox.contacts();
    let by_email = |email: &str| {
        contacts
            .iter()
            .find(|c| c["email"] == email)
            .unwrap_or_else(|| panic!("{email} not in the sandbox: {contacts:#?}"))
            .clone()
    };
    let ann = by_email("ann@example.com");
    assert_eq!(ann["postalCode"], "01067");
    assert!(
        ann["dateOfBirth"]
            .as_str()
            .unwrap_or("")
            .starts_with("1985-03-07"),
        "{ann}"
    );
    let bob = by_email("bob@example.com");
    assert!(
        bob["dateOfBirth"].is_null(),
        "an ambiguous date is not sent: {bob}"
    );
    let cy = by_email("cy@example.com");
    assert_eq!(cy["firstName"], "Cy");
    assert_eq!(cy["postalCode"], "02108");

    let success = read(&run_dir.join("success.csv"));
    let mut lines = success.trim_start_matches('\u{FEFF}').lines();
    assert!(lines.next().unwrap().ends_with(",_warnings"));
    let bob_line = crate::util::line_starting(&success, "bob@example.com");
    assert!(bob_line.contains("dob_ambiguous: "), "{bob_line}");
    let warnings = read(&run_dir.join("warnings.csv"));
    assert!(warnings.contains("dob_ambiguous"), "{warnings}");
}

/// A row that dedupe rejects after staging (it shares another person's phone, issue 21.1) had
/// its warnings written to warnings.csv, which lists only the rows that were kept: its issues
/// belong in rejects.csv's `_message`, and the counts must agree.
#[test]
fn a_row_rejected_by_dedupe_is_not_listed_among_the_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let input = file_in(
        dir.path(),
        "switchboard.csv",
        "Email,First,Phone,Birthday\n\
         alice@acme-corp.com,Alice,+1 303 555 0100,\n\
         bob@acme-corp.com,Bob,+1 303 555 0100,31/31/1990\n",
    );
    let mapping = file_in(
        dir.path(),
        "switchboard.toml",
        "version = 1\ndefault_region = \"US\"\n\n[fields]\nemail = \"Email\"\n\
         firstName = \"First\"\nphone = \"Phone\"\ndateOfBirth = \"Birthday\"\n\n\
         [dedupe]\nkeys = [\"email\", \"phone\"]\n",
    );
    let run_dir = dir.path().join("run");
    run_to_rejects(ghl_bulk(), "validate", &input, &mapping, &run_dir);
    assert!(read(&run_dir.join("rejects.csv")).contains("phone_shared"));
    let warnings = read(&run_dir.join("warnings.csv"));
    assert_eq!(
        warnings.trim_start_matches('\u{FEFF}').lines().count(),
        1,
        "only the header: {warnings}"
    );
    assert_eq!(summary(&run_dir)["warnings"]["rows"], 0);
}
