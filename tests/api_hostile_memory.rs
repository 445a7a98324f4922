//! 19.2: a whole run against a server whose answers never end stays small. Each run's peak
//! resident set is its own (`wait4`), so tests running beside it in this process do not count.

#![cfg(unix)]

use crate::util::hostile::{Answer, Hostile};
use crate::util::{ghl_bulk, GhlCommand};
use crate::util::{import, workspace, FileSpec, Running};
use ghl_sandbox::DEFAULT_TOKEN;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

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
    let (out, import_peak) = Running::spawn(import(
        &announced.base_url(),
        DEFAULT_TOKEN,
        &file,
        &dir.path().join("run"),
    ))
    .finish_with_peak_rss(LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(out.stderr.contains("larger than"), "{}", out.describe());

    let chunked = Hostile::start(|_| Answer::Endless { length: None });
    let mut export = ghl_bulk();
    export
        .no_config()
        .api(&chunked.base_url(), DEFAULT_TOKEN)
        .arg("export")
        .arg("--out")
        .arg(dir.path().join("out.csv"));
    let (out, export_peak) = Running::spawn(export).finish_with_peak_rss(LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(out.stderr.contains("larger than"), "{}", out.describe());

    let peak = import_peak.max(export_peak);
    assert!(peak > 0);
    assert!(
        peak < 200 << 20,
        "a run took {} MB against endless answers",
        peak >> 20
    );
}
