//! Agency (company) tokens against the sandbox with two locations: `ghl-bulk locations` (text
//! and JSON), an import into the second location with a company refresh token (a location
//! token minted for it, the contacts landing there only, the rotated company refresh token
//! written back), and a 401 on a minted location token (minted again, once).

use crate::util::{
    self, agency_refresh_file, as_agency, ghl_bulk, run, FileSpec, GhlCommand, Output, Sandbox,
};
use ghl_bulk::api::{
    BaseUrl, Client, ClientConfig, Credentials, OAuthConfig, RefreshStore, Secret,
};
use ghl_sandbox::{
    AgencyConfig, LocationConfig, DEFAULT_AGENCY_CLIENT_ID, DEFAULT_AGENCY_CLIENT_SECRET,
    DEFAULT_AGENCY_REFRESH_TOKEN, DEFAULT_LOCATION_ID,
};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// The second location (20 characters, like HighLevel's ids).
const SECOND: &str = "SecondLocation000002";

fn two_locations() -> ghl_sandbox::Config {
    let mut config = util::fast_config(16, (0, 0));
    config.locations[0].name = Some("First shop".into());
    let mut second = LocationConfig::new(SECOND);
    second.name = Some("Second shop".into());
    config.locations.push(second);
    config
}

/// `ghl-bulk locations EXTRA…` as the agency, run from `dir` with its refresh-token file; at
/// most `limit_s` seconds.
fn locations(base_url: &str, dir: &Path, refresh: &Path, extra: &[&str], limit_s: u64) -> Output {
    let mut cmd = as_agency(base_url, dir, refresh);
    cmd.arg("locations").args(extra);
    run(cmd, Duration::from_secs(limit_s))
}

fn stored_token(file: &Path) -> String {
    std::fs::read_to_string(file).unwrap().trim().to_string()
}

#[test]
fn locations_lists_the_agencys_locations_as_text_and_json() {
    let sandbox = Sandbox::start(two_locations());
    let dir = tempfile::tempdir().unwrap();
    let refresh = agency_refresh_file(dir.path());

    let out = locations(&sandbox.base_url(), dir.path(), &refresh, &[], 60);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.describe());
    assert_eq!(lines[0], format!("{DEFAULT_LOCATION_ID}  First shop"));
    assert_eq!(lines[1], format!("{SECOND}  Second shop"));
    let rotated = stored_token(&refresh);
    assert_ne!(
        rotated, DEFAULT_AGENCY_REFRESH_TOKEN,
        "the rotated company refresh token is written back"
    );
    assert!(!out.stdout.contains(&rotated) && !out.stderr.contains(&rotated));

    // The second run refreshes with the rotated token (the first one is spent).
    let out = locations(&sandbox.base_url(), dir.path(), &refresh, &["--json"], 60);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let json: Value = serde_json::from_str(&out.stdout).expect("JSON on stdout");
    let ids: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [DEFAULT_LOCATION_ID, SECOND]);
    assert_eq!(json[1]["name"], "Second shop");
    assert_ne!(stored_token(&refresh), rotated, "rotated again");
}

#[test]
fn locations_with_a_location_refresh_token_says_an_agency_token_is_needed() {
    let sandbox = Sandbox::start(two_locations());
    let dir = tempfile::tempdir().unwrap();
    let refresh = dir.path().join("rt");
    std::fs::write(&refresh, ghl_sandbox::DEFAULT_REFRESH_TOKEN).unwrap();
    let mut cmd = ghl_bulk();
    cmd.home(dir.path())
        .no_config()
        .env("GHL_BASE_URL", sandbox.base_url())
        .env("GHL_CLIENT_ID", ghl_sandbox::DEFAULT_CLIENT_ID)
        .env("GHL_CLIENT_SECRET", ghl_sandbox::DEFAULT_CLIENT_SECRET)
        .env("GHL_REFRESH_TOKEN_FILE", &refresh)
        .args(["locations", "--app-id", ghl_sandbox::DEFAULT_APP_ID]);
    let out = run(cmd, Duration::from_secs(60));
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("agency (company) token");
}

#[test]
fn an_import_with_a_company_refresh_token_lands_in_the_chosen_location_only() {
    let sandbox = Sandbox::start(two_locations());
    let (dir, file, expected) = util::workspace(&FileSpec::clean(30, 16));
    let refresh = agency_refresh_file(dir.path());
    let run_dir = dir.path().join("run");
    let mut cmd = as_agency(&sandbox.base_url(), dir.path(), &refresh);
    cmd.env("GHL_LOCATION_ID", SECOND)
        .arg("import")
        .arg(&file)
        .args(["--mapping", util::MAPPING, "--run-dir"])
        .arg(&run_dir);
    let out = run(cmd, Duration::from_secs(120));
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let delivered = expected.rows.len() - expected.merged();
    assert_eq!(
        sandbox.handle().contacts(Some(SECOND)).len(),
        delivered,
        "every contact in the second location"
    );
    assert!(
        sandbox
            .handle()
            .contacts(Some(DEFAULT_LOCATION_ID))
            .is_empty(),
        "none in the first"
    );
    assert_ne!(stored_token(&refresh), DEFAULT_AGENCY_REFRESH_TOKEN);
}

/// The sandbox forgets every access token (a restart without its data): the cached location
/// token is refused with 401, minting again with the cached agency token is refused too, so
/// the client refreshes the company token (with the rotated refresh token it wrote back) and
/// mints once more; the call then succeeds.
#[tokio::test]
async fn a_refused_location_token_is_minted_again() {
    let config = two_locations();
    let sandbox = ghl_sandbox::spawn(config.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let refresh = agency_refresh_file(dir.path());
    let base = BaseUrl::parse(&sandbox.base_url()).unwrap();
    let oauth = OAuthConfig {
        client_id: DEFAULT_AGENCY_CLIENT_ID.into(),
        client_secret: Secret::new(DEFAULT_AGENCY_CLIENT_SECRET),
        refresh: RefreshStore::File(refresh.clone()),
        user_type: None,
    };
    let mut client_config = ClientConfig::new(base, SECOND.into(), Credentials::OAuth(oauth));
    client_config.timeout = Duration::from_secs(5);
    let client = Client::new(client_config).unwrap();
    client
        .custom_fields()
        .await
        .expect("a minted location token works");
    client.custom_fields().await.expect("the cached one too");
    let routes = sandbox.stats().by_route;
    // A bare refresh-token file does not say whose token it holds: asked as Location first,
    // refused with 400 (the token stays unused), then asked as Company.
    assert_eq!(counts(&routes, "POST /oauth/token"), "200:1 400:1");
    assert_eq!(
        counts(&routes, "POST /oauth/locationToken"),
        "200:1",
        "minted once, then cached"
    );

    let addr = sandbox
        .base_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    sandbox.shutdown().await.unwrap();
    let mut again = config;
    again.listen = addr;
    let mut agency = AgencyConfig::sandbox();
    agency.refresh_token = ghl_sandbox::Secret(stored_token(&refresh));
    again.agency = Some(agency);
    let sandbox = util::spawn_again(again).await;

    client
        .custom_fields()
        .await
        .expect("minted again after the 401");
    assert_ne!(
        stored_token(&refresh),
        DEFAULT_AGENCY_REFRESH_TOKEN,
        "the rotated company refresh token was written back"
    );
    let routes = sandbox.stats().by_route;
    assert_eq!(
        counts(&routes, "POST /oauth/locationToken"),
        "200:1 401:1",
        "the stale agency token refused once, then minted with the refreshed one"
    );
    assert_eq!(
        counts(&routes, "POST /oauth/token"),
        "200:1",
        "the user type learnt from the first answer is asked at once"
    );
    sandbox.shutdown().await.unwrap();
}

fn counts(
    routes: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>,
    route: &str,
) -> String {
    let by = routes.get(route).cloned().unwrap_or_default();
    by.iter()
        .map(|(status, n)| format!("{status}:{n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A server whose `installedLocations` count runs ahead of its pages for ever (here: the same
/// page whatever `skip` says, and a count of a billion) is listed up to a bound, not for ever.
#[test]
fn a_listing_that_never_ends_is_stopped_at_the_bound() {
    use crate::util::hostile::{Answer, Hostile, Seen};
    let sandbox = Sandbox::start(two_locations());
    let upstream = sandbox.base_url();
    let page: String = {
        let locations: Vec<String> = (0..100)
            .map(|i| format!(r#"{{"_id":"Loc{i:017}","name":"L{i}"}}"#))
            .collect();
        format!(
            r#"{{"locations":[{}],"count":1000000000}}"#,
            locations.join(",")
        )
    };
    let api = Hostile::start(move |seen: &Seen| {
        if seen.path.starts_with("/oauth/installedLocations") {
            Answer::status(200, &[("content-type", "application/json")], &page)
        } else {
            Answer::Forward {
                upstream: upstream.clone(),
                edit: None,
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let refresh = agency_refresh_file(dir.path());
    let out = locations(&api.base_url(), dir.path(), &refresh, &[], 120);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("stopped at 10000");
    let pages = api
        .seen()
        .iter()
        .filter(|s| s.path.starts_with("/oauth/installedLocations"))
        .count();
    assert_eq!(pages, 100, "10,000 locations at 100 a page");
}
