//! `ghl-bulk import` against a sandbox that fails on purpose (5xx, stalled requests, connections
//! cut after the write committed): every input row still ends in exactly one outcome, the
//! location holds exactly one contact per person, and contacts that existed keep their tags.

use crate::util::checks::{seed_existing, Finished};
use crate::util::{fast_config, import, ledger_rows, resume, run, workspace, FileSpec, Sandbox};
use ghl_sandbox::DEFAULT_TOKEN;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(90);

/// Imports 300 generated rows through faults at the rates of the acceptance list
/// (seeded: the sandbox draws each request's fault from the seed and its sequence number),
/// and resumes once if a row's retries ran out.
fn import_through_faults() -> Finished {
    let spec = FileSpec::with_invalid(300, 11);
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

    // A row whose retries ran out is `failed`; one resume must finish it.
    let unfinished = ledger_rows(&run_dir)
        .iter()
        .filter(|r| matches!(r.state.as_str(), "failed" | "in_doubt" | "pending"))
        .count();
    if unfinished > 0 {
        let mut cmd = resume(&sandbox.base_url(), DEFAULT_TOKEN, &run_dir);
        cmd.arg("--quiet");
        let again = run(cmd, LIMIT);
        assert_eq!(again.code, Some(3), "{}", again.describe());
    }
    Finished::read(&run_dir, sandbox, expected, (seeded, stranger), dir)
}

#[test]
fn faults_leave_one_outcome_per_row_one_contact_per_group_and_old_tags() {
    let f = import_through_faults();
    // The sandbox counts a stall only when it answers it; these ones the client gave up on
    // first (timeout 1 s < stall 3 s), so the client's own counts show them.
    let faults = f.sandbox.stats().faults;
    let upserts = &f.summary["delivery"]["requests"]["by_endpoint"]["POST /contacts/upsert"];
    assert!(
        faults.injected_5xx > 0 && faults.cut_after_commit > 0,
        "the run met injected 5xx and cut connections: {faults:?}"
    );
    assert!(
        upserts["timeout"].as_u64().unwrap_or(0) > 0 && upserts["broken"].as_u64().unwrap_or(0) > 0,
        "the client saw timeouts (stalls) and broken connections (cuts): {upserts}"
    );
    f.check();
}

/// Regression: an upsert resent after its connection was cut after the commit said `new:
/// false`, so rows this run created were reported `updated` (fixed in `Client::upsert`).
#[test]
fn faults_rows_created_through_a_cut_connection_are_reported_created() {
    import_through_faults().check_creations();
}
