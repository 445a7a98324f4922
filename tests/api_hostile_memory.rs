//! 19.2: a whole run against a server whose answers never end stays small. Alone in its test
//! binary so that `getrusage(RUSAGE_CHILDREN)` measures only the runs started here.

#![cfg(unix)]

mod common;

use common::hostile::{Answer, Hostile};
use common::{import, run, workspace, FileSpec};
use ghl_sandbox::DEFAULT_TOKEN;
use std::process::Command;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

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
    let (dir, file, _) = workspace(&FileSpec {
        rows: 50,
        seed: 2,
        invalid: false,
    });
    // A 200 announcing 2 GB (import), then a chunked body without end (export).
    let announced = Hostile::start(|_| Answer::Endless {
        length: Some(2 << 30),
    });
    let out = run(
        import(
            &announced.base_url(),
            DEFAULT_TOKEN,
            &file,
            &dir.path().join("run"),
        ),
        LIMIT,
    );
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(out.stderr.contains("larger than"), "{}", out.describe());

    let chunked = Hostile::start(|_| Answer::Endless { length: None });
    let mut export = Command::new(env!("CARGO_BIN_EXE_ghl-bulk"));
    export
        .env("GHL_BULK_CONFIG", "/dev/null")
        .env("GHL_BASE_URL", chunked.base_url())
        .env("GHL_TOKEN", DEFAULT_TOKEN)
        .env("GHL_LOCATION_ID", ghl_sandbox::DEFAULT_LOCATION_ID)
        .arg("export")
        .arg("--out")
        .arg(dir.path().join("out.csv"));
    let out = run(export, LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(out.stderr.contains("larger than"), "{}", out.describe());

    let peak = children_peak_rss();
    assert!(peak > 0);
    assert!(
        peak < 200 << 20,
        "a run took {} MB against endless answers",
        peak >> 20
    );
}
