//! The import's estimate, with the real binary: `--dry-run` sends only the probe that learns
//! the limits and prints the estimate; a real run prints it before its first write and records
//! it in summary.json, where it stays within a small margin of what the sandbox counted; after
//! a change, the estimate counts exactly the task updates the run then sends.

use crate::util::fixture::{burst_config, Fixture};
use crate::util::summary;
use crate::util::{ghl_bulk, GhlCommand};
use ghl_sandbox::DEFAULT_LOCATION_ID;
use std::path::Path;

const MAPPING: &str = r#"version = 1
default_region = "US"

[fields]
email = "Email"

[tags]
columns = ["Tags"]

[notes]
columns = ["Notes"]

[tasks]
title = { value = "Call back" }
due = "Due"
"#;

const ROWS: usize = 250;

fn write_csv(path: &Path, due_of: impl Fn(usize) -> &'static str) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(["Email", "Tags", "Notes", "Due"]).unwrap();
    for i in 0..ROWS {
        let tags = if i % 3 == 0 { "expo,vip" } else { "expo" };
        let note = if i % 5 == 0 {
            format!("Met ({i})")
        } else {
            String::new()
        };
        w.write_record([&format!("p{i}@example.com"), tags, &note, due_of(i)])
            .unwrap();
    }
    w.flush().unwrap();
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The request count of the `Estimate: N requests` line.
fn announced(output: &str) -> u64 {
    let line = crate::util::line_starting(output, "Estimate: ");
    line["Estimate: ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_estimate_comes_first_and_is_close_to_what_is_sent() {
    let mut f = Fixture::new(MAPPING, burst_config()).await;
    write_csv(&f.path("in.csv"), |_| "2026-12-01");

    // --dry-run: the probe only, the estimate on stdout, nothing delivered.
    let (dry, out) = f.import_ok("in.csv", "state.sqlite", &["--dry-run"]).await;
    assert_eq!(f.total(), 1, "the dry run sends the probe only");
    let estimate = announced(&text(&out.stdout));
    let s = summary(&dry);
    assert_eq!(s["command"], "import --dry-run");
    assert_eq!(s["estimate_requests"], estimate);
    // 250 upserts, 2 tag sets in batches of 100 (84 and 166 rows), 50 notes, 250 tasks.
    assert_eq!(estimate, 250 + 1 + 2 + 50 + 250, "{s}");
    assert!(f.sandbox.contacts(Some(DEFAULT_LOCATION_ID)).is_empty());

    // The real run announces the same before sending, and sends about that.
    let before = f.total();
    let (run, out) = f.import_ok("in.csv", "state.sqlite", &[]).await;
    let sent = f.total() - before;
    let stderr = text(&out.stderr);
    assert_eq!(announced(&stderr), estimate);
    let at = |needle: &str| stderr.find(needle).unwrap_or(usize::MAX);
    assert!(at("Estimate:") < at("Delivered"), "{stderr}");
    let s = summary(&run);
    assert_eq!(s["estimate_requests"], estimate);
    assert_eq!(s["delivery"]["requests"]["total"], sent);
    // The probe comes on top; tag groups may be sent in more, smaller calls.
    assert!(
        sent > estimate && sent <= estimate + estimate / 20 + 2,
        "estimated {estimate}, sent {sent}"
    );

    // A quiet run prints no estimate.
    let (_, out) = f.import_ok("in.csv", "state.sqlite", &["-q"]).await;
    assert!(
        !text(&out.stderr).contains("Estimate:"),
        "{}",
        text(&out.stderr)
    );

    // After a change of 30 due dates: the estimate is the 30 task updates, and so is the run.
    write_csv(&f.path("moved.csv"), |i| {
        if i < 30 {
            "2026-12-20"
        } else {
            "2026-12-01"
        }
    });
    let (_, out) = f
        .import_ok("moved.csv", "state.sqlite", &["--dry-run"])
        .await;
    assert_eq!(announced(&text(&out.stdout)), 30);
    let before = f.total();
    let (run, _) = f.import_ok("moved.csv", "state.sqlite", &[]).await;
    assert_eq!(summary(&run)["estimate_requests"], 30);
    assert_eq!(f.total() - before, 30 + 1, "the updates and the probe");
    f.sandbox.shutdown().await.unwrap();
}

#[test]
fn a_dry_run_with_the_in_process_sandbox_prints_an_estimate() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mapping.toml"), MAPPING).unwrap();
    write_csv(&dir.path().join("in.csv"), |_| "2026-12-01");
    let run_dir = dir.path().join("run");
    let out = ghl_bulk()
        .arg("import")
        .arg(dir.path().join("in.csv"))
        .arg("--mapping")
        .arg(dir.path().join("mapping.toml"))
        .arg("--run-dir")
        .arg(&run_dir)
        .args(["--sandbox", "--dry-run"])
        .home(&dir.path().join("home"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let estimate = announced(&text(&out.stdout));
    assert_eq!(estimate, 250 + 1 + 2 + 50 + 250);
    let s = summary(&run_dir);
    assert_eq!(s["estimate_requests"], estimate);
    // Nothing was delivered: every row is still waiting.
    let ledger = ghl_bulk::ledger::Ledger::open(&run_dir.join("ledger.db")).unwrap();
    assert_eq!(ledger.undelivered().unwrap(), ROWS as u64);
}
