//! `export --locations ID,…|all` against the sandbox with three locations (different
//! contacts, one with a custom field of its own) and the agency's app: one file with a
//! `location_id` column in every format, the locations in order; `--out-dir` with a file per
//! location and each location's own `--since last` state; an unknown id and a location's token
//! refused with nothing written; one location out of its daily budget: no combined file, the
//! others' files in `--out-dir` kept, exit 75; `--since last` into one file; a held lock (75);
//! Ctrl-C (130, the previous file and no part left); the progress board's blocks in a log.

use crate::import_locations::{board_blocks, spend};
use crate::util::export::{as_agency, column, read_csv, summary};
use crate::util::{run, GhlCommand, Running, Sandbox};
use ghl_sandbox::{CustomFieldDef, LocationConfig, DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

const FIRST: &str = DEFAULT_LOCATION_ID;
const SECOND: &str = "SecondLocation000002";
const THIRD: &str = "ThirdLocation0000003";
const LIMIT: Duration = Duration::from_secs(120);
/// Contacts preloaded in each location, in the order `all` lists them (by id).
const SIZES: [(&str, usize); 3] = [(FIRST, 5), (SECOND, 3), (THIRD, 4)];
const SHOE_SIZE: &str = "Shoe Size (contact.shoe_size)";

fn contact(location: &str, i: usize) -> Value {
    json!({
        "firstName": format!("P{i}"),
        "lastName": location,
        "email": format!("p{i}@{}.example", location.to_lowercase()),
    })
}

/// Three locations, each with its own contacts; the third has a custom field the others
/// lack, set on its first contact.
fn three_locations() -> ghl_sandbox::Config {
    let mut config = crate::util::fast_config(11, (0, 0));
    config.locations.clear();
    for (id, n) in SIZES {
        let mut location = LocationConfig::new(id);
        location.contacts = (0..n).map(|i| contact(id, i)).collect();
        if id == THIRD {
            location.custom_fields.push(CustomFieldDef {
                id: "CfShoeSize0000000009".into(),
                name: "Shoe Size".into(),
                field_key: "contact.shoe_size".into(),
                data_type: "TEXT".into(),
                picklist_options: Vec::new(),
                position: 9,
                model: "contact".into(),
                placeholder: String::new(),
            });
            location.contacts[0]["customFields"] =
                json!([{"id": "CfShoeSize0000000009", "field_value": "44"}]);
        }
        config.locations.push(location);
    }
    config
}

fn export(sandbox: &Sandbox, dir: &Path, args: &[&str]) -> crate::util::Output {
    let mut cmd = as_agency(&sandbox.base_url(), dir);
    cmd.arg("export").args(args);
    run(cmd, LIMIT)
}

/// `export --locations all --out FILE EXTRA…`: every location into one file.
fn export_all(sandbox: &Sandbox, dir: &Path, file: &str, extra: &[&str]) -> crate::util::Output {
    let args = ["--locations", "all", "--out", file];
    export(sandbox, dir, &[&args[..], extra].concat())
}

/// The string `key` of each entry of the summary's `locations`, in order.
fn each_location<'a>(summary: &'a Value, key: &str) -> Vec<&'a str> {
    let entries = summary["locations"].as_array().unwrap();
    entries.iter().map(|l| l[key].as_str().unwrap()).collect()
}

/// A working folder holding an empty folder `d` for `--out-dir d`.
fn with_out_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    dir
}

/// The names of the entries in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The files a run left in `dir`, hidden ones included, but not the agency's token file,
/// the summaries and the state files.
fn outputs(dir: &Path) -> Vec<String> {
    let mut names = names_in(dir);
    names.retain(|n| {
        n != "agency-refresh-token"
            && n != "data"
            && n != "config"
            && !n.ends_with(".json")
            && !n.ends_with(".state.sqlite")
            && !n.ends_with(".lock")
    });
    names
}

#[test]
fn all_locations_into_one_file_each_row_with_its_location() {
    let sandbox = Sandbox::start(three_locations());
    let dir = tempfile::tempdir().unwrap();
    let out = export_all(&sandbox, dir.path(), "all.csv", &["--summary", "s.json"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let (headers, rows) = read_csv(&dir.path().join("all.csv"));
    assert_eq!(headers[0], "location_id");
    assert!(headers.contains(&SHOE_SIZE.to_string()), "{headers:?}");
    let locations = column(&headers, &rows, "location_id");
    let expected: Vec<&str> = SIZES
        .iter()
        .flat_map(|(id, n)| std::iter::repeat_n(*id, *n))
        .collect();
    assert_eq!(locations, expected, "every location's rows, in order");
    // Each row is its own location's contact, and only the third's has a shoe size.
    let last_names = column(&headers, &rows, "Last Name");
    assert_eq!(last_names, expected);
    let shoes = column(&headers, &rows, SHOE_SIZE);
    let with_size: Vec<&str> = locations
        .iter()
        .zip(&shoes)
        .filter(|(_, s)| !s.is_empty())
        .map(|(l, _)| l.as_str())
        .collect();
    assert_eq!(with_size, [THIRD], "{shoes:?}");

    let s = summary(&dir.path().join("s.json"));
    assert_eq!(s["exit_code"], 0, "{s:#}");
    assert_eq!(s["contacts_written"], 12, "{s:#}");
    for (entry, (id, n)) in s["locations"].as_array().unwrap().iter().zip(SIZES) {
        assert_eq!(entry["location_id"], id, "{s:#}");
        assert_eq!(entry["status"], "complete", "{s:#}");
        assert_eq!(entry["contacts_written"], n as u64, "{s:#}");
        assert!(entry["requests"]["total"].as_u64().unwrap() >= 2, "{s:#}");
    }
    assert_eq!(outputs(dir.path()), ["all.csv"], "no part left behind");

    // JSONL: each record carries its location; XLSX: the same first column.
    let out = export_all(&sandbox, dir.path(), "all.jsonl", &[]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let text = std::fs::read_to_string(dir.path().join("all.jsonl")).unwrap();
    assert!(
        text.lines().all(|l| l.starts_with(r#"{"location_id":""#)),
        "location_id is each record's first key: {text}"
    );
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = records
        .iter()
        .map(|r| r["location_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, expected);
    let out = export_all(&sandbox, dir.path(), "all.xlsx", &[]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(dir.path().join("all.xlsx")).unwrap();
    let range = book.worksheet_range("Contacts").unwrap();
    let first: Vec<String> = range.rows().map(|r| r[0].to_string()).collect();
    assert_eq!(first[0], "location_id");
    assert_eq!(&first[1..], expected);
}

#[test]
fn out_dir_writes_a_file_per_location_and_each_keeps_its_own_state() {
    let sandbox = Sandbox::start(three_locations());
    let dir = with_out_dir();
    let ids = format!("{THIRD},{SECOND}");
    let args = [
        "--locations",
        &ids,
        "--out-dir",
        "d",
        "--since",
        "last",
        "--summary",
        "s.json",
    ];
    let out = export(&sandbox, dir.path(), &args);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    for (id, n) in [(SECOND, 3), (THIRD, 4)] {
        let (headers, rows) = read_csv(&dir.path().join("d").join(format!("{id}.csv")));
        assert_eq!(rows.len(), n, "{id}");
        assert_eq!(column(&headers, &rows, "Last Name"), vec![id; n]);
    }
    assert!(!dir.path().join("d").join(format!("{FIRST}.csv")).exists());
    let s = summary(&dir.path().join("s.json"));
    let listed = each_location(&s, "location_id");
    assert_eq!(listed, [THIRD, SECOND], "in the order given");

    // The next night: one new contact in the second location; each location reads only what
    // changed since its own last export.
    sandbox
        .handle()
        .insert_contact(SECOND, contact(SECOND, 99))
        .unwrap();
    let out = export(&sandbox, dir.path(), &args);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let (headers, rows) = read_csv(&dir.path().join("d").join(format!("{SECOND}.csv")));
    assert_eq!(column(&headers, &rows, "First Name"), ["P99"]);
    let (_, rows) = read_csv(&dir.path().join("d").join(format!("{THIRD}.csv")));
    assert!(rows.is_empty(), "{rows:?}");
    let s = summary(&dir.path().join("s.json"));
    for entry in s["locations"].as_array().unwrap() {
        assert!(entry["watermark_before"].is_string(), "{s:#}");
    }
}

#[test]
fn an_unknown_id_is_refused_and_nothing_is_written() {
    let sandbox = Sandbox::start(three_locations());
    let dir = with_out_dir();
    let ids = format!("{SECOND},NoSuchLocation000009");
    for output in [["--out", "x.csv"], ["--out-dir", "d"]] {
        let mut args = vec!["--locations", ids.as_str()];
        args.extend(output);
        let out = export(&sandbox, dir.path(), &args);
        assert_eq!(out.code, Some(1), "{}", out.describe());
        out.assert_stderr_has("unknown location id(s): NoSuchLocation000009");
    }
    assert_eq!(outputs(dir.path()), ["d"]);
    assert_eq!(std::fs::read_dir(dir.path().join("d")).unwrap().count(), 0);
    let stats = sandbox.stats();
    assert!(
        !stats.by_route.keys().any(|r| r.contains("contacts")),
        "no contact was read: {:?}",
        stats.by_route
    );
}

#[test]
fn a_locations_own_token_cannot_export_all_or_several() {
    let sandbox = Sandbox::start(three_locations());
    let dir = tempfile::tempdir().unwrap();
    for (list, says) in [
        ("all", "--locations all needs an agency (company) token"),
        (
            &*format!("{FIRST},{SECOND}"),
            "a location's token serves that location only",
        ),
    ] {
        let mut cmd = crate::util::ghl_bulk();
        cmd.current_dir(dir.path())
            .home(dir.path())
            .no_config()
            .api(&sandbox.base_url(), DEFAULT_TOKEN)
            .args(["export", "--locations", list, "--out", "x.csv"]);
        let out = run(cmd, LIMIT);
        assert_eq!(out.code, Some(1), "{}", out.describe());
        out.assert_stderr_has(says);
        assert!(!out.stderr.contains(DEFAULT_TOKEN), "no secret printed");
    }
    assert!(outputs(dir.path()).is_empty(), "{:?}", outputs(dir.path()));
}

#[test]
fn a_location_out_of_its_budget_leaves_no_combined_file_and_the_others_files_in_a_folder() {
    const DAILY: u64 = 100;
    let mut config = three_locations();
    config.rate_limit.daily = Some(DAILY);
    let sandbox = Sandbox::start(config);
    spend(&sandbox, DAILY - 1);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("all.csv"), "yesterday").unwrap();

    let out = export_all(&sandbox, dir.path(), "all.csv", &["--summary", "s.json"]);
    assert_eq!(out.code, Some(75), "{}", out.describe());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("all.csv")).unwrap(),
        "yesterday",
        "the previous file is left as it was"
    );
    assert_eq!(outputs(dir.path()), ["all.csv"], "no part left behind");
    let s = summary(&dir.path().join("s.json"));
    assert_eq!(s["exit_code"], 75, "{s:#}");
    let states = each_location(&s, "status");
    assert_eq!(states, ["failed", "discarded", "discarded"], "{s:#}");
    out.assert_stderr_has("Nothing written");

    std::fs::create_dir(dir.path().join("d")).unwrap();
    let out = export(
        &sandbox,
        dir.path(),
        &["--locations", "all", "--out-dir", "d"],
    );
    assert_eq!(out.code, Some(75), "{}", out.describe());
    let mut files = names_in(&dir.path().join("d"));
    files.retain(|n| n.ends_with(".csv"));
    assert_eq!(files, [format!("{SECOND}.csv"), format!("{THIRD}.csv")]);
}

#[test]
fn the_combined_file_reads_only_what_changed_in_each_location_and_honours_its_lock() {
    let sandbox = Sandbox::start(three_locations());
    let dir = tempfile::tempdir().unwrap();
    let since_last = ["--since", "last"];
    let out = export_all(&sandbox, dir.path(), "all.csv", &since_last);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let (_, rows) = read_csv(&dir.path().join("all.csv"));
    assert_eq!(rows.len(), 12);

    sandbox
        .handle()
        .insert_contact(THIRD, contact(THIRD, 77))
        .unwrap();
    let out = export_all(&sandbox, dir.path(), "all.csv", &since_last);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let (headers, rows) = read_csv(&dir.path().join("all.csv"));
    assert_eq!(column(&headers, &rows, "location_id"), [THIRD]);
    assert_eq!(column(&headers, &rows, "First Name"), ["P77"]);

    // Another run holds the file's lock: exit 75 at once, the file as it was.
    let before = std::fs::read(dir.path().join("all.csv")).unwrap();
    let lock = std::fs::File::create(dir.path().join(".all.csv.lock")).unwrap();
    lock.try_lock().unwrap();
    let out = export_all(&sandbox, dir.path(), "all.csv", &since_last);
    assert_eq!(out.code, Some(75), "{}", out.describe());
    out.assert_stderr_has("another export to");
    assert_eq!(std::fs::read(dir.path().join("all.csv")).unwrap(), before);
}

#[test]
fn ctrl_c_stops_every_location_and_leaves_the_previous_file_and_no_part() {
    let mut config = three_locations();
    // The first location holds more contacts than a few pages, read at 2 requests a second.
    config.locations[0].contacts = (0..3_000).map(|i| contact(FIRST, i)).collect();
    config.rate_limit.burst = Some((2, Duration::from_secs(1)));
    let sandbox = Sandbox::start(config);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("all.csv"), "previous night").unwrap();
    let mut cmd = as_agency(&sandbox.base_url(), dir.path());
    cmd.args(["export", "-q", "--locations", "all", "--out", "all.csv"])
        .args(["--summary", "s.json"]);
    let mut child = Running::spawn(cmd);
    let parts = |dir: &Path| {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".parts"))
    };
    crate::util::wait_until("the parts folder", LIMIT, || parts(dir.path()));
    child.interrupt();
    let out = child.finish(LIMIT);
    assert_eq!(out.code, Some(130), "{}", out.describe());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("all.csv")).unwrap(),
        "previous night"
    );
    assert!(!parts(dir.path()), "the parts are removed");
    let s = summary(&dir.path().join("s.json"));
    assert_eq!(s["status"], "interrupted", "{s:#}");
    assert_eq!(s["exit_code"], 130, "{s:#}");
    assert_eq!(s["locations"][0]["status"], "interrupted", "{s:#}");
}

/// Not on a terminal, the board (the import's, `run::board`) is a block of every location's
/// line and the total. The test knob shortens its period; each request answers in 40 ms or
/// more, so the run outlasts several periods.
#[test]
fn the_board_prints_every_location_and_the_total_in_a_block() {
    let mut config = three_locations();
    config.faults.latency = Some((Duration::from_millis(40), Duration::from_millis(60)));
    let sandbox = Sandbox::start(config);
    let dir = with_out_dir();
    let mut cmd = as_agency(&sandbox.base_url(), dir.path());
    cmd.args(["export", "--locations", "all", "--out-dir", "d"])
        .env("GHL_BULK_BOARD_EVERY_MS", "20");
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let ids = SIZES.map(|(id, _)| id);
    board_blocks(&out, "Exporting 3 locations: ", &ids, " contacts, ");
}
