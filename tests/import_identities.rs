//! Issue 21: people are never merged, lost or duplicated by a shared phone or an edited email.
//! Colleagues behind one switchboard number stay three people (21.1), and the export → edit →
//! import round trip updates contacts by their id (21.2). The real binary against a sandbox on
//! loopback, with the mapping `mapping init` drafts, as a user would run it.

#![cfg(unix)]

use crate::util::{fast_config, run, summary, Output, Sandbox};
use crate::util::{ghl_bulk, GhlCommand};
use ghl_sandbox::DEFAULT_TOKEN;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

/// A sandbox whose location refuses duplicate contacts, as HighLevel's default.
fn sandbox() -> Sandbox {
    let mut config = fast_config(21, (0, 2));
    config.locations[0].allow_duplicate_contact = false;
    Sandbox::start(config)
}

/// Runs `ghl-bulk ARGS` against the sandbox, in `dir`.
fn ghl(sandbox: &Sandbox, dir: &Path, args: &[&str]) -> Output {
    let mut cmd = ghl_bulk();
    cmd.current_dir(dir)
        .no_config()
        .api(&sandbox.base_url(), DEFAULT_TOKEN)
        .args(args);
    run(cmd, LIMIT)
}

/// Runs `args` in `dir`, which must succeed, and reads the file `name` it wrote there.
fn written_by(sandbox: &Sandbox, dir: &Path, args: &[&str], name: &str) -> String {
    let out = ghl(sandbox, dir, args);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// Runs `ghl-bulk import INPUT --mapping MAPPING --run-dir RUN_DIR` against the sandbox, in
/// `dir`.
fn import(sandbox: &Sandbox, dir: &Path, input: &str, mapping: &str, run_dir: &str) -> Output {
    ghl(
        sandbox,
        dir,
        &["import", input, "--mapping", mapping, "--run-dir", run_dir],
    )
}

fn by_email<'a>(contacts: &'a [Value], email: &str) -> Vec<&'a Value> {
    contacts.iter().filter(|c| c["email"] == email).collect()
}

const SWITCHBOARD: &str = "Name,Email,Phone\n\
    Alice,alice@acme-corp.com,+1 303 555 0100\n\
    Bob,bob@acme-corp.com,+1 303 555 0100\n\
    Carol,carol@acme-corp.com,(303) 555-0100\n";

/// Issue 21.1: the drafted mapping read "1 valid, 2 merged", exit 0, and HighLevel got only
/// Alice. Now Bob and Carol are rejected (`phone_shared`, naming Alice's row), counted in the
/// console, summary.json and report.html; `drop_phone` imports all three.
#[test]
fn issue_21_1_colleagues_behind_one_switchboard_stay_three_people() {
    let sandbox = sandbox();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("expo.csv"), SWITCHBOARD).unwrap();
    let init = ["mapping", "init", "expo.csv", "--out", "expo.toml"];
    let mapping = written_by(&sandbox, dir.path(), &init, "expo.toml");
    assert!(mapping.contains("shared_phone = \"reject\""), "{mapping}");

    let out = import(&sandbox, dir.path(), "expo.csv", "expo.toml", "run1");
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("2 rows share a phone with another person"),
        "{}",
        out.stderr
    );
    let contacts = sandbox.contacts();
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert_eq!(contacts[0]["email"], "alice@acme-corp.com");
    let run1 = dir.path().join("run1");
    let rejects = std::fs::read_to_string(run1.join("rejects.csv")).unwrap();
    assert_eq!(rejects.matches("phone_shared").count(), 2, "{rejects}");
    assert!(rejects.contains("row 2 (alice@acme-corp.com)"), "{rejects}");
    let s = summary(&run1);
    assert_eq!(s["shared_phone"]["rows"], 2, "{s}");
    let html = std::fs::read_to_string(run1.join("report.html")).unwrap();
    assert!(
        html.contains("share a phone with another person"),
        "report.html"
    );

    let dropping = mapping.replace("shared_phone = \"reject\"", "shared_phone = \"drop_phone\"");
    std::fs::write(dir.path().join("drop.toml"), dropping).unwrap();
    let out = import(&sandbox, dir.path(), "expo.csv", "drop.toml", "run2");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let contacts = sandbox.contacts();
    assert_eq!(contacts.len(), 3, "{contacts:?}");
    for (email, phone) in [
        ("alice@acme-corp.com", json!("+13035550100")),
        ("bob@acme-corp.com", Value::Null),
        ("carol@acme-corp.com", Value::Null),
    ] {
        let found = by_email(&contacts, email);
        assert_eq!(found.len(), 1, "{email}: {contacts:?}");
        let got = found[0].get("phone").cloned().unwrap_or(Value::Null);
        assert_eq!(got, phone, "{email}");
    }
    assert_eq!(
        summary(&dir.path().join("run2"))["shared_phone"]["imported_without_phone"],
        2
    );
}

/// Issue 21.2: `export --mapping M` wrote `_contact_id` and import ignored it: changing the
/// email of a contact without a phone created a second contact. Now the row updates its
/// contact by id (email and phone included), through an xlsx edited in between.
#[test]
fn issue_21_2_export_edit_import_updates_the_contact_by_id() {
    let sandbox = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let ann =
        sandbox.insert(json!({"firstName": "Ann", "email": "ann@old.example", "tags": ["vip"]}));
    let bob = sandbox.insert(json!({"firstName": "Bob", "email": "bob@example.com"}));
    std::fs::write(
        dir.path().join("m.toml"),
        "version = 1\ndefault_region = \"US\"\n[fields]\nid = \"_contact_id\"\n\
         firstName = \"First\"\nemail = \"Email\"\nphone = \"Phone\"\n\
         [tags]\ncolumns = [\"Tags\"]\n",
    )
    .unwrap();
    let export = ["export", "--mapping", "m.toml", "--out", "contacts.csv"];
    let exported = written_by(&sandbox, dir.path(), &export, "contacts.csv");
    assert!(exported.contains(&ann), "{exported}");
    // The edit: Ann's new email and a phone; a tag added to Bob.
    let edited = exported
        .replace("ann@old.example", "ann@new.example")
        .replace(
            &format!("{ann},Ann,ann@new.example,"),
            &format!("{ann},Ann,ann@new.example,+14155550123"),
        );
    let edited = edited.replace(
        &format!("{bob},Bob,bob@example.com,,"),
        &format!("{bob},Bob,bob@example.com,,expo"),
    );
    assert_ne!(edited, exported, "{exported}");
    std::fs::write(dir.path().join("contacts.csv"), edited).unwrap();
    let out = import(&sandbox, dir.path(), "contacts.csv", "m.toml", "run");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let contacts = sandbox.contacts();
    assert_eq!(contacts.len(), 2, "no second contact: {contacts:?}");
    let ann_now = contacts.iter().find(|c| c["id"] == ann.as_str()).unwrap();
    assert_eq!(ann_now["email"], "ann@new.example");
    assert_eq!(ann_now["phone"], "+14155550123");
    assert_eq!(ann_now["tags"], json!(["vip"]), "tags kept");
    let bob_now = contacts.iter().find(|c| c["id"] == bob.as_str()).unwrap();
    assert_eq!(bob_now["tags"], json!(["expo"]), "tags added");
    assert_eq!(summary(&dir.path().join("run"))["outcomes"]["updated"], 2);
}

/// Issue 21.2: an id the location does not know is `contact_not_found`; an id whose email
/// belongs to another contact is `identity_conflict`, and that contact is left alone.
#[test]
fn issue_21_2_unknown_or_conflicting_ids_are_rejected() {
    let sandbox = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let ann = sandbox.insert(json!({"firstName": "Ann", "email": "ann@example.com"}));
    let bob = sandbox.insert(json!({"firstName": "Bob", "email": "bob@example.com"}));
    std::fs::write(
        dir.path().join("m.toml"),
        "version = 1\n[fields]\nid = \"_contact_id\"\nfirstName = \"First\"\nemail = \"Email\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("in.csv"),
        format!(
            "_contact_id,First,Email\n\
             ZZZZZZZZZZZZZZZZZZZZ,Zed,zed@example.com\n\
             {ann},Ann,bob@example.com\n\
             ,Cy,cy@example.com\n"
        ),
    )
    .unwrap();
    let out = import(&sandbox, dir.path(), "in.csv", "m.toml", "run");
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    let rejects = std::fs::read_to_string(dir.path().join("run/rejects.csv")).unwrap();
    assert!(rejects.contains("contact_not_found"), "{rejects}");
    assert!(rejects.contains("identity_conflict"), "{rejects}");
    // The id stays in the reject file, so that the fixed row still updates its contact.
    assert!(
        rejects.contains("_contact_id,First,Email,_row"),
        "{rejects}"
    );
    assert!(
        rejects.contains(&format!("{ann},Ann,bob@example.com")),
        "{rejects}"
    );
    let contacts = sandbox.contacts();
    assert_eq!(contacts.len(), 3, "only Cy created: {contacts:?}");
    let ann_now = contacts.iter().find(|c| c["id"] == ann.as_str()).unwrap();
    assert_eq!(ann_now["email"], "ann@example.com", "Ann untouched");
    let bob_now = contacts.iter().find(|c| c["id"] == bob.as_str()).unwrap();
    assert_eq!(bob_now["firstName"], "Bob", "Bob untouched");
}
