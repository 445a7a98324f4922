//! `ghl-bulk export` for nightly jobs against the sandbox: `--since last` exports exactly what
//! changed (the overlap window's repeats removed by id), an export → import round trip with the
//! same mapping changes nothing, and `--with-notes` adds each contact's notes.

use crate::util::export::{column, read_csv, summary};
use crate::util::Sandbox;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

fn ids_in(dir: &Path, file: &str) -> BTreeSet<String> {
    let (headers, rows) = read_csv(&dir.join(file));
    column(&headers, &rows, "Contact Id").into_iter().collect()
}

/// The nightly job: `night.csv` with what changed since the last run, and its summary in
/// `summary_file`; it must exit 0.
fn nightly(sandbox: &Sandbox, d: &Path, summary_file: &str) {
    let (code, stderr) = sandbox.export(
        d,
        &[
            "--out",
            "night.csv",
            "--since",
            "last",
            "--summary",
            summary_file,
        ],
    );
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn since_last_exports_exactly_what_changed() {
    let sandbox = Sandbox::fast(3_000);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // The first night: no watermark yet, so everything.
    let (code, stderr) = sandbox.export(d, &["--out", "night.csv", "--since", "last"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(ids_in(d, "night.csv"), sandbox.ids());

    // 100 contacts change during the day.
    let changed: BTreeSet<String> = sandbox.ids().into_iter().step_by(30).take(100).collect();
    assert_eq!(changed.len(), 100);
    for id in &changed {
        sandbox.update(id, json!({"city": "Changed City"}));
    }
    nightly(&sandbox, d, "s2.json");
    assert_eq!(ids_in(d, "night.csv"), changed);
    let s = summary(&d.join("s2.json"));
    assert_eq!(s["since"], "last");
    assert_eq!(s["contacts_written"], 100);
    assert!(s["updated_from"].as_str().is_some());
    assert_ne!(s["watermark_before"], s["watermark_after"]);

    // Nothing changed since: the overlap window brings the 100 back, and they are left out.
    nightly(&sandbox, d, "s3.json");
    assert!(ids_in(d, "night.csv").is_empty());
    let s = summary(&d.join("s3.json"));
    assert_eq!(s["contacts_written"], 0);
    assert_eq!(s["duplicates_skipped"], 100);

    // One of them changes again: it is a new change, the other 99 are still repeats.
    let again = changed.iter().next().unwrap().clone();
    sandbox.update(&again, json!({"city": "Changed Again"}));
    nightly(&sandbox, d, "s4.json");
    assert_eq!(ids_in(d, "night.csv"), BTreeSet::from([again.clone()]));
    assert_eq!(summary(&d.join("s4.json"))["duplicates_skipped"], 99);

    // Another file is another target with its own watermark: its first run is complete.
    let (code, stderr) = sandbox.export(d, &["--out", "other.csv", "--since", "last"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(ids_in(d, "other.csv").len(), 3_000);

    // A failed run moves nothing: the next run still finds the change made before it.
    let last = changed.iter().last().unwrap().clone();
    sandbox.update(&last, json!({"city": "Changed Before A Failure"}));
    std::fs::write(
        d.join("bad.toml"),
        "version = 1\n[[custom_fields]]\nkey = \"contact.nope\"\ncolumn = \"X\"\n",
    )
    .unwrap();
    let (code, stderr) = sandbox.export(
        d,
        &[
            "--out",
            "night.csv",
            "--since",
            "last",
            "--mapping",
            "bad.toml",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("contact.nope"), "{stderr}");
    assert_eq!(ids_in(d, "night.csv"), BTreeSet::from([again]));
    let (code, stderr) = sandbox.export(d, &["--out", "night.csv", "--since", "last"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(ids_in(d, "night.csv"), BTreeSet::from([last]));

    // A run that cannot even start still replaces the summary, so a monitor never reads the
    // last good night's file as tonight's.
    let (code, stderr) = sandbox.export(
        d,
        &[
            "--out",
            "night.csv",
            "--mapping",
            "missing.toml",
            "--summary",
            "s4.json",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let s = summary(&d.join("s4.json"));
    assert_eq!(s["status"], "failed");
    assert!(s["error"].as_str().unwrap().contains("missing.toml"), "{s}");
}

const ROUND_TRIP_MAPPING: &str = r#"
version = 1
default_region = "US"

# Forced reader settings the export must honour for the file to read back.
[source]
delimiter = ";"
sheet = "Leads"

[fields]
firstName = "First Name"
lastName = "Last Name"
email = "Email"
phone = "Phone"
companyName = "Company"
address1 = "Street"
city = "City"
state = "State"
postalCode = "Postal Code"
country = "Country"
timezone = "Time Zone"
dateOfBirth = "Birthday"
source = "Source"
dnd = { column = "Do Not Disturb", map = { "yes" = true, "no" = false } }

[[custom_fields]]
key = "contact.lead_score"
column = "Score"

[[custom_fields]]
key = "contact.favourite_colour"
column = "Colour"

[[custom_fields]]
key = "contact.interests"
column = "Interests"

[[custom_fields]]
key = "contact.memo"
column = "Memo"

[tags]
columns = ["Tags"]
"#;

/// A contact as stored, less what any write changes (`dateUpdated`), with numbers compared as
/// numbers: the import sends a NUMERICAL custom field as a float (`94.0` for the stored `94`),
/// the same JSON number to HighLevel's JavaScript, which the sandbox stores as it came.
fn comparable(mut contact: Value) -> Value {
    fn numbers(v: &mut Value) {
        match v {
            Value::Number(n) => {
                if let Some(f) = n.as_f64() {
                    *v = json!(f);
                }
            }
            Value::Array(a) => a.iter_mut().for_each(numbers),
            Value::Object(o) => o.values_mut().for_each(numbers),
            _ => {}
        }
    }
    if let Value::Object(map) = &mut contact {
        map.remove("dateUpdated");
    }
    numbers(&mut contact);
    contact
}

fn round_trip(format: &str) {
    let sandbox = Sandbox::fast(1_000);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("m.toml"), ROUND_TRIP_MAPPING).unwrap();
    let before: Vec<Value> = sandbox.contacts().into_iter().map(comparable).collect();

    let file = format!("contacts.{format}");
    let (code, stderr) = sandbox.export(d, &["--out", &file, "--mapping", "m.toml"]);
    assert_eq!(code, 0, "{stderr}");
    let output = sandbox
        .command(
            d,
            &[
                "import",
                &file,
                "--mapping",
                "m.toml",
                "--run-dir",
                "run",
                "-q",
            ],
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");

    let (headers, rows) = read_csv(&d.join("run/success.csv"));
    assert_eq!(rows.len(), 1_000, "every row delivered");
    for outcome in column(&headers, &rows, "_outcome") {
        assert!(
            outcome == "updated" || outcome == "unchanged",
            "outcome {outcome}"
        );
    }
    let after: Vec<Value> = sandbox.contacts().into_iter().map(comparable).collect();
    assert_eq!(before.len(), after.len(), "no contact created");
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a, "a contact changed in the round trip");
    }
}

#[test]
fn export_then_import_with_the_same_mapping_changes_nothing_csv() {
    round_trip("csv");
}

#[test]
fn export_then_import_with_the_same_mapping_changes_nothing_xlsx() {
    round_trip("xlsx");
}

#[test]
fn with_notes_adds_each_contacts_notes() {
    let sandbox = Sandbox::fast(40);
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = sandbox.ids().into_iter().collect();
    for (id, body) in [
        (&ids[3], "Called, no answer"),
        (&ids[3], "=HYPERLINK(\"x\")"),
        (&ids[17], "Met at expo"),
    ] {
        sandbox.add_note(id, json!({"body": body}));
    }
    let (code, stderr) = sandbox.export(
        dir.path(),
        &["--out", "n.csv", "--with-notes", "--summary", "s.json"],
    );
    assert_eq!(code, 0, "{stderr}");
    let (headers, rows) = read_csv(&dir.path().join("n.csv"));
    let by_id: Vec<(String, String)> = column(&headers, &rows, "Contact Id")
        .into_iter()
        .zip(column(&headers, &rows, "Notes"))
        .collect();
    for (id, notes) in &by_id {
        let want = if *id == ids[3] {
            // Oldest first; the formula-like note is neutralised in the CSV.
            "Called, no answer\n\n=HYPERLINK(\"x\")"
        } else if *id == ids[17] {
            "Met at expo"
        } else {
            ""
        };
        assert_eq!(notes, want, "{id}");
    }
    let s = summary(&dir.path().join("s.json"));
    assert_eq!(
        s["requests"]["by_endpoint"]["GET /contacts/{id}/notes"]["200"],
        40
    );
}

#[test]
fn a_refused_token_is_fatal_and_says_so() {
    let sandbox = Sandbox::fast(10);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.csv"), "old\n").unwrap();
    let output = sandbox
        .export_command(dir.path(), &["-q", "--out", "c.csv"])
        .env("GHL_TOKEN", "pit-wrong")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("refused the credentials"), "{stderr}");
    assert!(
        !stderr.contains("pit-wrong"),
        "the token is never printed: {stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("c.csv")).unwrap(),
        "old\n"
    );
}

/// Issue 13 item 10: `--since last` against a loopback sandbox, without `--state`, wrote its
/// watermark into the user's real state folder (`~/.local/share/ghl-bulk/state/…`). It is
/// kept beside the output instead, and the next night still starts from it.
#[test]
fn a_loopback_sandbox_keeps_its_watermark_beside_the_output() {
    let sandbox = Sandbox::fast(30);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let night = |summary: &str| {
        let out = sandbox
            .command(
                d,
                &[
                    "export",
                    "-q",
                    "--out",
                    "night.csv",
                    "--since",
                    "last",
                    "--summary",
                    summary,
                ],
            )
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    night("s1.json");
    let data = d.join("data");
    assert!(
        !data.exists(),
        "the real state folder was written: {:?}",
        std::fs::read_dir(&data).map(|r| r.flatten().map(|e| e.path()).collect::<Vec<_>>())
    );
    let beside = d.join("night.csv.state.sqlite");
    assert!(beside.is_file(), "no state file beside the output");
    assert_eq!(
        summary(&d.join("s1.json"))["state_file"],
        "night.csv.state.sqlite"
    );
    night("s2.json");
    let s2 = summary(&d.join("s2.json"));
    assert!(s2["watermark_before"].is_string(), "{s2}");
    assert_eq!(s2["contacts_written"], 0, "{s2}");
    assert!(!data.exists());
}
