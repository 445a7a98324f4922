//! 19.2: a whole run against a server whose answers never end stays small. The runs are
//! measured with `getrusage(RUSAGE_CHILDREN)`, which needs a process of their own: in the
//! shared test process other tests' children would count, and a child's peak starts at its
//! parent's (Linux carries the parent's high-water mark over the exec). So the test runs itself
//! again, alone, in a fresh copy of this test binary, and the runs start there.

#![cfg(unix)]

use crate::util::hostile::{Answer, Hostile};
use crate::util::{ghl_bulk, import_run, run, workspace, FileSpec, GhlCommand};
use ghl_sandbox::DEFAULT_TOKEN;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

/// Set in the fresh copy of the test binary that does the measuring.
const ALONE: &str = "GHL_BULK_TEST_MEMORY_ALONE";

/// The largest resident set of any child waited for so far, in bytes.
fn children_peak_rss() -> u64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage only writes into the struct it is given.
    let status = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(status, 0);
    // Linux reports kilobytes.
    usage.ru_maxrss as u64 * 1024
}

#[test]
fn runs_against_endless_answers_stay_under_200_mb() {
    if std::env::var_os(ALONE).is_none() {
        let this = std::env::current_exe().expect("the test binary's path");
        let mut alone = std::process::Command::new(this);
        alone
            .args([
                "api_hostile_memory::runs_against_endless_answers_stay_under_200_mb",
                "--exact",
                "--test-threads=1",
                "--nocapture",
            ])
            .env(ALONE, "1");
        let out = run(alone, LIMIT * 3);
        assert_eq!(out.code, Some(0), "{}", out.describe());
        assert!(
            out.stdout.contains("1 passed"),
            "the measuring copy ran the test: {}",
            out.describe()
        );
        return;
    }
    let (dir, file, _) = workspace(&FileSpec::clean(50, 2));
    // A 200 announcing 2 GB (import), then a chunked body without end (export).
    let announced = Hostile::start(|_| Answer::Endless {
        length: Some(2 << 30),
    });
    let out = import_run(&announced.base_url(), &file, &dir.path().join("run"), LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("larger than");

    let chunked = Hostile::start(|_| Answer::Endless { length: None });
    let mut export = ghl_bulk();
    export
        .no_config()
        .api(&chunked.base_url(), DEFAULT_TOKEN)
        .arg("export")
        .arg("--out")
        .arg(dir.path().join("out.csv"));
    let out = run(export, LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("larger than");

    let peak = children_peak_rss();
    assert!(peak > 0);
    assert!(
        peak < 200 << 20,
        "a run took {} MB against endless answers",
        peak >> 20
    );
}
