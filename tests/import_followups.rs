//! Notes and tasks across runs, with the real binary against a sandbox on loopback: the same
//! file twice sends nothing for them the second time; a changed due date updates the task in
//! place (same id) without sending the contact again; a task marked done in a later file is
//! completed; and with a fresh state file (another machine) the contact's note and task are
//! found and adopted, never duplicated.

use crate::util::fixture::{burst_config, Fixture};
use crate::util::summary;
use ghl_sandbox::DEFAULT_LOCATION_ID;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const MAPPING: &str = r#"version = 1
default_region = "US"

[fields]
firstName = "First Name"
email = "Email"

[tags]
columns = ["Tags"]

[notes]
columns = ["Notes"]

[tasks]
title = { value = "Call back" }
due = "Due"
body = "Task Notes"
completed = "Done"
assignee = "Owner"
"#;

const ROWS: usize = 40;

#[derive(Clone)]
struct Person {
    email: String,
    note: String,
    due: String,
    task_notes: String,
    done: String,
    owner: String,
}

fn people() -> Vec<Person> {
    (0..ROWS)
        .map(|i| Person {
            email: format!("person{i}@example.com"),
            note: format!("Met at the expo ({i})"),
            due: "2026-12-01".into(),
            task_notes: format!("Ask about order {i}"),
            done: "no".into(),
            owner: if i % 4 == 0 {
                "user0001".into()
            } else {
                String::new()
            },
        })
        .collect()
}

fn write_csv(path: &Path, people: &[Person]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record([
        "First Name",
        "Email",
        "Tags",
        "Notes",
        "Due",
        "Task Notes",
        "Done",
        "Owner",
    ])
    .unwrap();
    for (i, p) in people.iter().enumerate() {
        w.write_record([
            &format!("Person{i}"),
            &p.email,
            "expo",
            &p.note,
            &p.due,
            &p.task_notes,
            &p.done,
            &p.owner,
        ])
        .unwrap();
    }
    w.flush().unwrap();
}

impl Fixture {
    /// Requests by method and route so far: `("PUT", "tasks/{taskId}")` style lookups sum every
    /// route whose label starts with the method and contains the fragment.
    fn requests(&self, method: &str, fragment: &str) -> u64 {
        self.sandbox
            .stats()
            .by_route
            .iter()
            .filter(|(route, _)| route.starts_with(method) && route.contains(fragment))
            .map(|(_, statuses)| statuses.values().sum::<u64>())
            .sum()
    }

    /// email → (notes, tasks) of every contact, from the sandbox's own records.
    fn followups(&self) -> BTreeMap<String, (Vec<Value>, Vec<Value>)> {
        let snapshot = self.sandbox.snapshot(Some(DEFAULT_LOCATION_ID));
        let mut out = BTreeMap::new();
        for location in snapshot["locations"].as_array().unwrap() {
            for entry in location["contacts"].as_array().unwrap() {
                let Some(email) = entry["contact"]["email"].as_str() else {
                    continue;
                };
                let list = |k: &str| entry[k].as_array().cloned().unwrap_or_default();
                out.insert(email.to_string(), (list("notes"), list("tasks")));
            }
        }
        out
    }
}

/// One note and one task per imported contact; returns email → task.
fn one_of_each(f: &Fixture, people: &[Person]) -> BTreeMap<String, Value> {
    let all = f.followups();
    people
        .iter()
        .map(|p| {
            let (notes, tasks) = &all[&p.email];
            assert_eq!(notes.len(), 1, "{}: {notes:?}", p.email);
            assert_eq!(notes[0]["body"], p.note.as_str());
            assert_eq!(tasks.len(), 1, "{}: {tasks:?}", p.email);
            (p.email.clone(), tasks[0].clone())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_file_twice_then_a_changed_due_date_leaves_one_note_and_one_task_per_contact() {
    let mut f = Fixture::new(MAPPING, burst_config()).await;
    let mut rows = people();
    write_csv(&f.path("in.csv"), &rows);
    let first = f.import_ok("in.csv", "state.sqlite", &[]).await.0;
    assert_eq!(summary(&first)["outcomes"]["created"], ROWS as u64);
    let tasks = one_of_each(&f, &rows);
    assert_eq!(tasks["person0@example.com"]["assignedTo"], "user0001");
    assert_eq!(tasks["person0@example.com"]["completed"], false);
    // New contacts have nothing to look for: no list was read.
    assert_eq!(f.requests("GET", "/notes") + f.requests("GET", "/tasks"), 0);

    let before = f.total();
    let second = f.import_ok("in.csv", "state.sqlite", &[]).await.0;
    assert_eq!(f.total() - before, 0, "an unchanged file costs no request");
    assert_eq!(summary(&second)["outcomes"]["unchanged"], ROWS as u64);

    // Half the rows get a new due date: their tasks are updated in place, nothing else is sent.
    for p in rows.iter_mut().step_by(2) {
        p.due = "2026-12-15".into();
    }
    write_csv(&f.path("moved.csv"), &rows);
    let (upserts, posts, puts) = (
        f.requests("POST", "/upsert"),
        f.requests("POST", "/notes") + f.requests("POST", "/tasks"),
        f.requests("PUT", "/tasks/"),
    );
    let third = f.import_ok("moved.csv", "state.sqlite", &[]).await.0;
    let s = summary(&third);
    assert_eq!(f.requests("POST", "/upsert") - upserts, 0, "{s}");
    assert_eq!(
        f.requests("POST", "/notes") + f.requests("POST", "/tasks") - posts,
        0
    );
    assert_eq!(f.requests("PUT", "/tasks/") - puts, ROWS as u64 / 2);
    assert_eq!(s["delta"]["followups_only"], ROWS as u64 / 2, "{s}");
    assert_eq!(s["outcomes"]["updated"], ROWS as u64 / 2, "{s}");
    let moved = one_of_each(&f, &rows);
    for (i, p) in rows.iter().enumerate() {
        let task = &moved[&p.email];
        assert_eq!(task["id"], tasks[&p.email]["id"], "the same task");
        let due = task["dueDate"].as_str().unwrap();
        let want = if i % 2 == 0 {
            "2026-12-15"
        } else {
            "2026-12-01"
        };
        assert!(due.starts_with(want), "{}: {due}", p.email);
    }
    // The ledger keeps updated apart from created: an undo of this run deletes no task.
    let ledger = ghl_bulk::ledger::Ledger::open(&third.join("ledger.db")).unwrap();
    let done = ledger.followups_done().unwrap();
    assert_eq!(done.len(), ROWS);
    assert!(done.iter().all(|(_, r)| r.action != "created"), "{done:?}");
    assert!(ledger
        .delivered_rows()
        .unwrap()
        .iter()
        .all(|r| r.task_ids.is_empty()));

    // Marked done in the file: completed through its own endpoint, still one task each.
    rows[3].done = "yes".into();
    rows[4].done = "yes".into();
    write_csv(&f.path("done.csv"), &rows);
    let completes = f.requests("PUT", "/completed");
    f.import_ok("done.csv", "state.sqlite", &[]).await;
    assert_eq!(f.requests("PUT", "/completed") - completes, 2);
    let after = one_of_each(&f, &rows);
    assert_eq!(after["person3@example.com"]["completed"], true);
    assert_eq!(after["person5@example.com"]["completed"], false);

    // And the changed file again costs nothing.
    let before = f.total();
    f.import_ok("done.csv", "state.sqlite", &[]).await;
    assert_eq!(f.total() - before, 0);
    f.sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_state_file_the_contacts_note_and_task_are_found_and_adopted() {
    let mut f = Fixture::new(MAPPING, burst_config()).await;
    let mut rows = people();
    write_csv(&f.path("in.csv"), &rows);
    f.import_ok("in.csv", "state.sqlite", &[]).await;
    let tasks = one_of_each(&f, &rows);

    // Another machine: no memory. The same file creates nothing.
    let posts = f.requests("POST", "/notes") + f.requests("POST", "/tasks");
    let run = f.import_ok("in.csv", "other.sqlite", &[]).await.0;
    assert_eq!(
        f.requests("POST", "/notes") + f.requests("POST", "/tasks") - posts,
        0
    );
    one_of_each(&f, &rows);
    let ledger = ghl_bulk::ledger::Ledger::open(&run.join("ledger.db")).unwrap();
    let done = ledger.followups_done().unwrap();
    assert_eq!(done.len(), 2 * ROWS);
    assert!(done.iter().all(|(_, r)| r.action == "adopted"), "{done:?}");

    // A third machine, and a changed due date: each task found by its title and updated.
    rows[1].due = "2027-01-05".into();
    write_csv(&f.path("moved.csv"), &rows);
    let (posts, puts) = (
        f.requests("POST", "/notes") + f.requests("POST", "/tasks"),
        f.requests("PUT", "/tasks/"),
    );
    f.import_ok("moved.csv", "third.sqlite", &[]).await;
    assert_eq!(
        f.requests("POST", "/notes") + f.requests("POST", "/tasks") - posts,
        0
    );
    assert_eq!(f.requests("PUT", "/tasks/") - puts, 1);
    let moved = one_of_each(&f, &rows);
    assert_eq!(
        moved["person1@example.com"]["id"],
        tasks["person1@example.com"]["id"]
    );
    assert!(moved["person1@example.com"]["dueDate"]
        .as_str()
        .unwrap()
        .starts_with("2027-01-05"));
    // What was adopted is remembered: the same file on that machine costs nothing more.
    let before = f.total();
    f.import_ok("moved.csv", "third.sqlite", &[]).await;
    assert_eq!(f.total() - before, 0);
    f.sandbox.shutdown().await.unwrap();
}
