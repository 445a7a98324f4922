//! What the undo and delete tests share: a location seeded with contacts that carry tags and
//! notes, an import file that updates some of them and creates others (new names, tags,
//! notes, tasks), the location's state (contacts, notes, tasks) read back for comparison, and
//! the `undo` / `delete` commands against the sandbox.

use ghl_sandbox::DEFAULT_TOKEN;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{ghl_bulk, GhlCommand, Sandbox};

/// The mapping of the files written here.
pub const MAPPING: &str = "\
version = 1
default_region = \"US\"

[fields]
firstName = \"First Name\"
lastName = \"Last Name\"
email = \"Email\"
phone = \"Phone\"
city = \"City\"

[tags]
columns = [\"Tags\"]
delimiter = \";\"

[notes]
columns = [\"Note\"]

[tasks]
title = \"Task\"
due = \"Due\"
";

/// The email of seeded (existing) contact `i`.
pub fn email(i: usize) -> String {
    format!("person{i}@example.com")
}

/// A valid US phone, distinct per `i`.
pub fn phone(i: usize) -> String {
    format!("+1415{:07}", 2_000_000 + i)
}

/// Stores `n` existing contacts (ids `0..n` by email/phone), each with the tags `old` and
/// `vip`, a city, and one note. Returns their ids in order.
pub fn seed(sandbox: &Sandbox, n: usize) -> Vec<String> {
    let ids: Vec<String> = (0..n)
        .map(|i| {
            sandbox.insert(json!({
                "firstName": format!("Old{i}"), "lastName": "Person", "email": email(i),
                "phone": phone(i), "city": "Springfield", "tags": ["old", "vip"],
                "dateAdded": "2025-01-01T00:00:00.000Z", "dateUpdated": "2025-06-01T00:00:00.000Z",
            }))
        })
        .collect();
    for (i, id) in ids.iter().enumerate() {
        api(
            sandbox,
            "POST",
            &format!("/contacts/{id}/notes"),
            Some(json!({"body": format!("existing note {i}")})),
        );
    }
    ids
}

/// Writes the import file: rows `0..existing` update seeded contacts (a new first name, the
/// tags `expo` and `old`, a note, a task), rows `existing..existing + new` create contacts.
pub fn write_import(dir: &Path, existing: usize, new: usize) -> (PathBuf, PathBuf) {
    let file = dir.join("import.csv");
    let mut text = String::from("First Name,Last Name,Email,Phone,City,Tags,Note,Task,Due\n");
    for i in 0..existing + new {
        let city = if i < existing { "" } else { "Shelbyville" };
        text.push_str(&format!(
            "New{i},Person,{},{},{city},expo;old,Met at the expo {i},Call back {i},2027-01-15\n",
            email(i),
            phone(i)
        ));
    }
    std::fs::write(&file, text).expect("the import file is written");
    let mapping = dir.join("mapping.toml");
    std::fs::write(&mapping, MAPPING).expect("the mapping is written");
    (file, mapping)
}

/// One request to the sandbox's API as the default token; the JSON answer.
pub fn api(sandbox: &Sandbox, method: &str, path: &str, body: Option<Value>) -> Value {
    let url = format!("{}{path}", sandbox.base_url());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for a test request");
    runtime.block_on(async {
        let client = crate::util::http();
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = client
            .request(method, url)
            .bearer_auth(DEFAULT_TOKEN)
            .header("Version", "2021-07-28");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the sandbox answers");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.expect("a JSON answer")
    })
}

/// The location as an undo must leave it: every contact (less `dateUpdated`, tags sorted) with
/// its notes and tasks (ids and contents), by contact id.
pub fn state(sandbox: &Sandbox) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for mut contact in sandbox.contacts() {
        let id = contact["id"].as_str().unwrap_or_default().to_string();
        if let Some(map) = contact.as_object_mut() {
            map.remove("dateUpdated");
            if let Some(Value::Array(tags)) = map.get_mut("tags") {
                tags.sort_by_key(|t| t.as_str().unwrap_or_default().to_string());
            }
        }
        let mut notes: Vec<Value> = api(sandbox, "GET", &format!("/contacts/{id}/notes"), None)
            ["notes"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|n| json!({"id": n["id"], "body": n["body"]}))
            .collect();
        notes.sort_by_key(|n| n["id"].as_str().unwrap_or_default().to_string());
        let mut tasks: Vec<Value> = api(sandbox, "GET", &format!("/contacts/{id}/tasks"), None)["tasks"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|t| json!({"id": t["id"], "title": t["title"], "dueDate": t["dueDate"], "completed": t["completed"]}))
            .collect();
        tasks.sort_by_key(|t| t["id"].as_str().unwrap_or_default().to_string());
        out.insert(
            id,
            json!({"contact": contact, "notes": notes, "tasks": tasks}),
        );
    }
    out
}

/// Asserts two states are equal, naming the first contact that differs.
pub fn assert_same_state(got: &BTreeMap<String, Value>, want: &BTreeMap<String, Value>) {
    let extra: Vec<&String> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    let missing: Vec<&String> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    assert!(
        extra.is_empty() && missing.is_empty(),
        "contacts left over {extra:?}, missing {missing:?}"
    );
    for (id, value) in want {
        assert_eq!(&got[id], value, "contact {id} differs");
    }
}

/// A `ghl-bulk` command against the sandbox (token, location, base URL in the environment).
pub fn ghl(sandbox: &Sandbox) -> Command {
    let mut cmd = ghl_bulk();
    cmd.api(&sandbox.base_url(), DEFAULT_TOKEN);
    cmd
}

/// `ghl-bulk import --blind FILE --mapping M --run-dir RUN --quiet` plus `extra` (blind: the
/// undo tests choose their before-images with `--undoable`; `import_view` covers the planned
/// import's).
pub fn import(
    sandbox: &Sandbox,
    file: &Path,
    mapping: &Path,
    run_dir: &Path,
    extra: &[&str],
) -> Command {
    let mut cmd = with_file(sandbox, &["import", "--blind"], file, mapping, run_dir);
    cmd.arg("--quiet").args(extra);
    cmd
}

/// `ghl-bulk COMMAND… FILE --mapping MAPPING --run-dir RUN_DIR` against the sandbox.
pub fn with_file(
    sandbox: &Sandbox,
    command: &[&str],
    file: &Path,
    mapping: &Path,
    run_dir: &Path,
) -> Command {
    let mut cmd = ghl(sandbox);
    cmd.args(command)
        .arg(file)
        .arg("--mapping")
        .arg(mapping)
        .arg("--run-dir")
        .arg(run_dir);
    cmd
}

/// `ghl-bulk undo RUN` plus `extra`.
pub fn undo(sandbox: &Sandbox, run_dir: &Path, extra: &[&str]) -> Command {
    let mut cmd = ghl(sandbox);
    cmd.arg("undo").arg(run_dir).args(extra);
    cmd
}

/// The lines of `undo-report.csv` as maps of column → value.
pub fn undo_report(run_dir: &Path) -> Vec<BTreeMap<String, String>> {
    super::csv_file::maps(&run_dir.join("undo-report.csv"))
}

/// Total requests the sandbox has answered.
pub fn requests(sandbox: &Sandbox) -> u64 {
    sandbox.stats().total_requests
}
