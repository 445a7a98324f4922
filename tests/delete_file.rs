//! `ghl-bulk delete` end to end against the sandbox: a file of 500 rows naming contacts by id,
//! by email and by phone, 20 of which match nothing: exactly the matched contacts are gone,
//! the others stay, the 20 are in `rejects.csv` as `not_found`; a row whose email and phone
//! name two different contacts is `ambiguous` and deletes nothing; a second run sends no
//! delete; without a terminal it needs `--yes`.

mod common;
mod undo_common;

use common::{fast_config, run, Sandbox};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;
use undo_common::{email, ghl, phone, requests};

const LIMIT: Duration = Duration::from_secs(60);

const MAPPING: &str = "\
version = 1
default_region = \"US\"
contact_id = \"Contact Id\"

[fields]
email = \"Email\"
phone = \"Phone\"
";

fn delete(
    sandbox: &Sandbox,
    file: &Path,
    mapping: &Path,
    run_dir: &Path,
    extra: &[&str],
) -> std::process::Command {
    let mut cmd = ghl(sandbox);
    cmd.arg("delete")
        .arg(file)
        .arg("--mapping")
        .arg(mapping)
        .arg("--run-dir")
        .arg(run_dir)
        .args(extra);
    cmd
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
    let file = dir.path().join("delete.csv");
    std::fs::write(&file, text).unwrap();
    let mapping = dir.path().join("delete.toml");
    std::fs::write(&mapping, MAPPING).unwrap();
    let run_dir = dir.path().join("run");

    // No terminal and no --yes: refused before anything is read or sent.
    let sent = requests(&sandbox);
    let out = run(delete(&sandbox, &file, &mapping, &run_dir, &[]), LIMIT);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert_eq!(requests(&sandbox), sent);

    let out = run(
        delete(&sandbox, &file, &mapping, &run_dir, &["--yes", "--quiet"]),
        LIMIT,
    );
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
    let summary = common::summary(&run_dir);
    assert_eq!(summary["outcomes"]["deleted"], 480);
    assert_eq!(summary["outcomes"]["rejected"], 20);

    // Resuming the finished run deletes nothing more.
    let sent = requests(&sandbox);
    let mut resume = ghl(&sandbox);
    resume
        .args(["delete", "--yes", "--quiet", "--resume"])
        .arg(&run_dir);
    let out = run(resume, LIMIT);
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
    let file = dir.path().join("delete.csv");
    std::fs::write(
        &file,
        format!("Contact Id,Email,Phone\n,{},{}\n", email(1), phone(2)),
    )
    .unwrap();
    let mapping = dir.path().join("delete.toml");
    std::fs::write(&mapping, MAPPING).unwrap();
    let run_dir = dir.path().join("run");
    let out = run(
        delete(&sandbox, &file, &mapping, &run_dir, &["--yes"]),
        LIMIT,
    );
    assert_eq!(out.code, Some(3), "{}", out.describe());
    assert_eq!(ids(&sandbox), [a.clone(), b.clone()].into_iter().collect());
    let rejects = std::fs::read_to_string(run_dir.join("rejects.csv")).unwrap();
    assert!(rejects.contains("ambiguous"), "{rejects}");
    assert!(rejects.contains(&a) && rejects.contains(&b), "{rejects}");
}
