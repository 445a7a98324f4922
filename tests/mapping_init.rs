//! End to end for `mapping init` on real CRM export shapes (issues 13.7, 21.3, 21.4): the
//! drafted mapping finds the header row below title rows, takes every phone column, splits
//! tags right, and validates its sample with no row rejected for want of an identity. A file
//! or a mapping with no email or phone at all is one clear error, not a run of rejects.

use crate::util::{self, assert_stderr_has, file_in, ghl_bulk, stderr};
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ghl<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    ghl_bulk().args(args).output().expect("the binary runs")
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

/// `mapping init FILE --out DIR/NAME.toml`: the mapping's text and the console's stderr.
fn init(file: &Path, dir: &Path) -> (String, String) {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let mapping = dir.join(format!("{name}.toml"));
    let out = ghl(&[
        os("mapping"),
        os("init"),
        file.as_os_str(),
        os("--out"),
        mapping.as_os_str(),
    ]);
    assert!(out.status.success(), "{name}: {}", stderr(&out));
    (std::fs::read_to_string(&mapping).unwrap(), stderr(&out))
}

/// What `validate` made of a file with its drafted mapping.
struct Validated {
    summary: Value,
    /// The staged payloads (valid and merged rows).
    payloads: Vec<Value>,
    mapping: String,
}

impl Validated {
    fn count(&self, outcome: &str) -> u64 {
        self.summary["outcomes"][outcome].as_u64().unwrap_or(0)
    }

    fn issue(&self, code: &str) -> u64 {
        self.summary["issues"][code].as_u64().unwrap_or(0)
    }

    fn without_phone(&self) -> usize {
        self.payloads
            .iter()
            .filter(|p| p["phone"].is_null())
            .count()
    }

    fn tags(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .payloads
            .iter()
            .flat_map(|p| p["tags"].as_array().cloned().unwrap_or_default())
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

fn draft_and_validate(file: &Path, dir: &Path) -> Validated {
    let (mapping, _) = init(file, dir);
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let run_dir = dir.join(format!("{name}-run"));
    let out = ghl(&[
        os("validate"),
        file.as_os_str(),
        os("--mapping"),
        dir.join(format!("{name}.toml")).as_os_str(),
        os("--run-dir"),
        run_dir.as_os_str(),
        os("--quiet"),
    ]);
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "{name}: {}\n{mapping}",
        stderr(&out)
    );
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("summary.json")).unwrap())
            .unwrap();
    let payloads = crate::util::payloads(&run_dir)
        .into_iter()
        .map(|(_, payload)| payload)
        .collect();
    Validated {
        summary,
        payloads,
        mapping,
    }
}

/// [`draft_and_validate`] on a file `name` holding `text`, in a folder of its own.
fn draft_and_validate_text(name: &str, text: &str) -> Validated {
    let tmp = tempfile::tempdir().unwrap();
    draft_and_validate(&file_in(tmp.path(), name, text), tmp.path())
}

fn sample(name: &str) -> PathBuf {
    root().join("samples").join(name)
}

#[test]
fn crm_exports_draft_every_phone_and_no_row_lacks_an_identity() {
    let tmp = tempfile::tempdir().unwrap();
    // (sample, rows read, rows without an identity, staged rows without a phone)
    for (name, rows, unidentified, phoneless) in [
        ("pipedrive_people.csv", 18, 0, 0),
        ("zoho_contacts.csv", 17, 0, 0),
        ("expo_badges.xlsx", 20, 0, 0),
        // Issue 21.3: with only `Mobile Phone` mapped, the contacts without one lost their
        // business or home number, silently.
        ("outlook_export_cp1252.csv", 25, 0, 0),
        ("hubspot_export.csv", 35, 0, 0),
        // The report's five footer lines are rows without an identity, and row 9 has
        // neither Phone nor Mobile (samples/README.md).
        ("salesforce_report.csv", 35, 5, 1),
    ] {
        let v = draft_and_validate(&sample(name), tmp.path());
        assert_eq!(v.summary["rows_read"].as_u64(), Some(rows), "{name}");
        assert_eq!(
            v.issue("no_identity"),
            unidentified,
            "{name}\n{}",
            v.mapping
        );
        assert_eq!(
            v.count("valid") + v.count("merged"),
            v.payloads.len() as u64
        );
        assert_eq!(v.without_phone(), phoneless, "{name}\n{}", v.mapping);
    }
}

#[test]
fn the_header_row_is_found_below_title_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let v = draft_and_validate(&sample("expo_badges.xlsx"), tmp.path());
    assert!(v.mapping.contains("header_row = 4"), "{}", v.mapping);
    assert_eq!(v.count("valid"), 20);
    assert_eq!(v.count("rejected"), 0);

    // A CSV saved from such a sheet (title cells padded with commas), and one whose title
    // lines have no delimiter at all.
    let body = "First Name,Last Name,Email,Mobile,Company\r\n\
                Ann,Lee,ann.lee@example.com,(617) 555-0128,Acme\r\n\
                Bo,Kim,,617-555-0149,Beta\r\n";
    for (name, above, row) in [
        (
            "padded.csv",
            "Spring Expo leads,,,,\r\nExported 2026-03-01,,,,\r\n,,,,\r\n",
            4,
        ),
        (
            "bare.csv",
            "Spring Expo leads\r\nExported 2026-03-01 by Dana\r\n",
            3,
        ),
    ] {
        let v = draft_and_validate_text(name, &format!("{above}{body}"));
        assert!(
            v.mapping.contains(&format!("header_row = {row}")),
            "{name}\n{}",
            v.mapping
        );
        assert!(v.mapping.contains("email = \"Email\""), "{}", v.mapping);
        assert_eq!(v.count("valid"), 2, "{name}\n{}", v.mapping);
        assert_eq!(v.without_phone(), 0, "{name}");
    }
}

#[test]
fn google_system_groups_are_not_tags() {
    let tmp = tempfile::tempdir().unwrap();
    let v = draft_and_validate(&sample("google_contacts.csv"), tmp.path());
    let tags = v.tags();
    assert!(!tags.is_empty());
    assert!(
        tags.iter().all(|t| !t.starts_with('*')),
        "Google's system groups became tags: {tags:?}"
    );
    assert!(tags.contains(&"vip".to_string()), "{tags:?}");
}

#[test]
fn quoted_tag_lists_keep_their_commas() {
    // Issue 21.4: Mailchimp's TAGS cell `"Tag, with comma","Other"` became three tags.
    let v = draft_and_validate_text(
        "audience.csv",
        "Email Address,First Name,Address,CC,TAGS\n\
         a@example.com,Ann,2711 Cedar Ln  Denver  CO  80202  US,US,\"\"\"Tag, with comma\"\",\"\"Other\"\"\"\n\
         b@example.com,Bo,,US,\"\"\"Customer\"\"\"\n",
    );
    assert_eq!(
        v.payloads[0]["tags"],
        serde_json::json!(["tag, with comma", "other"])
    );
    assert_eq!(v.payloads[1]["tags"], serde_json::json!(["customer"]));
    // Mailchimp's CC is the country; its one-cell Address is left out, not pasted whole.
    assert_eq!(v.payloads[0]["country"], "US");
    assert!(v.payloads[0]["address1"].is_null(), "{}", v.payloads[0]);
    assert!(
        v.mapping.contains("\"Address\" holds street"),
        "{}",
        v.mapping
    );
}

#[test]
fn our_own_export_maps_custom_fields_back() {
    let v = draft_and_validate_text(
        "export.csv",
        "First Name,Email,Phone,Tags,Membership Level (contact.membership_level)\n\
         Ann,ann@example.com,+16175550128,\"vip, expo\",Gold\n",
    );
    assert!(
        v.mapping
            .contains("key = \"contact.membership_level\"\ncolumn = \"Membership Level (contact.membership_level)\""),
        "{}",
        v.mapping
    );
    assert_eq!(v.tags(), ["expo", "vip"]);
}

#[test]
fn init_names_unmapped_columns_and_creates_the_out_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("new").join("mappings");
    let (text, err) = init(&sample("hubspot_export.csv"), &dir);
    assert!(text.contains("version = 1"));
    let line = util::line_starting(&err, "Not mapped, though they hold data:");
    assert!(line.contains("\"Job Title\""), "{line}");
    assert!(line.contains("\"Lead Status\""), "{line}");
    assert!(!line.contains("\"Email\""), "{line}");
    assert!(
        err.lines().next().unwrap_or("").starts_with("Wrote "),
        "{err}"
    );
}

#[test]
fn init_refuses_a_file_without_identity() {
    let tmp = tempfile::tempdir().unwrap();
    let out_file = tmp.path().join("m.toml");
    let out = ghl(&[
        os("mapping"),
        os("init"),
        sample("defects.csv").as_os_str(),
        os("--out"),
        out_file.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_stderr_has(&out, "no email or phone column found");
    assert!(
        !out_file.exists(),
        "a mapping that rejects every row was written"
    );
}

#[test]
fn a_mapping_without_identity_is_one_fatal_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mapping = file_in(
        tmp.path(),
        "m.toml",
        "version = 1\n[fields]\nfirstName = \"First Name\"\ncompanyName = \"Company\"\n",
    );
    for command in ["validate", "import"] {
        let run_dir = tmp.path().join(command);
        let mut args: Vec<std::ffi::OsString> = vec![
            command.into(),
            sample("tradeshow_leads.csv").into(),
            "--mapping".into(),
            mapping.clone().into(),
            "--run-dir".into(),
            run_dir.clone().into(),
        ];
        if command == "import" {
            args.push("--sandbox".into());
        }
        let out = ghl(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{command}: {err}");
        assert!(
            err.contains("maps neither email nor phone"),
            "{command}: {err}"
        );
        assert!(err.contains("\"Email\""), "the headers are listed: {err}");
        assert!(!err.contains("no_identity 40"), "{command}: {err}");
    }
}
