//! `import FILE --mapping M --location-column COL` against the sandbox with three locations and
//! the agency's app: each row into the location its cell names; one email in two locations is
//! two contacts, twice in one location one contact and a duplicates row; an empty or unknown
//! location is a `location_unknown` reject in the top folder; each sub-folder counts its own
//! rows, the top totals the file's; a location's own token is refused; a location out of its
//! daily budget stops alone and `--resume TOP` finishes it with the totals unchanged; a resume
//! writes again a location folder a crash left without its ledger.

use crate::import_locations::{
    as_agency, json, kept_with_daily_budget, location_entry, spend, three_locations, LIMIT, SECOND,
    THIRD,
};
use crate::util::{ghl_bulk, run, GhlCommand, Output, Sandbox};
use ghl_sandbox::{DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIRST: &str = DEFAULT_LOCATION_ID;
const UNKNOWN: &str = "NoSuchLocation000009";

/// The file's rows: (email, first name, location cell).
fn rows() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("ann@example.com", "Ann", FIRST),
        ("ann@example.com", "Ann", SECOND),
        ("bob@example.com", "Bob", FIRST),
        // The same person again in the same location: merged into row 3.
        ("BOB@example.com", "Bob", FIRST),
        ("cy@example.com", "Cy", UNKNOWN),
        ("dee@example.com", "Dee", ""),
        ("eve@example.com", "Eve", THIRD),
        ("not-an-email", "Fay", THIRD),
    ]
}

/// The file and a mapping that does not map the location column.
fn workspace() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("branches.csv");
    let mut text = String::from("Email,First Name,Branch\n");
    for (email, name, location) in rows() {
        text.push_str(&format!("{email},{name},{location}\n"));
    }
    std::fs::write(&file, text).unwrap();
    let mapping = dir.path().join("branches.toml");
    std::fs::write(
        &mapping,
        "version = 1\ndefault_region = \"US\"\n\n[fields]\nemail = \"Email\"\n\
         firstName = \"First Name\"\n",
    )
    .unwrap();
    (dir, file, mapping)
}

/// [`workspace`] imported by its location column into `run/`: the work dir, that top run
/// folder and how the run ended.
fn import_workspace(sandbox: &Sandbox) -> (tempfile::TempDir, PathBuf, Output) {
    let (dir, _file, mapping) = workspace();
    let top = dir.path().join("run");
    let out = run(
        import_by_column(&sandbox.base_url(), dir.path(), &mapping, &top),
        LIMIT,
    );
    (dir, top, out)
}

fn import_by_column(base_url: &str, dir: &Path, mapping: &Path, top: &Path) -> Command {
    let mut cmd = as_agency(base_url, dir);
    cmd.arg("import")
        .arg(dir.join("branches.csv"))
        .arg("--mapping")
        .arg(mapping)
        .args(["--location-column", "Branch", "--run-dir"])
        .arg(top);
    cmd
}

fn emails(sandbox: &Sandbox, id: &str) -> Vec<String> {
    let mut emails: Vec<String> = sandbox
        .handle()
        .contacts(Some(id))
        .iter()
        .map(|c| c["email"].as_str().unwrap_or_default().to_string())
        .collect();
    emails.sort();
    emails
}

fn csv_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

fn outcome(summary: &Value, name: &str) -> u64 {
    summary["outcomes"][name].as_u64().unwrap_or(0)
}

/// The contacts each location should hold, and the rows each sub-folder counts.
fn check_delivered(sandbox: &Sandbox, top: &Path) {
    assert_eq!(
        emails(sandbox, FIRST),
        ["ann@example.com", "bob@example.com"]
    );
    assert_eq!(emails(sandbox, SECOND), ["ann@example.com"]);
    assert_eq!(emails(sandbox, THIRD), ["eve@example.com"]);
    // The location column is not a mapped field: nothing of it reaches a contact.
    for id in [FIRST, SECOND, THIRD] {
        for contact in sandbox.handle().contacts(Some(id)) {
            let fields = contact["customFields"].as_array().map_or(0, Vec::len);
            assert_eq!(fields, 0, "{contact:#}");
            for other in [SECOND, THIRD, UNKNOWN] {
                let text = contact.to_string();
                assert!(id == other || !text.contains(other), "{contact:#}");
            }
        }
    }
    let summary = json(&top.join("summary.json"));
    let first = json(&top.join(FIRST).join("summary.json"));
    assert_eq!(first["rows_read"], 3, "{first:#}");
    assert_eq!(outcome(&first, "created"), 2, "{first:#}");
    assert_eq!(outcome(&first, "merged"), 1, "{first:#}");
    assert_eq!(first["duplicate_groups"], 1, "{first:#}");
    let duplicates = csv_lines(&top.join(FIRST).join("duplicates.csv"));
    assert_eq!(duplicates.len(), 1, "{duplicates:?}");
    assert!(duplicates[0].contains("BOB@example.com"), "{duplicates:?}");
    let second = json(&top.join(SECOND).join("summary.json"));
    assert_eq!(second["rows_read"], 1, "{second:#}");
    assert_eq!(outcome(&second, "created"), 1, "{second:#}");
    let third = json(&top.join(THIRD).join("summary.json"));
    assert_eq!(third["rows_read"], 2, "{third:#}");
    assert_eq!(outcome(&third, "rejected"), 1, "{third:#}");
    assert_eq!(third["exit_code"], 3, "{third:#}");
    let third_rejects = csv_lines(&top.join(THIRD).join("rejects.csv"));
    assert_eq!(third_rejects.len(), 1, "{third_rejects:?}");
    assert!(third_rejects[0].contains("not-an-email"));

    // The top folder: every row of the file once, the unknown locations among the rejects.
    assert_eq!(
        summary["locations"].as_array().unwrap().len(),
        3,
        "{summary:#}"
    );
    assert_eq!(summary["totals"]["rows"], 8, "{summary:#}");
    let totals: u64 = summary["totals"]["outcomes"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(totals, 8, "{summary:#}");
    assert_eq!(summary["totals"]["outcomes"]["created"], 4, "{summary:#}");
    assert_eq!(summary["totals"]["outcomes"]["rejected"], 3, "{summary:#}");
    assert_eq!(summary["no_location"]["rejected"], 2, "{summary:#}");
    assert_eq!(location_entry(&summary, THIRD)["exit_code"], 3);
    assert_eq!(summary["exit_code"], 3, "{summary:#}");
    let rejects = csv_lines(&top.join("rejects.csv"));
    let unknown: Vec<&String> = rejects
        .iter()
        .filter(|l| l.contains("location_unknown"))
        .collect();
    assert_eq!(unknown.len(), 2, "{rejects:?}");
    assert!(unknown.iter().any(|l| l.contains(UNKNOWN)), "{rejects:?}");
    assert!(
        unknown.iter().any(|l| l.contains("is empty")),
        "{rejects:?}"
    );
}

#[test]
fn each_row_goes_to_its_location_deduped_within_it() {
    let sandbox = Sandbox::start(three_locations());
    let (_dir, top, out) = import_workspace(&sandbox);
    assert_eq!(out.code, Some(3), "{}", out.describe());
    check_delivered(&sandbox, &top);
    out.assert_stderr_has("No location: 2 rows rejected");
    out.assert_stderr_has("All 3 locations: exit 3");
    let page = std::fs::read_to_string(top.join("report.html")).unwrap();
    assert!(page.contains(&format!("href=\"{THIRD}/report.html\"")));
}

#[test]
fn a_location_token_is_refused_before_the_file_is_read() {
    let sandbox = Sandbox::start(three_locations());
    let (dir, file, mapping) = workspace();
    let top = dir.path().join("run");
    let mut cmd = ghl_bulk();
    cmd.home(dir.path())
        .no_config()
        .env("GHL_BASE_URL", sandbox.base_url())
        .env("GHL_TOKEN", DEFAULT_TOKEN)
        .arg("import")
        .arg(&file)
        .arg("--mapping")
        .arg(&mapping)
        .args(["--location-column", "Branch", "--run-dir"])
        .arg(&top);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("needs an agency");
    assert!(!top.exists(), "nothing staged");
    assert!(sandbox.handle().contacts(Some(FIRST)).is_empty());

    // --locations and --location-column do not go together.
    let mut cmd = as_agency(&sandbox.base_url(), dir.path());
    cmd.arg("import")
        .arg(&file)
        .arg("--mapping")
        .arg(&mapping)
        .args(["--location-column", "Branch", "--locations", "all"]);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    out.assert_stderr_has("cannot be used with");
}

#[test]
fn a_location_out_of_its_budget_stops_alone_and_a_resume_finishes_it() {
    const DAILY: u64 = 300;
    let (dir, _file, mapping) = workspace();
    let mut sandbox = kept_with_daily_budget(dir.path(), DAILY);
    // The first location has a few requests left today; the others their whole budget.
    spend(&sandbox, DAILY - 3);
    let top = dir.path().join("run");
    let mut cmd = import_by_column(&sandbox.base_url(), dir.path(), &mapping, &top);
    cmd.args(["--daily-reserve", "2"]);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(75), "{}", out.describe());
    let summary = json(&top.join("summary.json"));
    assert_eq!(
        location_entry(&summary, FIRST)["exit_code"],
        75,
        "{summary:#}"
    );
    assert_eq!(
        location_entry(&summary, SECOND)["exit_code"],
        0,
        "{summary:#}"
    );
    assert!(
        emails(&sandbox, FIRST).len() < 2,
        "the first location stopped short"
    );
    assert_eq!(emails(&sandbox, SECOND), ["ann@example.com"]);

    sandbox.restart();
    let mut cmd = as_agency(&sandbox.base_url(), dir.path());
    cmd.args(["import", "--resume"]).arg(&top);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(3), "{}", out.describe());
    check_delivered(&sandbox, &top);
}

#[test]
fn a_resume_writes_again_a_location_folder_a_crash_left_without_its_ledger() {
    let sandbox = Sandbox::start(three_locations());
    let (dir, top, out) = import_workspace(&sandbox);
    assert_eq!(out.code, Some(3), "{}", out.describe());
    // As if the run had stopped after listing its locations, before the third's folder.
    std::fs::remove_dir_all(top.join(THIRD)).unwrap();

    let mut cmd = as_agency(&sandbox.base_url(), dir.path());
    cmd.args(["import", "--resume"]).arg(&top);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(3), "{}", out.describe());
    let third = json(&top.join(THIRD).join("summary.json"));
    assert_eq!(third["rows_read"], 2, "{third:#}");
    assert_eq!(outcome(&third, "rejected"), 1, "{third:#}");
    // Eve is in the location already: found by the server view, not created twice.
    assert_eq!(outcome(&third, "unchanged"), 1, "{third:#}");
    assert_eq!(emails(&sandbox, THIRD), ["eve@example.com"]);
    let summary = json(&top.join("summary.json"));
    assert_eq!(summary["totals"]["rows"], 8, "{summary:#}");
    assert_eq!(summary["no_location"]["rejected"], 2, "{summary:#}");
}
