//! The report from hand-made ledgers: what the aggregates count, what the page says, that user
//! data is escaped, and (ignored by default, slow) that a million-row run stays small and fast.

use super::*;
use crate::ledger::{
    DeliveryResult, MergedGroup, Rejection, RowError, RowState, RunMeta, StagedRow, Warning,
};

fn meta() -> RunMeta {
    RunMeta {
        tool_version: "0.1.0".into(),
        started_at: "2026-11-23T10:00:00Z".into(),
        input_path: "/data/expo <2026>.csv".into(),
        input_size: 12_345,
        input_blake3: "00".into(),
        mapping_path: "mappings/expo.toml".into(),
        mapping_blake3: "00".into(),
        options_json: "{}".into(),
        headers_json: r#"["Email","Phone","Note"]"#.into(),
    }
}

fn row(n: u64, email: &str, rejection: Option<(&str, &str)>, note: &str) -> StagedRow {
    let cells = serde_json::to_string(&[email, "", note]).unwrap();
    StagedRow {
        row: n,
        state: if rejection.is_some() {
            RowState::Rejected
        } else {
            RowState::Pending
        },
        payload_json: rejection
            .is_none()
            .then(|| format!(r#"{{"email":"{email}"}}"#)),
        email: rejection.is_none().then(|| email.to_string()),
        phone: None,
        rejection: rejection.map(|(code, field)| {
            Rejection::new("validate", code, field, format!("{field} is not valid"))
        }),
        issues_json: None,
        cells_json: cells,
    }
}

/// 12 rows: 3 email_invalid, 1 no_identity, a group of three and one of two (3 merged), the
/// rest pending; delivery creates some, fails one, leaves the others pending.
fn ledger(dir: &Path, delivered: bool) -> Ledger {
    let mut ledger = Ledger::create(&dir.join("ledger.db")).unwrap();
    ledger.write_run(&meta(), None).unwrap();
    let mut rows = Vec::new();
    for n in 2..=13u64 {
        let email = format!("p{}@example.com", n % 9);
        let rejection = match n {
            2..=4 => Some(("email_invalid", "email")),
            5 => Some(("no_identity", "row")),
            _ => None,
        };
        let note = if n == 3 {
            "<script>alert('x')</script>"
        } else {
            "hello"
        };
        rows.push(row(n, &email, rejection, note));
    }
    ledger.stage(&rows).unwrap();
    ledger
        .apply_merges(&[
            MergedGroup {
                survivor: 6,
                payload_json: "{}".into(),
                merged: vec![
                    (7, "email".into(), "a".into()),
                    (8, "phone".into(), "b".into()),
                ],
            },
            MergedGroup {
                survivor: 9,
                payload_json: "{}".into(),
                merged: vec![(10, "email".into(), "c".into())],
            },
        ])
        .unwrap();
    ledger.make_durable().unwrap();
    let summary = serde_json::json!({
        "command": if delivered { "import" } else { "validate" },
        "rows_read": 12,
        "issues": {"email_invalid": 3, "no_identity": 1, "dob_invalid": 2},
        "delivery": if delivered { serde_json::json!({"stop": "stopped: daily budget"}) } else { serde_json::Value::Null },
    });
    let exit = if delivered { 75 } else { 3 };
    ledger
        .finish_run("2026-11-23T10:05:00Z", exit, &summary.to_string())
        .unwrap();
    if delivered {
        let results = [
            DeliveryResult {
                row: 6,
                state: RowState::Created,
                warnings: vec![Warning::from((
                    "phone".to_string(),
                    "server_kept_other".to_string(),
                    "sent '+1 <b>', the contact kept '+1 555'".to_string(),
                ))],
                ..DeliveryResult::default()
            },
            DeliveryResult {
                row: 9,
                state: RowState::Failed,
                error: Some(RowError::new("http_422", "email", "refused")),
                ..DeliveryResult::default()
            },
        ];
        ledger
            .record_delivery(&results, "2026-11-23T10:04:00Z")
            .unwrap();
        ledger
            .record_request_session(&RequestSession {
                finished_at: "2026-11-23T10:05:00Z".into(),
                stop: "stopped: daily budget".into(),
                requests: 30,
                status_429: 2,
                retries: 3,
                throttled_ms: 4200,
                limit_max: 10,
                limit_interval_ms: 1000,
                endpoints_json: r#"{"POST /contacts/upsert":{"200":28,"429":2}}"#.into(),
                bucket_ms: 1000,
                span_ms: 3000,
                buckets: vec![(10, 0), (10, 2), (10, 0)],
                ..RequestSession::default()
            })
            .unwrap();
    }
    ledger
}

#[test]
fn aggregates_count_reasons_groups_and_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger(dir.path(), true);
    let f = facts::gather(&ledger, "runs/x").unwrap();
    let reasons: Vec<(&str, &str, u64)> = f
        .rejects
        .iter()
        .map(|r| (r.state.as_str(), r.code.as_str(), r.count))
        .collect();
    assert_eq!(
        reasons,
        [
            ("rejected", "email_invalid", 3),
            ("failed", "http_422", 1),
            ("rejected", "no_identity", 1)
        ]
    );
    let rows: Vec<u64> = f.rejects[0].examples.iter().map(|e| e.row).collect();
    assert_eq!(rows, [2, 3, 4], "at most three examples, in row order");
    assert_eq!(
        f.rejects[0].examples[1].cells[2],
        "<script>alert('x')</script>"
    );
    assert_eq!((f.merges.rows, f.merges.groups), (3, 2));
    assert_eq!(f.merges.sizes, [(2, 1), (3, 1)]);
    assert_eq!(f.merges.largest[0].survivor, 6);
    assert_eq!(f.merges.largest[0].size, 3);
    assert_eq!(f.merges.largest[0].keys.split(',').count(), 2);
    assert_eq!(f.warnings.len(), 1);
    assert_eq!(f.warnings[0].examples[0].row, 6);
    assert_eq!(f.rows_with_warnings, 1);
    assert_eq!(f.issues[0], ("email_invalid".to_string(), 3));
    assert_eq!(f.run.exit_code, Some(75));
    assert!(f.run.delivered);
    assert_eq!(f.sessions.len(), 1);
}

#[test]
fn the_page_shows_every_part_and_escapes_user_data() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger(dir.path(), true);
    let path = write(&ledger, Path::new("runs/20261123-expo")).unwrap_err();
    // The run folder does not exist: the error names the file it could not write.
    assert!(path.to_string().contains("report.html"), "{path}");
    let out = write(&ledger, dir.path()).unwrap();
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(!dir.path().join(".report.html.tmp").exists());
    for needle in [
        "Stopped early; the run can be resumed",
        "email_invalid",
        "no_identity",
        "http_422",
        "server_kept_other",
        "Merged duplicates",
        "dob_invalid",
        "Requests and the rate limit",
        "limit 10/s",
        "class=\"t429\"",
        "4.2 s",
        "ghl-bulk import --resume",
        "expo &lt;2026&gt;.csv",
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;",
        "sent &#39;+1 &lt;b&gt;&#39;",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(!html.contains("<b>"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    // The only external-looking things allowed: none at all.
    assert!(!html.contains("src=") && !html.contains("href=") && !html.contains("url("));
}

#[test]
fn a_local_run_has_no_request_section_and_no_resume() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = ledger(dir.path(), false);
    let html = render(&ledger, dir.path()).unwrap();
    assert!(html.contains("Finished with 4 rejected and 0 failed rows"));
    assert!(
        html.contains(">valid <strong>5</strong>"),
        "pending reads valid"
    );
    assert!(!html.contains("Requests and the rate limit"));
    assert!(!html.contains("--resume"));
    assert!(!html.contains("Warnings from HighLevel"));
}

/// `cargo test --lib million -- --ignored --nocapture`: a million-row ledger (5 % rejected in
/// 12 reasons, 10 % merged, the rest pending) and a 28-hour request log; the page must stay
/// small and be written in well under a few seconds.
///
/// With `GHL_REPORT_LEDGER=<run>/ledger.db` it times the page of that ledger instead (a real
/// `validate` of a million rows; the page is written to a temporary folder).
#[test]
#[ignore = "slow: builds a million-row ledger"]
fn a_million_row_run_gives_a_small_page_quickly() {
    let dir = tempfile::tempdir().unwrap();
    if let Some(path) = std::env::var_os("GHL_REPORT_LEDGER") {
        let ledger = Ledger::open(Path::new(&path)).unwrap();
        let started = std::time::Instant::now();
        let out = write(&ledger, dir.path()).unwrap();
        let size = std::fs::metadata(&out).unwrap().len();
        eprintln!(
            "report.html of {path:?}: {size} bytes in {:?}",
            started.elapsed()
        );
        return;
    }
    let mut ledger = Ledger::create(&dir.path().join("ledger.db")).unwrap();
    ledger.write_run(&meta(), None).unwrap();
    let codes = [
        "email_invalid",
        "phone_invalid",
        "no_identity",
        "ragged_row",
        "dob_invalid",
        "country_invalid",
        "timezone_invalid",
        "website_invalid",
        "dnd_invalid",
        "task_due_invalid",
        "encoding",
        "too_long",
    ];
    let mut groups = Vec::new();
    for chunk in 0..125u64 {
        let rows: Vec<StagedRow> = (0..8000u64)
            .map(|i| {
                let n = chunk * 8000 + i + 2;
                let rejection = (n % 20 == 0).then(|| (codes[(n / 20 % 12) as usize], "email"));
                row(n, &format!("p{n}@example.com"), rejection, "a note")
            })
            .collect();
        ledger.stage(&rows).unwrap();
    }
    for n in (3..1_000_000u64).step_by(10) {
        groups.push(MergedGroup {
            survivor: n,
            payload_json: "{}".into(),
            merged: vec![(n + 1, "email".into(), format!("p{n}@example.com"))],
        });
    }
    ledger.apply_merges(&groups).unwrap();
    ledger.make_durable().unwrap();
    ledger
        .finish_run(
            "2026-11-24T14:00:00Z",
            3,
            r#"{"command":"import","rows_read":1000000,"delivery":{"stop":"finished"}}"#,
        )
        .unwrap();
    let mut series = crate::api::stats::RateSeries::default();
    for s in 0..100_000u64 {
        for _ in 0..10 {
            series.add_sent(std::time::Duration::from_secs(s));
        }
    }
    ledger
        .record_request_session(&RequestSession {
            requests: 1_000_000,
            limit_max: 100,
            limit_interval_ms: 10_000,
            endpoints_json: "{}".into(),
            bucket_ms: series.bucket.as_millis() as u64,
            span_ms: series.span.as_millis() as u64,
            buckets: series.buckets,
            ..RequestSession::default()
        })
        .unwrap();
    let started = std::time::Instant::now();
    let out = write(&ledger, dir.path()).unwrap();
    let took = started.elapsed();
    let size = std::fs::metadata(&out).unwrap().len();
    eprintln!("report.html for 1,000,000 rows: {size} bytes in {took:?}");
    assert!(size < 300_000, "{size} bytes");
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
}

#[test]
fn the_report_of_a_ledger_written_by_an_older_build_is_rendered_after_migrating_it() {
    let (_dir, run) = crate::ledger::migration_tests::fixture_copy("import-c591eb6");
    let ledger = Ledger::open(&run.join("ledger.db")).unwrap();
    let html = render(&ledger, &run).unwrap();
    let f = facts::gather(&ledger, "runs/x").unwrap();
    assert_eq!(f.outcomes.get(crate::ledger::RowState::Created), 79);
    assert_eq!(f.merges.rows, 2);
    assert_eq!(f.rows_with_warnings, 1);
    assert_eq!(f.sessions.len(), 1);
    assert!(html.contains("samples/contacts.xlsx"), "{html}");
}
