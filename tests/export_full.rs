//! `ghl-bulk export` against the sandbox: a location of 25,000 contacts (past search's
//! 10,000-record page window) exported completely in each format, the XLSX equal to the CSV as
//! calamine reads it, the JSONL one object per line; and the guarantees a nightly job relies
//! on: a second run on the same target exits 75, a killed run leaves the old file as it was.

use crate::util::export::{column, read_csv, summary};
use crate::util::{wait_until, Running, Sandbox};
use calamine::{Data, Reader, Xlsx};
use ghl_bulk::report::unneutralise;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

const CONTACTS: usize = 25_000;

#[test]
fn exports_25000_contacts_completely_in_each_format() {
    let sandbox = Sandbox::fast(CONTACTS);
    let dir = tempfile::tempdir().unwrap();
    let expected = sandbox.ids();
    assert_eq!(expected.len(), CONTACTS);

    // CSV: every contact once, by id.
    let (code, stderr) = sandbox.export(dir.path(), &["--out", "c.csv", "--summary", "c.json"]);
    assert_eq!(code, 0, "{stderr}");
    let (headers, rows) = read_csv(&dir.path().join("c.csv"));
    let ids = column(&headers, &rows, "Contact Id");
    assert_eq!(ids.len(), CONTACTS, "one row per contact");
    assert_eq!(ids.iter().cloned().collect::<BTreeSet<_>>(), expected);
    // Custom fields are named by name and key, never by their opaque ids.
    assert!(headers.contains(&"Lead Score (contact.lead_score)".to_string()));
    assert!(!headers.iter().any(|h| h.contains("CfLeadScore")));
    let s = summary(&dir.path().join("c.json"));
    assert_eq!(s["status"], "complete");
    assert_eq!(s["contacts_written"], CONTACTS as u64);
    // Every page but the last of each cursor is full: 25,000 contacts take 50 full pages,
    // plus the newest-contact probe and at most one short page per slice (8 at most).
    let searches = s["requests"]["by_endpoint"]["POST /contacts/search"]["200"]
        .as_u64()
        .unwrap();
    assert_eq!(s["search_requests"].as_u64(), Some(searches));
    assert!((51..=60).contains(&searches), "{searches} search requests");

    // XLSX: the same rows as the CSV, as calamine reads them.
    let (code, stderr) = sandbox.export(dir.path(), &["--out", "c.xlsx"]);
    assert_eq!(code, 0, "{stderr}");
    let mut book: Xlsx<_> = calamine::open_workbook(dir.path().join("c.xlsx")).unwrap();
    let range = book.worksheet_range("Contacts").unwrap();
    let mut sheet_rows = range.rows().map(|r| {
        let mut cells: Vec<String> = r
            .iter()
            .map(|c| match c {
                Data::Empty => String::new(),
                Data::String(s) => s.clone(),
                other => panic!("every cell is written as text, got {other:?}"),
            })
            .collect();
        cells.resize(headers.len(), String::new());
        cells
    });
    assert_eq!(sheet_rows.next().unwrap(), headers);
    // Cursors over several slices run side by side, so row order may differ between two
    // exports: compare the rows as a set (each row starts with its unique contact id).
    let mut from_sheet: Vec<Vec<String>> = sheet_rows.collect();
    let mut from_csv: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| unneutralise(c).to_string()).collect())
        .collect();
    from_sheet.sort();
    from_csv.sort();
    assert_eq!(from_sheet.len(), CONTACTS);
    assert!(
        from_sheet == from_csv,
        "the XLSX rows differ from the CSV rows"
    );

    // JSONL: one contact per line, each a JSON object.
    let (code, stderr) = sandbox.export(dir.path(), &["--out", "c.jsonl"]);
    assert_eq!(code, 0, "{stderr}");
    let file = std::fs::File::open(dir.path().join("c.jsonl")).unwrap();
    let mut ids = BTreeSet::new();
    for line in BufReader::new(file).lines() {
        let record: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        assert!(record.get("searchAfter").is_none());
        for field in record["customFields"].as_array().unwrap() {
            assert!(field["key"].as_str().unwrap().starts_with("contact."));
        }
        assert!(ids.insert(record["id"].as_str().unwrap().to_string()));
    }
    assert_eq!(ids, expected);
}

/// Waits until the sandbox has answered `more` requests past those it has answered now: the
/// export is a few pages further on.
fn wait_for_pages(sandbox: &Sandbox, more: u64) {
    let seen = sandbox.stats().total_requests;
    wait_until("more pages fetched", Duration::from_secs(20), || {
        sandbox.stats().total_requests >= seen + more
    });
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn a_second_run_on_the_same_target_exits_75_while_the_first_runs() {
    // 11 pages at 150 ms each: the first run is busy for well over a second.
    let sandbox = Sandbox::slow(5_000, Duration::from_millis(150));
    let dir = tempfile::tempdir().unwrap();
    let mut first = sandbox
        .export_command(dir.path(), &["-q", "--out", "c.csv"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = first.id().to_string();
    let lock = dir.path().join(".c.csv.lock");
    wait_until("the first run's lock", Duration::from_secs(20), || {
        std::fs::read_to_string(&lock).is_ok_and(|s| s.trim() == pid)
    });
    let (code, stderr) = sandbox.export(dir.path(), &["--out", "c.csv", "--summary", "x.json"]);
    assert_eq!(code, 75, "{stderr}");
    assert!(
        stderr.contains("another export to c.csv is running") && stderr.contains(&pid),
        "{stderr}"
    );
    assert!(
        !dir.path().join("x.json").exists(),
        "a locked run writes nothing"
    );
    // Another target is not blocked.
    let (code, stderr) = sandbox.export(dir.path(), &["--out", "other.jsonl"]);
    assert_eq!(code, 0, "{stderr}");
    let status = first.wait().unwrap();
    assert!(status.success());
    let (_, rows) = read_csv(&dir.path().join("c.csv"));
    assert_eq!(rows.len(), 5_000);
    // With the first run gone, the lock is free again.
    let (code, stderr) = sandbox.export(dir.path(), &["--out", "c.csv"]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_killed_export_leaves_the_previous_file_intact() {
    let sandbox = Sandbox::slow(5_000, Duration::from_millis(150));
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = sandbox.export(dir.path(), &["--out", "c.xlsx"]);
    assert_eq!(code, 0, "{stderr}");
    let before = std::fs::read(dir.path().join("c.xlsx")).unwrap();

    let mut child = sandbox
        .export_command(dir.path(), &["-q", "--out", "c.xlsx"])
        .spawn()
        .unwrap();
    // Mid-run: the temporary file exists and pages are being fetched.
    wait_until("the temporary file", Duration::from_secs(20), || {
        !temp_files(dir.path()).is_empty()
    });
    wait_for_pages(&sandbox, 3);
    child.kill().unwrap(); // SIGKILL: no handler, no cleanup
    child.wait().unwrap();

    assert_eq!(std::fs::read(dir.path().join("c.xlsx")).unwrap(), before);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n == "c.xlsx" || n.starts_with('.') || n.starts_with("state.sqlite")),
        "no partial file under a visible name: {names:?}"
    );

    // The next run replaces the file and removes what the killed one left.
    let (code, stderr) = sandbox.export(dir.path(), &["--out", "c.xlsx"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn ctrl_c_exits_130_and_leaves_the_previous_file() {
    let sandbox = Sandbox::slow(5_000, Duration::from_millis(150));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.jsonl"), "previous night\n").unwrap();
    let mut child = Running::spawn(sandbox.command(
        dir.path(),
        &[
            "export",
            "-q",
            "--state",
            "state.sqlite",
            "--out",
            "c.jsonl",
            "--summary",
            "s.json",
        ],
    ));
    wait_until("the temporary file", Duration::from_secs(20), || {
        !temp_files(dir.path()).is_empty()
    });
    wait_for_pages(&sandbox, 2);
    child.interrupt();
    let out = child.finish(Duration::from_secs(60));
    assert_eq!(out.code, Some(130), "{}", out.describe());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("c.jsonl")).unwrap(),
        "previous night\n"
    );
    assert!(
        temp_files(dir.path()).is_empty(),
        "the temporary file is removed"
    );
    let s = summary(&dir.path().join("s.json"));
    assert_eq!(s["status"], "interrupted");
    assert_eq!(s["exit_code"], 130);
    assert!(s["watermark_after"].is_null());
}
