//! `import FILE --mapping M --locations ID,…|all` against the sandbox with three locations and
//! the agency's app: the file staged once, each location's sub-folder with its own ledger,
//! summary and report, the contacts in each location, the top summary with the worst exit
//! code; explicit ids; an unknown id refused before anything is sent; one location out of its
//! daily budget (75) while the others finish, then `--resume TOP` finishing it the next day;
//! the progress board's blocks in a log (and none with `--quiet`).

use crate::util::{self, run, FileSpec, Sandbox};
use ghl_sandbox::{LocationConfig, DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub(crate) const SECOND: &str = "SecondLocation000002";
pub(crate) const THIRD: &str = "ThirdLocation0000003";
pub(crate) const LIMIT: Duration = Duration::from_secs(180);

pub(crate) fn three_locations() -> ghl_sandbox::Config {
    let mut config = util::fast_config(7, (0, 2));
    for id in [SECOND, THIRD] {
        let mut location = LocationConfig::new(id);
        location.allow_duplicate_contact = true;
        config.locations.push(location);
    }
    config
}

/// [`util::as_agency`], its refresh token in a file in `home`.
pub(crate) fn as_agency(base_url: &str, home: &Path) -> Command {
    util::as_agency(base_url, home, &util::agency_refresh_file(home))
}

fn import_into(base_url: &str, home: &Path, file: &Path, run_dir: &Path, ids: &str) -> Command {
    let mut cmd = as_agency(base_url, home);
    cmd.arg("import")
        .arg(file)
        .args(["--mapping", util::MAPPING, "--locations", ids, "--run-dir"])
        .arg(run_dir);
    cmd
}

pub(crate) fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

pub(crate) fn location_entry<'a>(top: &'a Value, id: &str) -> &'a Value {
    top["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["location_id"] == id)
        .unwrap_or_else(|| panic!("{id} in {top:#}"))
}

fn small_file() -> (tempfile::TempDir, PathBuf, usize) {
    let (dir, file, expected) = util::workspace(&FileSpec::clean(24, 61));
    let delivered = expected.rows.len() - expected.merged();
    (dir, file, delivered)
}

#[test]
fn all_locations_get_the_file_each_in_its_own_sub_folder() {
    let sandbox = Sandbox::start(three_locations());
    let (dir, file, delivered) = small_file();
    let top = dir.path().join("run");
    let cmd = import_into(&sandbox.base_url(), dir.path(), &file, &top, "all");
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());

    let summary = json(&top.join("summary.json"));
    assert_eq!(summary["exit_code"], 0, "{summary:#}");
    assert_eq!(summary["locations"].as_array().unwrap().len(), 3);
    for id in [DEFAULT_LOCATION_ID, SECOND, THIRD] {
        assert_eq!(
            sandbox.handle().contacts(Some(id)).len(),
            delivered,
            "every contact in {id}"
        );
        let sub = top.join(id);
        for name in ["ledger.db", "summary.json", "report.html"] {
            assert!(sub.join(name).is_file(), "{id}/{name}");
        }
        let own = json(&sub.join("summary.json"));
        assert_eq!(own["exit_code"], 0, "{own:#}");
        let entry = location_entry(&summary, id);
        assert_eq!(entry["exit_code"], 0);
        assert_eq!(entry["outcomes"]["created"], delivered as u64, "{entry:#}");
        assert!(entry["requests"].as_u64().unwrap() > 0, "{entry:#}");
    }
    assert_eq!(
        summary["totals"]["outcomes"]["created"],
        3 * delivered as u64,
        "{summary:#}"
    );
    let page = std::fs::read_to_string(top.join("report.html")).unwrap();
    assert!(page.contains(&format!("href=\"{SECOND}/report.html\"")));
    out.assert_stderr_has("All 3 locations: exit 0");
}

/// The agency's own calls (the listing, the token refresh, a location token per location)
/// count against the company's burst window: a window of 2 per second is full after the
/// second, and every location must still get its token and its contacts (each 429 on an
/// `/oauth/*` route waited out and the call sent again), not fail with exit 1.
#[test]
fn the_agency_calls_wait_out_a_full_company_window() {
    // The company's window must fill within its second: starved by busy neighbours, the run's
    // OAuth calls spread out and never meet a 429 (`util::gate`).
    let _alone = crate::util::gate::alone();
    let mut config = three_locations();
    config.rate_limit.burst = Some((2, std::time::Duration::from_secs(1)));
    let sandbox = Sandbox::start(config);
    let (dir, file, delivered) = small_file();
    let top = dir.path().join("run");
    let cmd = import_into(&sandbox.base_url(), dir.path(), &file, &top, "all");
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    for id in [DEFAULT_LOCATION_ID, SECOND, THIRD] {
        assert_eq!(sandbox.handle().contacts(Some(id)).len(), delivered, "{id}");
    }
    let stats = sandbox.stats();
    let oauth_429: u64 = stats
        .by_route
        .iter()
        .filter(|(route, _)| route.contains("/oauth/"))
        .filter_map(|(_, by_status)| by_status.get("429"))
        .sum();
    assert!(
        oauth_429 > 0,
        "the company's window was never full: the test proves nothing ({:?})",
        stats.by_route
    );
    out.assert_stderr_has("rate-limited an OAuth request");
}

/// The blocks of a multi-location board on stderr (not a terminal): each a line per location
/// of `ids`, in order (`  <id>  …<per_location>… req/s`), then the total line starting with
/// `total`. At least one block is printed.
pub fn board_blocks<'a>(
    out: &'a util::Output,
    total: &str,
    ids: &[&str],
    per_location: &str,
) -> Vec<Vec<&'a str>> {
    let lines: Vec<&str> = out.stderr.lines().collect();
    let blocks: Vec<Vec<&str>> = (0..lines.len())
        .filter(|&i| lines[i].starts_with(total))
        .map(|end| lines[end.saturating_sub(ids.len())..=end].to_vec())
        .collect();
    assert!(!blocks.is_empty(), "no board: {}", out.describe());
    for block in &blocks {
        for (line, id) in block.iter().zip(ids) {
            assert!(line.starts_with(&format!("  {id}  ")), "{block:#?}");
            assert!(
                line.contains(per_location) && line.ends_with(" req/s"),
                "{line}"
            );
        }
    }
    blocks
}

/// Imports `file` (then `extra`) into every location of a new sandbox whose requests answer in
/// 40 ms or more, with the board's period shortened to 20 ms; the run succeeds.
fn import_with_board(home: &Path, file: &Path, run_dir: &Path, extra: &[&str]) -> util::Output {
    let mut config = three_locations();
    config.faults.latency = Some((Duration::from_millis(40), Duration::from_millis(60)));
    let sandbox = Sandbox::start(config);
    let mut cmd = import_into(&sandbox.base_url(), home, file, run_dir, "all");
    cmd.args(extra).env("GHL_BULK_BOARD_EVERY_MS", "20");
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    out
}

/// Not on a terminal, the board is a block of lines: every location's, then the total. The
/// block's period is shortened through the test knob (the run lasts well over 20 ms: each
/// location's requests answer in 40 ms or more, one after another for its token, its fields
/// and its first upserts); `--quiet` prints no block.
#[test]
fn the_board_prints_every_location_and_the_total_in_a_block() {
    let (dir, file, _) = small_file();
    let ids = [DEFAULT_LOCATION_ID, SECOND, THIRD];
    let out = import_with_board(dir.path(), &file, &dir.path().join("run"), &[]);
    for block in board_blocks(&out, "Delivering to 3 locations: ", &ids, " rows, ") {
        assert!(block[3].contains(" requests, "), "{}", block[3]);
    }

    // A home of its own: the first run rotated the agency's refresh token in the other.
    let home = tempfile::tempdir().unwrap();
    let quiet = dir.path().join("quiet");
    let out = import_with_board(home.path(), &file, &quiet, &["--quiet"]);
    out.assert_stderr_lacks("Delivering to");
}

#[test]
fn explicit_ids_send_to_those_only_and_an_unknown_one_stops_everything_first() {
    let sandbox = Sandbox::start(three_locations());
    let (dir, file, delivered) = small_file();

    let refused = dir.path().join("refused");
    let ids = format!("{SECOND},NoSuchLocation000009");
    let cmd = import_into(&sandbox.base_url(), dir.path(), &file, &refused, &ids);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("unknown location id(s): NoSuchLocation000009");
    assert!(!refused.exists(), "nothing staged");
    for id in [DEFAULT_LOCATION_ID, SECOND, THIRD] {
        assert!(sandbox.handle().contacts(Some(id)).is_empty(), "{id}");
    }

    let top = dir.path().join("run");
    let ids = format!("{THIRD},{SECOND}");
    let cmd = import_into(&sandbox.base_url(), dir.path(), &file, &top, &ids);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(sandbox.handle().contacts(Some(SECOND)).len(), delivered);
    assert_eq!(sandbox.handle().contacts(Some(THIRD)).len(), delivered);
    assert!(sandbox
        .handle()
        .contacts(Some(DEFAULT_LOCATION_ID))
        .is_empty());
    assert!(!top.join(DEFAULT_LOCATION_ID).exists());
}

/// [`three_locations`] with `daily` requests a day each, its state kept in
/// `dir/sandbox.json` so that a restart (the next day) keeps what was imported.
pub(crate) fn kept_with_daily_budget(dir: &Path, daily: u64) -> Sandbox {
    let mut config = three_locations();
    config.rate_limit.daily = Some(daily);
    config.data_file = Some(dir.join("sandbox.json"));
    Sandbox::start(config)
}

/// Spends `n` requests of the location's daily budget (as another integration would).
pub(crate) fn spend(sandbox: &Sandbox, n: u64) {
    let url = format!(
        "{}/locations/{DEFAULT_LOCATION_ID}/customFields",
        sandbox.base_url()
    );
    sandbox.block_on(async {
        let http = crate::util::http();
        for _ in 0..n {
            let status = http
                .get(&url)
                .bearer_auth(DEFAULT_TOKEN)
                .header("Version", "2021-07-28")
                .send()
                .await
                .expect("the sandbox answers")
                .status();
            assert!(status.is_success(), "{status}");
        }
    });
}

#[test]
fn a_location_out_of_its_daily_budget_stops_alone_and_a_resume_finishes_it() {
    const DAILY: u64 = 300;
    let (dir, file, delivered) = small_file();
    let mut sandbox = kept_with_daily_budget(dir.path(), DAILY);
    // The first location has a few requests left today; the others their whole budget.
    spend(&sandbox, DAILY - 6);

    let top = dir.path().join("run");
    let mut cmd = import_into(&sandbox.base_url(), dir.path(), &file, &top, "all");
    cmd.args(["--daily-reserve", "2"]);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(75), "{}", out.describe());
    let summary = json(&top.join("summary.json"));
    assert_eq!(summary["exit_code"], 75, "{summary:#}");
    assert_eq!(
        location_entry(&summary, DEFAULT_LOCATION_ID)["exit_code"],
        75
    );
    for id in [SECOND, THIRD] {
        assert_eq!(location_entry(&summary, id)["exit_code"], 0, "{summary:#}");
        assert_eq!(sandbox.handle().contacts(Some(id)).len(), delivered, "{id}");
    }
    assert!(
        sandbox.handle().contacts(Some(DEFAULT_LOCATION_ID)).len() < delivered,
        "the first location stopped short"
    );
    let again = format!("ghl-bulk import --resume {}", top.display());
    out.assert_stderr_has(&again);
    let finished_second = std::fs::read(top.join(SECOND).join("summary.json")).unwrap();

    // The next day: a fresh budget (the restarted sandbox keeps its contacts and grants).
    sandbox.restart();
    let mut cmd = as_agency(&sandbox.base_url(), dir.path());
    cmd.args(["import", "--resume"]).arg(&top);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(
        sandbox.handle().contacts(Some(DEFAULT_LOCATION_ID)).len(),
        delivered
    );
    let summary = json(&top.join("summary.json"));
    assert_eq!(summary["exit_code"], 0, "{summary:#}");
    assert_eq!(
        std::fs::read(top.join(SECOND).join("summary.json")).unwrap(),
        finished_second,
        "a finished location is not run again"
    );
}
