//! `export --with-notes --with-tasks --with-appointments` against a sandbox whose generated
//! contacts carry tasks and appointments (and a few notes added through the API): the JSONL
//! nests each contact's lists exactly as the sandbox holds them, the CSV and XLSX carry a
//! count and a readable next-task / next-appointment column, one request goes out per contact
//! per kind, and `--dry-run` prints the estimate and writes nothing.

use crate::util::export::{column, read_csv, summary};
use crate::util::Sandbox;
use calamine::{Data, Reader, Xlsx};
use chrono::{DateTime, NaiveDateTime, Utc};
use ghl_bulk::report::unneutralise;
use ghl_sandbox::DEFAULT_LOCATION_ID;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const CONTACTS: usize = 60;

/// The sandbox's own records, by contact id: (notes, tasks, appointments), each sorted by id
/// and without the admin-only `dateUpdated` of notes and tasks.
fn own_records(sandbox: &Sandbox) -> BTreeMap<String, [Vec<Value>; 3]> {
    let snap = sandbox.handle().snapshot(Some(DEFAULT_LOCATION_ID));
    let list = |c: &Value, key: &str, admin_only: bool| -> Vec<Value> {
        let mut items: Vec<Value> = c[key].as_array().unwrap().clone();
        if admin_only {
            for item in &mut items {
                item.as_object_mut().unwrap().remove("dateUpdated");
            }
        }
        items.sort_by_key(|i| i["id"].as_str().unwrap().to_string());
        items
    };
    snap["locations"][0]["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let id = c["contact"]["id"].as_str().unwrap().to_string();
            let lists = [
                list(c, "notes", true),
                list(c, "tasks", true),
                list(c, "appointments", false),
            ];
            (id, lists)
        })
        .collect()
}

fn sorted(v: &Value) -> Vec<Value> {
    let mut items = v.as_array().expect("a nested array").clone();
    items.sort_by_key(|i| i["id"].as_str().unwrap().to_string());
    items
}

fn ms(text: &str) -> i64 {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .or_else(|_| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
                .map(|t| t.and_utc().timestamp_millis())
        })
        .expect("a time the sandbox wrote")
}

fn utc(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%d %H:%M UTC")
        .to_string()
}

/// The open task due first, written independently of the tool's own code.
fn expected_next_task(tasks: &[Value]) -> String {
    tasks
        .iter()
        .filter(|t| t["completed"] != true)
        .min_by_key(|t| {
            (
                ms(t["dueDate"].as_str().unwrap()),
                t["title"].as_str().unwrap(),
            )
        })
        .map(|t| {
            format!(
                "{} (due {})",
                t["title"].as_str().unwrap(),
                utc(ms(t["dueDate"].as_str().unwrap()))
            )
        })
        .unwrap_or_default()
}

/// The first appointment at or after `now` that is not cancelled or a no-show.
fn expected_next_appointment(events: &[Value], now: i64) -> String {
    events
        .iter()
        .filter(|e| !["cancelled", "noshow"].contains(&e["appointmentStatus"].as_str().unwrap()))
        .map(|e| (ms(e["startTime"].as_str().unwrap()), e))
        .filter(|(start, _)| *start >= now)
        .min_by_key(|(start, e)| (*start, e["id"].as_str().unwrap().to_string()))
        .map(|(start, e)| {
            format!(
                "{} on {} ({})",
                e["title"].as_str().unwrap(),
                utc(start),
                e["appointmentStatus"].as_str().unwrap()
            )
        })
        .unwrap_or_default()
}

fn add_notes(sandbox: &Sandbox) {
    let ids: Vec<String> = sandbox.ids().into_iter().collect();
    for (id, body) in [
        (&ids[2], "Called"),
        (&ids[2], "Sent the quote"),
        (&ids[9], "Met"),
    ] {
        sandbox.add_note(id, json!({"body": body, "title": "t"}));
    }
}

#[test]
fn jsonl_nests_every_contacts_own_notes_tasks_and_appointments() {
    let sandbox = Sandbox::fast(CONTACTS);
    add_notes(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = sandbox.export(
        dir.path(),
        &[
            "--out",
            "r.jsonl",
            "--with-notes",
            "--with-tasks",
            "--with-appointments",
            "--summary",
            "s.json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let own = own_records(&sandbox);
    let text = std::fs::read_to_string(dir.path().join("r.jsonl")).unwrap();
    let mut seen = 0;
    let mut with = [0usize; 3];
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        let id = record["id"].as_str().unwrap();
        let lists = &own[id];
        for (n, key) in ["notes", "tasks", "appointments"].iter().enumerate() {
            assert_eq!(sorted(&record[key]), lists[n], "{key} of {id}");
            with[n] += usize::from(!lists[n].is_empty());
        }
        seen += 1;
    }
    assert_eq!(seen, CONTACTS);
    // The data exercises every kind (2 contacts have notes; generated tasks and appointments).
    assert_eq!(with[0], 2);
    assert!(with[1] > 3 && with[2] > 3, "{with:?}");
    let s = summary(&dir.path().join("s.json"));
    for kind in ["notes", "tasks", "appointments"] {
        let endpoint = format!("GET /contacts/{{id}}/{kind}");
        assert_eq!(
            s["requests"]["by_endpoint"][&endpoint]["200"], CONTACTS as u64,
            "{endpoint}"
        );
    }
    assert_eq!(s["with_tasks"], true);
    assert_eq!(s["with_appointments"], true);
}

#[test]
fn spreadsheets_carry_counts_and_the_next_task_and_appointment() {
    let sandbox = Sandbox::fast(CONTACTS);
    let dir = tempfile::tempdir().unwrap();
    let before = Utc::now().timestamp_millis();
    let args = ["--with-tasks", "--with-appointments"];
    let (code, stderr) = sandbox.export(dir.path(), &[&["--out", "r.csv"][..], &args].concat());
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = sandbox.export(dir.path(), &[&["--out", "r.xlsx"][..], &args].concat());
    assert_eq!(code, 0, "{stderr}");
    let after = Utc::now().timestamp_millis();
    let own = own_records(&sandbox);

    let (headers, rows) = read_csv(&dir.path().join("r.csv"));
    let tail: Vec<&str> = headers[headers.len() - 4..]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        ["Tasks", "Next Task", "Appointments", "Next Appointment"]
    );
    assert!(!headers.contains(&"Notes".to_string()));
    let ids = column(&headers, &rows, "Contact Id");
    let cols: Vec<Vec<String>> = tail.iter().map(|h| column(&headers, &rows, h)).collect();
    let mut next_tasks = 0;
    for (r, id) in ids.iter().enumerate() {
        let [_, tasks, events] = &own[id];
        assert_eq!(cols[0][r], tasks.len().to_string(), "{id}");
        assert_eq!(cols[1][r], expected_next_task(tasks), "{id}");
        assert_eq!(cols[2][r], events.len().to_string(), "{id}");
        // "Now" lies somewhere in the export's run: either end's answer is right.
        let next = unneutralise(&cols[3][r]);
        assert!(
            next == expected_next_appointment(events, before)
                || next == expected_next_appointment(events, after),
            "{id}: {next}"
        );
        next_tasks += usize::from(!cols[1][r].is_empty());
    }
    assert!(next_tasks > 0);

    // The workbook has the same columns and cells as the CSV.
    let mut book: Xlsx<_> = calamine::open_workbook(dir.path().join("r.xlsx")).unwrap();
    let range = book.worksheet_range("Contacts").unwrap();
    let sheet: Vec<Vec<String>> = range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    other => panic!("text cells only, got {other:?}"),
                })
                .collect()
        })
        .collect();
    assert_eq!(sheet[0], headers);
    let xlsx_ids = column(&headers, &sheet[1..], "Contact Id");
    for (h, col) in tail.iter().zip(&cols).take(3) {
        let xlsx = column(&headers, &sheet[1..], h);
        for (r, id) in ids.iter().enumerate() {
            let at = xlsx_ids.iter().position(|x| x == id).unwrap();
            assert_eq!(xlsx[at], col[r], "{h} of {id}");
        }
    }
}

#[test]
fn the_estimate_comes_first_and_a_dry_run_prints_only_it() {
    let sandbox = Sandbox::fast(CONTACTS);
    let dir = tempfile::tempdir().unwrap();
    let output = sandbox
        .export_command(
            dir.path(),
            &[
                "--out",
                "d.csv",
                "--with-tasks",
                "--with-appointments",
                "--dry-run",
                "--summary",
                "d.json",
            ],
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    // One page of 60, the newest-contact probe, and 60 contacts × 2 kinds.
    assert!(
        stdout.starts_with(
            "60 contacts to export with their tasks, appointments. Estimate: 122 requests, "
        ) && stdout.contains(" at the limit the API reports"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "data")
        .collect();
    assert!(left.is_empty(), "a dry run wrote {left:?}");
    let stats = sandbox.handle().stats();
    assert_eq!(
        stats.total_requests, 2,
        "custom fields and the one-contact search"
    );

    // Without --dry-run and --quiet the estimate goes to stderr before the work.
    let output = sandbox
        .export_command(dir.path(), &["--out", "e.csv", "--with-tasks"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("60 contacts to export with their tasks. Estimate: 62 requests"),
        "{stderr}"
    );
    assert!(dir.path().join("e.csv").exists());
}
