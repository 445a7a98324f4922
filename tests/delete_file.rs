//! `ghl-bulk delete` end to end against the sandbox: a file of 500 rows naming contacts by id,
//! by email and by phone, 20 of which match nothing: exactly the matched contacts are gone,
//! the others stay, the 20 are in `rejects.csv` as `not_found`; a row whose email and phone
//! name two different contacts is `ambiguous` and deletes nothing; a second run sends no
//! delete; without a terminal it needs `--yes`.

use crate::util;
use crate::util::undo::{email, ghl, phone, requests, with_file};
use crate::util::{fast_config, run, Output, Sandbox};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

const MAPPING: &str = "\
version = 1
default_region = \"US\"
contact_id = \"Contact Id\"

[fields]
email = \"Email\"
phone = \"Phone\"
";

/// Writes `delete.csv` holding `csv` and `delete.toml` holding [`MAPPING`] into `dir`.
fn delete_files(dir: &Path, csv: &str) -> (PathBuf, PathBuf) {
    let file = dir.join("delete.csv");
    std::fs::write(&file, csv).unwrap();
    let mapping = dir.join("delete.toml");
    std::fs::write(&mapping, MAPPING).unwrap();
    (file, mapping)
}

/// Runs `delete FILE --mapping MAPPING --run-dir RUN_DIR EXTRA…` against `sandbox`.
fn delete(
    sandbox: &Sandbox,
    file: &Path,
    mapping: &Path,
    run_dir: &Path,
    extra: &[&str],
) -> Output {
    let mut cmd = with_file(sandbox, &["delete"], file, mapping, run_dir);
    cmd.args(extra);
    run(cmd, LIMIT)
}

/// Runs `delete --yes --quiet --resume RUN_DIR` against `sandbox`.
fn resume(sandbox: &Sandbox, run_dir: &Path) -> Output {
    let mut cmd = ghl(sandbox);
    cmd.args(["delete", "--yes", "--quiet", "--resume"])
        .arg(run_dir);
    run(cmd, LIMIT)
}

fn ids(sandbox: &Sandbox) -> BTreeSet<String> {
    sandbox
        .contacts()
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_file_of_ids_emails_and_phones_deletes_exactly_the_matched_contacts() {
    let sandbox = Sandbox::start(fast_config(61, (0, 2)));
    // 480 contacts the file names, 30 it does not.
    let all: Vec<String> = (0..510)
        .map(|i| {
            sandbox.insert(json!({
                "firstName": format!("P{i}"), "email": email(i), "phone": phone(i),
            }))
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("Contact Id,Email,Phone\n");
    for (i, id) in all.iter().enumerate().take(480) {
        match i % 3 {
            0 => text.push_str(&format!("{id},,\n")),
            // Written as a person would: the email in capitals, the phone formatted.
            1 => text.push_str(&format!(",{},\n", email(i).to_uppercase())),
            _ => {
                let p = phone(i);
                text.push_str(&format!(",,({}) {}-{}\n", &p[2..5], &p[5..8], &p[8..]));
            }
        }
    }
    for i in 0..20 {
        match i % 3 {
            0 => text.push_str(&format!("NoSuchContact{i:07},,\n")),
            1 => text.push_str(&format!(",nobody{i}@example.com,\n")),
            _ => text.push_str(&format!(",,{}\n", phone(9_000 + i))),
        }
    }
    let (file, mapping) = delete_files(dir.path(), &text);
    let run_dir = dir.path().join("run");

    // No terminal and no --yes: refused before anything is read or sent.
    let sent = requests(&sandbox);
    let out = delete(&sandbox, &file, &mapping, &run_dir, &[]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert_eq!(requests(&sandbox), sent);

    let out = delete(&sandbox, &file, &mapping, &run_dir, &["--yes", "--quiet"]);
    assert_eq!(
        out.code,
        Some(3),
        "rows matching nothing are rejects: {}",
        out.describe()
    );
    let left = ids(&sandbox);
    let expected: BTreeSet<String> = all[480..].iter().cloned().collect();
    assert_eq!(left, expected, "exactly the matched contacts are gone");
    let deletes = sandbox.stats().by_route["DELETE /contacts/{contactId}"]
        .values()
        .sum::<u64>();
    assert_eq!(deletes, 480, "one delete per contact");

    let mut reader = csv::Reader::from_path(run_dir.join("rejects.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let code = headers.iter().position(|h| h == "_code").unwrap();
    let row = headers.iter().position(|h| h == "_row").unwrap();
    let rejects: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rejects.len(), 20);
    assert!(rejects.iter().all(|r| &r[code] == "not_found"));
    let rows: Vec<u64> = rejects.iter().map(|r| r[row].parse().unwrap()).collect();
    assert_eq!(
        rows,
        (482..502).collect::<Vec<u64>>(),
        "the file's own line numbers"
    );
    let summary = util::summary(&run_dir);
    assert_eq!(summary["outcomes"]["deleted"], 480);
    assert_eq!(summary["outcomes"]["rejected"], 20);

    // Resuming the finished run deletes nothing more.
    let sent = requests(&sandbox);
    let out = resume(&sandbox, &run_dir);
    assert_eq!(out.code, Some(3), "{}", out.describe());
    assert_eq!(
        requests(&sandbox),
        sent,
        "nothing left to look up or delete"
    );
}

#[test]
fn a_row_naming_two_contacts_is_ambiguous_and_deletes_nothing() {
    let sandbox = Sandbox::start(fast_config(62, (0, 2)));
    let a = sandbox.insert(json!({"email": email(1), "phone": phone(1)}));
    let b = sandbox.insert(json!({"email": email(2), "phone": phone(2)}));
    let dir = tempfile::tempdir().unwrap();
    let text = format!("Contact Id,Email,Phone\n,{},{}\n", email(1), phone(2));
    let (file, mapping) = delete_files(dir.path(), &text);
    let run_dir = dir.path().join("run");
    let out = delete(&sandbox, &file, &mapping, &run_dir, &["--yes"]);
    assert_eq!(out.code, Some(3), "{}", out.describe());
    assert_eq!(ids(&sandbox), [a.clone(), b.clone()].into_iter().collect());
    let rejects = std::fs::read_to_string(run_dir.join("rejects.csv")).unwrap();
    assert!(rejects.contains("ambiguous"), "{rejects}");
    assert!(rejects.contains(&a) && rejects.contains(&b), "{rejects}");
}

/// Issue 13 item 9: `delete --dry-run` left a resumable run and printed `Continue with: ghl-bulk
/// delete --resume …`, and that resume deleted every contact. A dry run says it cannot be
/// resumed, a resume of it is refused, and the count it announces (contacts, not rows: two rows
/// name the same person here) is what the real delete then deletes; both runs get report.html
/// and `runs` shows the deleted count.
#[test]
fn a_dry_run_deletes_nothing_and_cannot_be_resumed() {
    let sandbox = Sandbox::start(fast_config(63, (0, 2)));
    let ids_made: Vec<String> = (0..6)
        .map(|i| sandbox.insert(json!({"email": email(i), "phone": phone(i)})))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("Contact Id,Email,Phone\n");
    for id in &ids_made[..4] {
        text.push_str(&format!("{id},,\n"));
    }
    // The first contact again, by email: 5 rows, 4 contacts.
    text.push_str(&format!(",{},\n", email(0)));
    let (file, mapping) = delete_files(dir.path(), &text);
    let dry = dir.path().join("runs/dry");

    let out = delete(&sandbox, &file, &mapping, &dry, &["--dry-run"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    out.assert_stderr_has("4 contacts would be deleted");
    assert!(
        !out.stderr.contains("Continue with") && out.stderr.contains("cannot be resumed"),
        "{}",
        out.describe()
    );
    assert_eq!(ids(&sandbox).len(), 6, "a dry run deletes nothing");
    let summary = util::summary(&dry);
    assert_eq!(summary["dry_run"], true);
    assert!(summary["resume"].is_null(), "{summary}");
    let report = std::fs::read_to_string(dry.join("report.html")).expect("report.html");
    assert!(report.contains("Dry run: nothing was deleted"), "{report}");
    assert!(!report.contains("--resume"));

    let out = resume(&sandbox, &dry);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("dry run");
    assert_eq!(
        ids(&sandbox).len(),
        6,
        "the resume of a dry run deletes nothing"
    );

    let real = dir.path().join("runs/real");
    let out = delete(&sandbox, &file, &mapping, &real, &["--yes"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert!(
        out.stderr.contains("4 contacts will be deleted")
            && out.stderr.contains("Deleted 4 contacts (5 rows)"),
        "{}",
        out.describe()
    );
    assert_eq!(ids(&sandbox), ids_made[4..].iter().cloned().collect());
    let report = std::fs::read_to_string(real.join("report.html")).expect("report.html");
    assert!(report.contains("Deleted 4 contacts"), "{report}");

    let mut runs = ghl(&sandbox);
    runs.args(["runs", "--dir"]).arg(dir.path().join("runs"));
    let out = run(runs, LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let header = out.stdout.lines().next().unwrap_or_default();
    assert!(header.contains("DELETED"), "{}", out.stdout);
    let real_line = out.stdout.lines().find(|l| l.starts_with("real")).unwrap();
    let cells: Vec<&str> = real_line.split_whitespace().collect();
    assert!(cells.contains(&"5"), "5 rows deleted: {}", out.stdout);
    let dry_line = out.stdout.lines().find(|l| l.starts_with("dry")).unwrap();
    assert!(dry_line.contains("finished"), "{}", out.stdout);
}
