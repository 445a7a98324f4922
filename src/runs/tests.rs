//! The state rules on their own, and real ledgers (made with the ledger's own API) read back:
//! finished, crashed mid-delivery, locked by a running import, damaged, missing.

use super::*;
use crate::ledger::{RowState, RunMeta, StagedRow};

fn counts(pending: u64, in_doubt: u64, failed: u64) -> Counts {
    Counts {
        created: 5,
        pending,
        in_doubt,
        failed,
        rows: 5 + pending + in_doubt + failed,
        ..Counts::default()
    }
}

fn facts<'a>(command: &'a str, exit: Option<u8>, stop: Option<&str>, c: &'a Counts) -> Facts<'a> {
    Facts {
        command,
        dry_run: false,
        staged: true,
        exit_code: exit,
        stop: stop.map(str::to_string),
        counts: c,
        failure: None,
        reports_incomplete: false,
    }
}

#[test]
fn a_recorded_failure_wins_over_the_staging_exit_code_and_names_its_reason() {
    let staged = Counts {
        pending: 82,
        rejected: 5,
        merged: 3,
        rows: 90,
        ..Counts::default()
    };
    let failure = crate::ledger::Failure {
        exit_code: 1,
        stage: "connect".into(),
        error: "authentication failed: HTTP 401".into(),
        at: "2026-12-07T00:00:00Z".into(),
    };
    let mut f = facts("import", Some(3), None, &staged);
    f.failure = Some(&failure);
    let (state, note) = decide(&f);
    assert_eq!(state, RunState::Failed);
    assert_eq!(
        note.as_deref(),
        Some("failed at connect: authentication failed: HTTP 401; nothing was sent")
    );
}

#[test]
fn a_finished_run_whose_reports_were_cut_short_says_so() {
    let clean = counts(0, 0, 0);
    let mut f = facts("import", Some(0), Some("finished"), &clean);
    f.reports_incomplete = true;
    let (state, note) = decide(&f);
    assert_eq!(state, RunState::ReportsIncomplete);
    // Regression: a lost line continuation once left a run of blanks inside the note.
    assert_eq!(
        note.as_deref(),
        Some(
            "the run ended but its reports were not all written (stopped while they were); \
             import --resume writes them"
        )
    );
    // A run with rows left is resumable whatever its reports: the resume writes them too.
    let left = counts(3, 0, 0);
    let mut f = facts("import", Some(0), None, &left);
    f.reports_incomplete = true;
    assert_eq!(decide(&f).0, RunState::Resumable);
}

#[test]
fn decides_as_resume_would() {
    let clean = counts(0, 0, 0);
    let left = counts(3, 1, 0);
    let failed = counts(0, 0, 2);
    let state = |f: Facts<'_>| decide(&f).0;
    // (command, exit code, how it stopped, row counts) and the state a resume would see.
    #[rustfmt::skip]
    let cases = [
        ("import", Some(0), Some("finished"), &clean, RunState::Finished),
        ("import", Some(3), Some("finished"), &failed, RunState::Finished),
        ("import", Some(130), Some("interrupted"), &failed, RunState::Resumable),
        // A crash mid-delivery: the ledger still holds the local pipeline's exit code and summary.
        ("import", Some(0), None, &left, RunState::Resumable),
        ("import", Some(1), None, &clean, RunState::Failed),
        // validate leaves its valid rows pending: that is its end, not a stop.
        ("validate", Some(3), None, &left, RunState::Finished),
        ("import --dry-run", Some(1), None, &left, RunState::Failed),
    ];
    for (command, exit, stop, rows, want) in cases {
        let got = state(facts(command, exit, stop, rows));
        assert_eq!(got, want, "{command}, exit {exit:?}, {stop:?}");
    }
    assert!(decide(&facts("import", Some(3), Some("finished"), &failed))
        .1
        .is_some_and(|note| note.contains("2 failed rows")));
    let budget = decide(&facts(
        "import",
        Some(75),
        Some("stopped: daily budget"),
        &left,
    ));
    assert_eq!(budget.0, RunState::Resumable);
    assert_eq!(budget.1.as_deref(), Some("stopped: daily budget"));
    let mut unstaged = facts("import", None, None, &left);
    unstaged.staged = false;
    assert_eq!(state(unstaged), RunState::Failed);
}

fn ledger_in(dir: &Path, states: &[(u64, RowState)]) -> crate::ledger::Ledger {
    std::fs::create_dir_all(dir).unwrap();
    let mut ledger = crate::ledger::Ledger::create(&dir.join("ledger.db")).unwrap();
    ledger
        .write_run(
            &RunMeta {
                tool_version: "test".into(),
                started_at: "2026-11-23T10:00:00Z".into(),
                input_path: "/data/leads.csv".into(),
                input_size: 10,
                input_blake3: "00".into(),
                mapping_path: "m.toml".into(),
                mapping_blake3: "00".into(),
                options_json: r#"{"command":"import"}"#.into(),
                headers_json: r#"["email"]"#.into(),
            },
            None,
        )
        .unwrap();
    let rows: Vec<StagedRow> = states
        .iter()
        .map(|&(row, state)| StagedRow {
            row,
            state,
            payload_json: Some("{}".into()),
            email: None,
            phone: None,
            rejection: None,
            issues_json: None,
            cells_json: "[]".into(),
        })
        .collect();
    ledger.stage(&rows).unwrap();
    ledger.make_durable().unwrap();
    ledger
}

#[test]
fn reads_ledgers_and_tells_running_damaged_and_missing_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();

    // Staged and stopped before delivery: resumable, 2 rows left.
    let stopped = root.join("20261123T100000Z-leads");
    let ledger = ledger_in(
        &stopped,
        &[
            (1, RowState::Pending),
            (2, RowState::Pending),
            (3, RowState::Rejected),
        ],
    );
    ledger
        .finish_run("2026-11-23T10:00:05Z", 3, r#"{"command":"import"}"#)
        .unwrap();
    drop(ledger);

    // Held by a running import.
    let running = root.join("20261123T110000Z-big");
    let ledger = ledger_in(&running, &[(1, RowState::Pending)]);
    ledger.finish_run("2026-11-23T11:00:05Z", 0, "{}").unwrap();
    drop(ledger);
    let held = crate::ledger::Ledger::open_exclusive(&running.join("ledger.db"))
        .unwrap()
        .expect("nobody else holds it");

    let damaged = root.join("20261123T090000Z-junk");
    std::fs::create_dir_all(&damaged).unwrap();
    std::fs::write(
        damaged.join("ledger.db"),
        b"this is not SQLite, but long enough to be read",
    )
    .unwrap();
    let empty = root.join("notes");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(root.join("stray.txt"), b"not a folder").unwrap();

    let before = std::fs::read(stopped.join("ledger.db")).unwrap();
    let runs = scan(root).unwrap();
    assert_eq!(runs.len(), 4, "{}", render::table(&runs));
    let by_dir = |d: &Path| runs.iter().find(|r| r.dir == d).unwrap();

    let s = by_dir(&stopped);
    assert_eq!(s.state, RunState::Resumable, "{s:#?}");
    assert_eq!(
        (s.counts.pending, s.counts.rejected, s.counts.rows),
        (2, 1, 3)
    );
    assert_eq!(s.input_name().as_deref(), Some("leads.csv"));
    assert_eq!(
        s.resume.as_deref(),
        Some(format!("ghl-bulk import --resume {}", stopped.display()).as_str())
    );
    assert_eq!(by_dir(&running).state, RunState::Running);
    // Issue 13 item 11: its start and input are read past the lock (its counts are not).
    assert_eq!(by_dir(&running).input_name().as_deref(), Some("leads.csv"));
    assert_eq!(
        by_dir(&running).started_at.as_deref(),
        Some("2026-11-23T10:00:00Z")
    );
    assert_eq!(by_dir(&running).command.as_deref(), Some("import"));
    assert_eq!(by_dir(&damaged).state, RunState::Damaged);
    assert_eq!(by_dir(&empty).state, RunState::NoLedger);
    // Newest first: the running one (placed by its name's time, its ledger being locked)
    // before the stopped one; the folder without a timestamp by its modification time (now).
    let at = |d: &Path| runs.iter().position(|r| r.dir == d).unwrap();
    assert!(at(&running) < at(&stopped));
    assert_eq!(runs[0].dir, empty);
    // Reading changed nothing, and the running import kept its lock.
    assert_eq!(std::fs::read(stopped.join("ledger.db")).unwrap(), before);
    assert!(
        crate::ledger::Ledger::open_exclusive(&running.join("ledger.db"))
            .unwrap()
            .is_none()
    );
    drop(held);

    let text = render::table(&runs);
    assert!(text.starts_with("RUN "), "{text}");
    assert!(text.contains("resumable (2 left)"), "{text}");
    let running_line = text.lines().find(|l| l.contains("-big")).unwrap();
    assert!(
        running_line.contains("2026-11-23 10:00:00") && running_line.contains("leads.csv"),
        "{text}"
    );
    let shown = render::show(s);
    assert!(shown.contains("ghl-bulk import --resume"), "{shown}");
    assert!(shown.contains("Files        ledger.db"), "{shown}");
    assert!(matches!(
        scan(&root.join("nope")),
        Err(RunsError::NoFolder(_))
    ));
}

#[test]
fn default_folder_names_carry_their_start() {
    assert_eq!(
        name_time("20261123T112405Z-leads").as_deref(),
        Some("2026-11-23T11:24:05Z")
    );
    assert_eq!(name_time("leads"), None);
    assert_eq!(name_time("2026-11-23-leads"), None);
}

#[test]
fn a_run_folder_written_by_an_older_build_is_listed_without_being_changed() {
    let (_dir, run) = crate::ledger::migration_tests::fixture_copy("import-c591eb6");
    let before = std::fs::read(run.join("ledger.db")).unwrap();
    let info = inspect(&run).unwrap();
    assert_ne!(info.state, RunState::Damaged, "{:?}", info.note);
    assert_eq!(info.command.as_deref(), Some("import"));
    assert_eq!(
        (info.counts.created, info.counts.updated, info.counts.merged),
        (79, 3, 2)
    );
    assert_eq!(info.counts.rejected, 6);
    assert_eq!(std::fs::read(run.join("ledger.db")).unwrap(), before);
}
