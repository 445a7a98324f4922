//! `ghl-bulk import` against a sandbox that fails on purpose (5xx, stalled requests, connections
//! cut after the write committed): every input row still ends in exactly one outcome, the
//! location holds exactly one contact per person, and contacts that existed keep their tags.

mod common;

use common::contacts::{check_outcomes, check_sandbox, misreported_creations, seed_existing};
use common::{fast_config, import, ledger_rows, resume, run, summary, workspace, FileSpec, Sandbox};
use ghl_sandbox::DEFAULT_TOKEN;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(90);

#[test]
fn faults_leave_one_outcome_per_row_one_contact_per_group_and_old_tags() {
    let spec = FileSpec {
        rows: 300,
        seed: 11,
        invalid: true,
    };
    let (dir, file, expected) = workspace(&spec);
    let mut config = fast_config(5, (2, 20));
    config.faults.fault_rate = 0.05;
    config.faults.stall_rate = 0.01;
    // Longer than the importer's --timeout 1: a stalled request times out on the client.
    config.faults.stall_for = Duration::from_secs(3);
    config.faults.cut_after_commit = 0.01;
    let sandbox = Sandbox::start(config);
    let (seeded, stranger) = seed_existing(&sandbox, &expected, 7);
    let run_dir = dir.path().join("run");

    let mut cmd = import(&sandbox.base_url(), DEFAULT_TOKEN, &file, &run_dir);
    cmd.args(["--quiet", "--timeout", "1", "--concurrency", "8"]);
    let first = run(cmd, LIMIT);
    // 3: the planted invalid rows (and any row whose retries ran out) are in rejects.csv.
    assert_eq!(first.code, Some(3), "{}", first.describe());
    let faults = sandbox.stats().faults;
    assert!(
        faults.injected_5xx > 0 && faults.cut_after_commit > 0,
        "the run met every kind of fault: {faults:?}"
    );

    // A row whose retries ran out is `failed`; one resume must finish it.
    let mut rows = ledger_rows(&run_dir);
    let unfinished = rows
        .iter()
        .filter(|r| matches!(r.state.as_str(), "failed" | "in_doubt" | "pending"))
        .count();
    if unfinished > 0 {
        let mut cmd = resume(&sandbox.base_url(), DEFAULT_TOKEN, &run_dir);
        cmd.arg("--quiet");
        let again = run(cmd, LIMIT);
        assert_eq!(again.code, Some(3), "{}", again.describe());
        rows = ledger_rows(&run_dir);
    }
    check_outcomes(&summary(&run_dir), &rows, &expected);
    check_sandbox(&sandbox.contacts(), &expected, &rows, &seeded, Some(&stranger));
    let wrong = misreported_creations(&rows, &expected, &seeded);
    eprintln!("misreported: {wrong:?}");
    eprintln!("{}", std::fs::read_to_string(run_dir.join("summary.json")).unwrap());
}
