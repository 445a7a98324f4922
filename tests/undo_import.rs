//! `ghl-bulk undo` end to end against the sandbox: an `--undoable` import that updates existing
//! contacts (new names, tags, notes, tasks) and creates others is undone to exactly the state
//! before it; a second undo sends nothing; the import cannot be resumed afterwards; without
//! `--undoable` the updated contacts are listed as not reversible and keep their fields while
//! everything else the run added goes; a contact changed since the run is left alone unless
//! `--force`; without a terminal the undo needs `--yes`.

use crate::util;
use crate::util::undo::{
    assert_same_state, import, requests, seed, state, undo, undo_report, write_import,
};
use crate::util::{fast_config, run, wait_until, Sandbox};
use std::path::PathBuf;
use std::time::Duration;
use tempfile::TempDir;

const LIMIT: Duration = Duration::from_secs(60);

fn first_name(sandbox: &Sandbox, id: &str) -> String {
    let contact = sandbox
        .contacts()
        .into_iter()
        .find(|c| c["id"] == id)
        .expect("the contact exists");
    contact["firstName"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// [`write_import`]'s file (`existing` rows updating seeded contacts, `new` creating others),
/// imported with `--undoable` in a fresh folder: the folder and the run folder.
fn undoable_import(sandbox: &Sandbox, existing: usize, new: usize) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (file, mapping) = write_import(dir.path(), existing, new);
    let run_dir = dir.path().join("run");
    let out = run(
        import(sandbox, &file, &mapping, &run_dir, &["--undoable"]),
        LIMIT,
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    (dir, run_dir)
}

#[test]
fn an_undoable_import_is_undone_to_the_state_before_it() {
    let sandbox = Sandbox::start(fast_config(41, (1, 4)));
    let ids = seed(&sandbox, 8);
    let before = state(&sandbox);
    let (_dir, run_dir) = undoable_import(&sandbox, 8, 6);
    let imported = state(&sandbox);
    assert_eq!(imported.len(), 14, "six contacts created");
    assert_eq!(first_name(&sandbox, &ids[0]), "New0");
    let seeded = &imported[&ids[0]];
    assert!(seeded["contact"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "expo"));
    assert_eq!(seeded["notes"].as_array().unwrap().len(), 2);
    assert_eq!(seeded["tasks"].as_array().unwrap().len(), 1);

    // No terminal and no --yes: a usage error before anything is sent.
    let sent = requests(&sandbox);
    let out = run(undo(&sandbox, &run_dir, &[]), LIMIT);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    out.assert_stderr_has("--yes");
    assert_eq!(requests(&sandbox), sent);
    assert!(!run_dir.join("undo.db").exists());

    // --dry-run changes nothing.
    let out = run(undo(&sandbox, &run_dir, &["--dry-run"]), LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    out.assert_stderr_has("Estimate:");
    out.assert_stderr_has("delete 6 contacts");
    assert_eq!(state(&sandbox), imported);

    let out = run(undo(&sandbox, &run_dir, &["--yes"]), LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_same_state(&state(&sandbox), &before);
    let report = undo_report(&run_dir);
    assert!(report.iter().all(|l| l["result"] == "done"), "{report:?}");
    assert_eq!(
        report
            .iter()
            .filter(|l| l["action"] == "restore_fields")
            .count(),
        8
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("undo-summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["exit_code"], 0);
    assert_eq!(summary["steps"]["delete_contact:done"], 6);

    // A second undo sends no request, and the import cannot be resumed any more.
    let sent = requests(&sandbox);
    let out = run(undo(&sandbox, &run_dir, &["--yes"]), LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    out.assert_stderr_has("undone already");
    assert_eq!(requests(&sandbox), sent, "a finished undo sends nothing");
    let mut resume = util::undo::ghl(&sandbox);
    resume.args(["import", "--resume"]).arg(&run_dir);
    let out = run(resume, LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("undo");
    assert_eq!(requests(&sandbox), sent);
}

#[test]
fn without_before_images_updated_contacts_are_listed_and_keep_their_fields() {
    let sandbox = Sandbox::start(fast_config(42, (1, 4)));
    let ids = seed(&sandbox, 5);
    let before = state(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    let (file, mapping) = write_import(dir.path(), 5, 4);
    let run_dir = dir.path().join("run");
    let out = run(import(&sandbox, &file, &mapping, &run_dir, &[]), LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());

    let out = run(undo(&sandbox, &run_dir, &["--yes"]), LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let after = state(&sandbox);
    assert_eq!(after.len(), 5, "the created contacts are gone");
    for id in &ids {
        let (was, now) = (&before[id], &after[id]);
        // Tags, notes and tasks are back as they were; the fields keep the run's values.
        assert_eq!(
            now["contact"]["tags"], was["contact"]["tags"],
            "contact {id}"
        );
        assert_eq!(now["notes"], was["notes"], "contact {id}");
        assert_eq!(now["tasks"], was["tasks"], "contact {id}");
        assert!(now["contact"]["firstName"]
            .as_str()
            .unwrap()
            .starts_with("New"));
    }
    let listed: Vec<_> = undo_report(&run_dir)
        .into_iter()
        .filter(|l| l["action"] == "not_reversible")
        .collect();
    assert_eq!(listed.len(), 5, "every updated contact is listed");
    assert!(listed
        .iter()
        .all(|l| l["result"] == "listed" && l["reason"].contains("--undoable")));
}

#[test]
fn a_contact_changed_since_the_run_is_left_alone_unless_forced() {
    let sandbox = Sandbox::start(fast_config(43, (1, 4)));
    let ids = seed(&sandbox, 3);
    let (_dir, run_dir) = undoable_import(&sandbox, 3, 0);
    // Someone edits a contact after the run (past the second the run's last write fell in).
    let run_ended = unix_second();
    wait_until("the next second", Duration::from_secs(5), || {
        unix_second() > run_ended
    });
    util::undo::api(
        &sandbox,
        "PUT",
        &format!("/contacts/{}", ids[1]),
        Some(serde_json::json!({"lastName": "Edited"})),
    );

    let out = run(undo(&sandbox, &run_dir, &["--yes"]), LIMIT);
    assert_eq!(out.code, Some(3), "{}", out.describe());
    assert_eq!(
        first_name(&sandbox, &ids[0]),
        "Old0",
        "an untouched contact is restored"
    );
    assert_eq!(
        first_name(&sandbox, &ids[1]),
        "New1",
        "the edited one is left alone"
    );
    let report = undo_report(&run_dir);
    let skipped: Vec<_> = report
        .iter()
        .filter(|l| l["contact_id"] == ids[1])
        .collect();
    assert!(!skipped.is_empty());
    assert!(skipped
        .iter()
        .all(|l| l["result"] == "skipped" && l["reason"].contains("changed since")));

    let out = run(
        undo(&sandbox, &run_dir, &["--yes", "--resume", "--force"]),
        LIMIT,
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(first_name(&sandbox, &ids[1]), "Old1");
}

/// Regression: the state file still remembered the undone rows as delivered, so importing the
/// same file again after an undo called every row unchanged and recreated nothing.
#[test]
fn after_an_undo_the_same_file_imports_again() {
    let sandbox = Sandbox::start(fast_config(43, (1, 4)));
    seed(&sandbox, 4);
    let before = state(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    let (file, mapping) = write_import(dir.path(), 4, 5);
    let shared = dir.path().join("state.sqlite");
    let shared = shared.to_str().unwrap();
    let first = dir.path().join("first");
    let out = run(
        import(
            &sandbox,
            &file,
            &mapping,
            &first,
            &["--undoable", "--state", shared],
        ),
        LIMIT,
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let imported = state(&sandbox);
    let out = run(undo(&sandbox, &first, &["--yes"]), LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_same_state(&state(&sandbox), &before);

    let again = dir.path().join("again");
    let out = run(
        import(&sandbox, &file, &mapping, &again, &["--state", shared]),
        LIMIT,
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(again.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(
        summary["outcomes"]["unchanged"].as_u64().unwrap_or(0),
        0,
        "{summary}"
    );
    assert_eq!(summary["outcomes"]["created"], 5, "{summary}");
    assert_eq!(
        state(&sandbox).len(),
        imported.len(),
        "the five contacts exist again"
    );
}

/// The wall clock's current second (the sandbox stamps `dateUpdated` from it).
fn unix_second() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is past 1970")
        .as_secs()
}
