//! Issue 15 items 1, 2 and 4: the server view. Before delivery an import reads what the
//! location holds for the file's emails and phones, then creates new people with their tags
//! inline (one request), updates only what differs, sends nothing for unchanged contacts, and
//! never merges two people unasked (`identity_conflict`, `--on-conflict`). Updated contacts are
//! reversible without `--undoable`. The real binary against a sandbox on loopback; request
//! counts from the sandbox's stats.

#![cfg(unix)]

use crate::util::undo::{ghl, undo};
use crate::util::{fast_config, run, summary, Output, Sandbox};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

const MAPPING: &str = "\
version = 1
default_region = \"DE\"

[fields]
firstName = \"First Name\"
lastName = \"Last Name\"
email = \"Email\"
phone = \"Phone\"
city = \"City\"

[tags]
columns = [\"Tags\"]
delimiter = \";\"
";

const HEADER: &str = "First Name,Last Name,Email,Phone,City,Tags\n";
const ANNA: &str = "Anna,Mueller,anna.mueller@example.de,+49 30 1234567,Berlin,expo\n";

/// A sandbox whose location refuses duplicate contacts, as HighLevel's default.
fn sandbox_with_lag(lag: Duration) -> Sandbox {
    let mut config = fast_config(15, (0, 1));
    config.locations[0].allow_duplicate_contact = false;
    config.search_index_lag = lag;
    Sandbox::start(config)
}

fn sandbox() -> Sandbox {
    sandbox_with_lag(Duration::ZERO)
}

/// A sandbox holding one contact, and that contact's id.
fn sandbox_holding(contact: Value) -> (Sandbox, String) {
    let sandbox = sandbox();
    let id = sandbox.insert(contact);
    (sandbox, id)
}

fn owen(sandbox: &Sandbox) -> String {
    sandbox.insert(json!({
        "firstName": "Owen", "lastName": "Kowalczyk", "email": "owen.kowalczyk@example.pl",
        "phone": "+49301234567", "companyName": "Kowalczyk Bau", "address1": "Hauptstr. 1",
        "city": "Potsdam", "dateOfBirth": "1975-04-12", "tags": ["customer"],
        "dateAdded": "2025-01-01T00:00:00.000Z", "dateUpdated": "2025-06-01T00:00:00.000Z",
    }))
}

fn contact(sandbox: &Sandbox, id: &str) -> Value {
    sandbox
        .contacts()
        .into_iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("contact {id} is gone"))
}

/// Writes `rows` under the header, and the mapping; returns the input's path.
/// The case before the import: Owen in the location, Anna's file (her phone is his) in a
/// work dir; Owen's id is returned.
fn owen_and_annas_file() -> (Sandbox, String, tempfile::TempDir) {
    let sandbox = sandbox();
    let owen_id = owen(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    files(dir.path(), ANNA);
    (sandbox, owen_id, dir)
}

/// Writes `rows` and the mapping into a new work dir and imports them into run/.
fn import_rows(sandbox: &Sandbox, rows: &str, extra: &[&str]) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    files(dir.path(), rows);
    let out = import(sandbox, dir.path(), "run", extra);
    (dir, out)
}

fn files(dir: &Path, rows: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let input = dir.join("in.csv");
    let mapping = dir.join("map.toml");
    std::fs::write(&input, format!("{HEADER}{rows}")).unwrap();
    std::fs::write(&mapping, MAPPING).unwrap();
    (input, mapping)
}

/// `ghl-bulk import in.csv --mapping map.toml --run-dir RUN` plus `extra`.
fn import(sandbox: &Sandbox, dir: &Path, run_dir: &str, extra: &[&str]) -> Output {
    let mut cmd: Command = ghl(sandbox);
    cmd.current_dir(dir)
        .args([
            "import",
            "in.csv",
            "--mapping",
            "map.toml",
            "--run-dir",
            run_dir,
        ])
        .args(extra);
    run(cmd, LIMIT)
}

/// Answers the sandbox gave on `route`, any status.
fn sent(sandbox: &Sandbox, route: &str) -> u64 {
    sandbox
        .stats()
        .by_route
        .get(route)
        .map_or(0, |statuses| statuses.values().sum())
}

fn writes(sandbox: &Sandbox) -> u64 {
    let stats = sandbox.stats();
    stats
        .by_route
        .iter()
        .filter(|(route, _)| !route.contains("search") && !route.starts_with("GET "))
        .map(|(_, statuses)| statuses.values().sum::<u64>())
        .sum()
}

/// The Anna/Owen case of the issue: a new person whose phone is an existing contact's. The
/// default rejects the row, naming Owen, and Owen stays byte for byte as he was.
#[test]
fn a_new_person_with_an_existing_phone_is_rejected_and_the_contact_untouched() {
    let (sandbox, owen_id, dir) = owen_and_annas_file();
    let before = contact(&sandbox, &owen_id);
    let out = import(&sandbox, dir.path(), "run", &[]);
    assert_eq!(out.code, Some(3), "{}", out.describe());
    assert_eq!(contact(&sandbox, &owen_id), before, "Owen was written");
    assert_eq!(sandbox.contacts().len(), 1);
    assert_eq!(writes(&sandbox), 0, "{:?}", sandbox.stats().by_route);
    let rejects = std::fs::read_to_string(dir.path().join("run/rejects.csv")).unwrap();
    assert!(rejects.contains("identity_conflict"), "{rejects}");
    assert!(rejects.contains("Owen Kowalczyk"), "{rejects}");
    assert!(rejects.contains(&owen_id), "{rejects}");
    assert!(rejects.contains("anna.mueller@example.de"), "{rejects}");
}

/// `--on-conflict update` is HighLevel's own behaviour: Owen takes Anna's values.
#[test]
fn on_conflict_update_lets_highlevel_overwrite_the_contact() {
    let (sandbox, owen_id, dir) = owen_and_annas_file();
    let out = import(&sandbox, dir.path(), "run", &["--on-conflict", "update"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let now = contact(&sandbox, &owen_id);
    assert_eq!(now["firstName"], "Anna", "{now}");
    assert_eq!(sandbox.contacts().len(), 1);
}

/// `--on-conflict skip` leaves the row and Owen alone; the row is counted and listed.
#[test]
fn on_conflict_skip_leaves_the_row_alone_and_lists_it() {
    let (sandbox, owen_id, dir) = owen_and_annas_file();
    let before = contact(&sandbox, &owen_id);
    let out = import(&sandbox, dir.path(), "run", &["--on-conflict", "skip"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(contact(&sandbox, &owen_id), before);
    assert_eq!(writes(&sandbox), 0);
    let warnings = std::fs::read_to_string(dir.path().join("run/warnings.csv")).unwrap();
    assert!(warnings.contains("identity_conflict_skipped"), "{warnings}");
    assert!(warnings.contains("Owen Kowalczyk"), "{warnings}");
    let s = summary(&dir.path().join("run"));
    assert_eq!(s["outcomes"]["unchanged"], 1, "{s}");
    assert_eq!(s["view"]["conflicts_skipped"], 1, "{s}");
    assert_eq!(s["view"]["on_conflict"], "skip", "{s}");
}

/// `--blind` is the behaviour before the view: one upsert, and HighLevel's matching
/// overwrites Owen; no search but the probe that learns the limits.
#[test]
fn blind_sends_each_row_as_before() {
    let (sandbox, owen_id, dir) = owen_and_annas_file();
    let out = import(&sandbox, dir.path(), "run", &["--blind"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(contact(&sandbox, &owen_id)["firstName"], "Anna");
    assert_eq!(sent(&sandbox, "POST /contacts/search"), 1);
    assert_eq!(sent(&sandbox, "POST /contacts/upsert"), 1);
}

/// New people: one `POST /contacts/` each with the tags inline, no tag call, no upsert.
#[test]
fn new_rows_are_created_with_their_tags_in_one_request_each() {
    let sandbox = sandbox();
    let (dir, out) = import_rows(
        &sandbox,
        "Ada,One,ada@example.de,+49 30 5550001,Berlin,expo;vip\n\
         Ben,Two,ben@example.de,+49 30 5550002,Bonn,expo\n\
         Cem,Three,cem@example.de,,Köln,\n",
        &[],
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(
        sent(&sandbox, "POST /contacts/"),
        3,
        "{:?}",
        sandbox.stats().by_route
    );
    assert_eq!(writes(&sandbox), 3, "{:?}", sandbox.stats().by_route);
    let contacts = sandbox.contacts();
    let ada = contacts
        .iter()
        .find(|c| c["email"] == "ada@example.de")
        .unwrap();
    assert_eq!(ada["tags"], json!(["expo", "vip"]));
    // The survey costs one search; an empty location needs no more.
    assert_eq!(sent(&sandbox, "POST /contacts/search"), 1);
    let s = summary(&dir.path().join("run"));
    assert_eq!(s["outcomes"]["created"], 3, "{s}");
    assert_eq!(s["view"]["requests"], 1, "{s}");
    assert_eq!(s["view"]["decisions"]["create"], 3, "{s}");
    assert_eq!(
        s["estimate_requests"], 3,
        "creates with their tags inline: {s}"
    );
}

/// A contact that already holds the row's values costs no write; the row ends unchanged.
#[test]
fn unchanged_rows_send_no_write() {
    let (sandbox, id) = sandbox_holding(json!({
        "firstName": "Ada", "lastName": "One", "email": "Ada@Example.de",
        "phone": "+49305550001", "city": "Berlin", "tags": ["expo", "other"],
    }));
    let before = contact(&sandbox, &id);
    let (dir, out) = import_rows(
        &sandbox,
        "Ada,One,ada@example.de,+49 30 5550001,Berlin,expo\n",
        &[],
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(writes(&sandbox), 0, "{:?}", sandbox.stats().by_route);
    assert_eq!(contact(&sandbox, &id), before);
    let s = summary(&dir.path().join("run"));
    assert_eq!(s["outcomes"]["unchanged"], 1, "{s}");
}

/// A changed row sends only what differs (the email, equal but for case, is not sent, so it
/// keeps its spelling); tags are only added, the contact's own kept.
#[test]
fn changed_rows_send_only_what_differs_and_keep_existing_tags() {
    let (sandbox, id) = sandbox_holding(json!({
        "firstName": "Ada", "lastName": "One", "email": "Ada@Example.de",
        "phone": "+49305550001", "city": "Bonn", "tags": ["customer"],
    }));
    let (dir, out) = import_rows(
        &sandbox,
        "Ada,One,ada@example.de,+49 30 5550001,Berlin,expo\n",
        &[],
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let now = contact(&sandbox, &id);
    assert_eq!(now["city"], "Berlin");
    assert_eq!(now["email"], "Ada@Example.de", "the email was sent again");
    let mut tags: Vec<String> = serde_json::from_value(now["tags"].clone()).unwrap();
    tags.sort();
    assert_eq!(tags, ["customer", "expo"]);
    assert_eq!(
        sent(&sandbox, "PUT /contacts/{contactId}"),
        1,
        "{:?}",
        sandbox.stats().by_route
    );
    assert_eq!(sent(&sandbox, "POST /contacts/upsert"), 0);
    let s = summary(&dir.path().join("run"));
    assert_eq!(s["outcomes"]["updated"], 1, "{s}");
    // The estimate counted the verdict: one PUT and one tag group, after the view's read (the
    // survey, whose first snapshot page held the whole location).
    assert_eq!(s["estimate_requests"], 2, "{s}");
    assert_eq!(s["delivery"]["requests"]["total"], 3, "{s}");
}

/// Search lag: the view cannot see a contact created a moment ago, so the row is planned as a
/// create; HighLevel answers the duplicate 400, and the row updates `meta.contactId` instead.
#[test]
fn a_create_answered_duplicate_updates_the_contact_search_did_not_show() {
    let sandbox = sandbox_with_lag(Duration::from_secs(3600));
    let id = sandbox.insert(json!({
        "firstName": "Ada", "lastName": "One", "email": "ada@example.de", "city": "Bonn",
    }));
    let (dir, out) = import_rows(
        &sandbox,
        "Ada,One,ada@example.de,+49 30 5550001,Berlin,expo\n",
        &[],
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(sandbox.contacts().len(), 1);
    let now = contact(&sandbox, &id);
    assert_eq!(now["city"], "Berlin");
    assert_eq!(now["phone"], "+49305550001");
    assert_eq!(now["tags"], json!(["expo"]));
    let s = summary(&dir.path().join("run"));
    assert_eq!(s["outcomes"]["updated"], 1, "{s}");
}

/// Search lag behind a conflict: the fresh contact the create meets is someone else's (Owen,
/// by his phone); the row is rejected, not merged into him.
#[test]
fn a_create_meeting_someone_else_is_still_a_conflict() {
    let sandbox = sandbox_with_lag(Duration::from_secs(3600));
    let id = sandbox.insert(json!({
        "firstName": "Owen", "lastName": "Kowalczyk", "email": "owen.kowalczyk@example.pl",
        "phone": "+49301234567",
    }));
    let before = contact(&sandbox, &id);
    let (dir, out) = import_rows(&sandbox, ANNA, &[]);
    assert_eq!(out.code, Some(3), "{}", out.describe());
    assert_eq!(contact(&sandbox, &id), before);
    let rejects = std::fs::read_to_string(dir.path().join("run/rejects.csv")).unwrap();
    assert!(rejects.contains("identity_conflict"), "{rejects}");
}

/// Item 4: the view's reading is the before-image; an undo of a planned import puts the
/// updated contact's fields back without `--undoable`.
#[test]
fn undo_of_a_planned_import_restores_updated_contacts() {
    let (sandbox, id) = sandbox_holding(json!({
        "firstName": "Ada", "lastName": "One", "email": "ada@example.de",
        "phone": "+49305550001", "city": "Bonn", "tags": ["customer"],
        "dateAdded": "2025-01-01T00:00:00.000Z", "dateUpdated": "2025-06-01T00:00:00.000Z",
    }));
    let (dir, out) = import_rows(
        &sandbox,
        "Ada,Two,ada@example.de,+49 30 5550001,Berlin,expo\n\
         Ben,Two,ben@example.de,+49 30 5550002,Bonn,expo\n",
        &[],
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(contact(&sandbox, &id)["city"], "Berlin");
    let out = run(undo(&sandbox, &dir.path().join("run"), &["--yes"]), LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let now = contact(&sandbox, &id);
    assert_eq!(now["city"], "Bonn", "{now}");
    assert_eq!(now["lastName"], "One", "{now}");
    assert_eq!(now["tags"], json!(["customer"]), "{now}");
    assert_eq!(
        sandbox.contacts().len(),
        1,
        "the created contact is deleted"
    );
}

/// The estimate names the view's method, its cost, and the verdicts.
#[test]
fn the_estimate_says_how_the_location_was_read() {
    let sandbox = sandbox();
    owen(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    files(
        dir.path(),
        &format!("{ANNA}Ben,Two,ben@example.de,+49 30 5550002,Bonn,expo\n"),
    );
    let mut cmd: Command = ghl(&sandbox);
    cmd.current_dir(dir.path()).args([
        "import",
        "in.csv",
        "--mapping",
        "map.toml",
        "--run-dir",
        "run",
    ]);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(3), "{}", out.describe());
    assert!(
        out.stderr.contains("View: read the location by snapshot (1 contacts there): 1 request; rows: 1 create, 0 update, 0 unchanged, 1 conflict."),
        "{}",
        out.stderr
    );
}

/// `--dry-run` sends the survey alone and says how the import would read the location.
#[test]
fn a_dry_run_says_how_the_location_would_be_read() {
    let (sandbox, _, dir) = owen_and_annas_file();
    let out = import(&sandbox, dir.path(), "run", &["--dry-run"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(sandbox.stats().total_requests, 1, "the survey only");
    assert!(
        out.stdout.contains(
            "View: the import will read the location by snapshot (1 contacts there): 0 more"
        ),
        "{}",
        out.stdout
    );
    let s = summary(&dir.path().join("run"));
    assert_eq!(s["view"]["method"], "snapshot", "{s}");
}

/// A planned run stopped at the daily budget resumes with its decisions and its
/// `--on-conflict` (the resume cannot be given another): the conflict row is still skipped,
/// every new person is created once.
#[test]
fn a_resume_keeps_the_decisions_and_the_conflict_choice() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = fast_config(16, (1, 3));
    config.locations[0].allow_duplicate_contact = false;
    config.rate_limit.daily = Some(30);
    config.data_file = Some(dir.path().join("sandbox.json"));
    let mut sandbox = Sandbox::start(config);
    let owen_id = owen(&sandbox);
    let before = contact(&sandbox, &owen_id);
    let mut rows = String::new();
    for i in 0..40 {
        rows.push_str(&format!("New{i},Person,new{i}@example.de,,Berlin,expo\n"));
    }
    rows.push_str(ANNA);
    files(dir.path(), &rows);
    let flags = [
        "--on-conflict",
        "skip",
        "--concurrency",
        "2",
        "--daily-reserve",
        "5",
    ];
    let stopped = import(&sandbox, dir.path(), "run", &flags);
    assert_eq!(stopped.code, Some(75), "{}", stopped.describe());
    sandbox.restart();
    let mut resume: Command = ghl(&sandbox);
    resume
        .current_dir(dir.path())
        .args(["import", "--resume", "run"]);
    let out = run(resume, LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(contact(&sandbox, &owen_id), before, "Owen was written");
    let contacts = sandbox.contacts();
    assert_eq!(contacts.len(), 41, "each new person once, and Owen");
    let s = summary(&dir.path().join("run"));
    assert_eq!(s["outcomes"]["created"], 40, "{s}");
    assert_eq!(s["outcomes"]["unchanged"], 1, "{s}");
}
