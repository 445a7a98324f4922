//! `ghl-bulk sandbox` as a user runs it: the first stdout line is the JSON that tells scripts
//! where the sandbox is, and the sandbox answers on that address with that token.

use crate::util::{ghl_bulk, GhlCommand};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request with a JSON body over a plain socket (the root package has no HTTP
/// client dependency).
fn request(addr: &str, head: &str, body: &str) -> String {
    send(addr, head, "application/json", body)
}

/// `head` (`METHOD PATH HTTP/1.1`) and `body` of type `content_type` over a plain socket; the
/// whole answer.
fn send(addr: &str, head: &str, content_type: &str, body: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let msg = format!("{head}\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    s.write_all(msg.as_bytes()).expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

#[test]
fn first_line_names_base_url_token_and_location_and_the_sandbox_answers() {
    let (_sandbox, first) = start_first_line(&[
        "--listen",
        "127.0.0.1:0",
        "--token",
        "cli-token",
        "--generate",
        "25",
        "--limit",
        "5/10s",
    ]);
    assert_eq!(first["token"], "cli-token");
    assert_eq!(first["location_id"], "SandboxLocation00001");
    assert_eq!(
        first["locations"],
        serde_json::json!([{"id": "SandboxLocation00001", "token": "cli-token"}]),
        "one location by default"
    );
    let base = first["base_url"].as_str().expect("base_url");
    let addr = base.strip_prefix("http://").expect("http base url");

    let body = r#"{"locationId":"SandboxLocation00001","pageLimit":10}"#;
    let resp = request(
        addr,
        "POST /contacts/search HTTP/1.1\r\nAuthorization: Bearer cli-token\r\nVersion: 2021-07-28",
        body,
    );
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    // The 25 generated, and the 3 people of the bundled sample every standalone sandbox has.
    assert!(resp.contains("\"total\":28"), "{resp}");
    assert!(
        resp.to_ascii_lowercase()
            .contains("x-ratelimit-remaining: 4"),
        "{resp}"
    );

    let resp = request(addr, "GET /_sandbox/stats HTTP/1.1", "");
    assert!(
        resp.contains("\"total_requests\":1") && resp.contains("\"max\":5"),
        "{resp}"
    );
}

/// Starts `ghl-bulk sandbox ARGS` and returns it with its first stdout line, parsed.
fn start_first_line(args: &[&str]) -> (Running, serde_json::Value) {
    let child = ghl_bulk()
        .arg("sandbox")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ghl-bulk runs");
    let mut child = Running(child);
    let stdout = child.0.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    (
        child,
        serde_json::from_str(&line).expect("the first line is JSON"),
    )
}

/// Starts `ghl-bulk sandbox ARGS` and returns it with its first line's base URL.
fn start(args: &[&str]) -> (Running, String) {
    let (child, first) = start_first_line(args);
    let base = first["base_url"].as_str().expect("base_url").to_string();
    (child, base)
}

/// Issue 13 item 1: the README's first import against a plain `ghl-bulk sandbox` exited 1
/// (`custom field 'contact.membership_level' does not exist`), and the nightly example failed
/// on `contact.previous_contact_id`: only `import --sandbox` and the README's test gave the
/// location what the bundled mappings need. Now the standalone sandbox has it too.
#[test]
fn a_plain_sandbox_has_what_the_bundled_samples_and_mappings_need() {
    let (_sandbox, base) = start(&["--limit", "off"]);
    let addr = base
        .strip_prefix("http://")
        .expect("http base url")
        .to_string();
    let auth =
        "Authorization: Bearer pit-sandbox-0000-0000-0000-000000000000\r\nVersion: 2021-07-28";
    let fields = request(
        &addr,
        &format!("GET /locations/SandboxLocation00001/customFields HTTP/1.1\r\n{auth}"),
        "",
    );
    for key in [
        "contact.membership_level",
        "contact.previous_contact_id",
        "contact.badge_id",
    ] {
        assert!(fields.contains(key), "{key} missing: {fields}");
    }
    let work = tempfile::tempdir().expect("scratch");
    let repo = env!("CARGO_MANIFEST_DIR");
    let import = |file: &str, mapping: &str, run: &str| {
        ghl_bulk()
            .current_dir(repo)
            .args(["import", file, "--mapping", mapping, "-q", "--run-dir"])
            .arg(work.path().join(run))
            .env("GHL_BASE_URL", &base)
            .env("GHL_TOKEN", "pit-sandbox-0000-0000-0000-000000000000")
            .env("GHL_LOCATION_ID", "SandboxLocation00001")
            .home(work.path())
            .output()
            .expect("ghl-bulk runs")
    };
    let first = import("samples/contacts.xlsx", "mappings/example.toml", "first");
    assert_eq!(
        first.status.code(),
        Some(3),
        "only the 5 rejected rows: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(work.path().join("first/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        summary["outcomes"]["updated"], 3,
        "the sample's 3 existing people are updated: {summary:#}"
    );
    let nightly = import(
        "samples/highlevel_export.csv",
        "mappings/highlevel_export.toml",
        "nightly",
    );
    assert_eq!(
        nightly.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&nightly.stderr)
    );

    // Issue 13 item 10: a loopback target keeps its state in the run folder, never in the
    // user's data folder.
    assert!(work.path().join("first/state.sqlite").is_file());
    assert!(
        !work.path().join("data").exists(),
        "the real state folder was written"
    );

    // --bare: the location as the library's default config has it.
    let (_bare, base) = start(&["--bare"]);
    let addr = base
        .strip_prefix("http://")
        .expect("http base url")
        .to_string();
    let fields = request(
        &addr,
        &format!("GET /locations/SandboxLocation00001/customFields HTTP/1.1\r\n{auth}"),
        "",
    );
    assert!(!fields.contains("membership_level"), "{fields}");
    let resp = request(
        &addr,
        &format!("POST /contacts/search HTTP/1.1\r\n{auth}"),
        r#"{"locationId":"SandboxLocation00001","pageLimit":10}"#,
    );
    assert!(resp.contains("\"total\":0"), "{resp}");
}

/// Issue 16 item 4: `--locations N` serves N locations, each with its own token and data, all
/// listed on the first line with the agency's OAuth client; an agency token is refused on
/// `/contacts/*` and lists the locations on `/oauth/installedLocations`.
#[test]
fn many_locations_and_the_agency_are_on_the_first_line_and_answer() {
    let (_sandbox, first) = start_first_line(&["--locations", "3", "--limit", "off"]);
    let locations = first["locations"].as_array().expect("locations");
    assert_eq!(locations.len(), 3, "{first}");
    assert_eq!(locations[0]["id"], "SandboxLocation00001");
    assert_eq!(
        locations[0]["token"], first["token"],
        "the first is the default location"
    );
    assert_eq!(locations[2]["id"], "SandboxLocation00003");
    let agency = &first["agency"];
    for key in [
        "client_id",
        "client_secret",
        "refresh_token",
        "company_id",
        "app_id",
    ] {
        assert!(
            agency[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key}: {first}"
        );
    }
    let base = first["base_url"].as_str().expect("base_url");
    let addr = base.strip_prefix("http://").expect("http base url");
    let search = |location: &str, token: &str| {
        request(
            addr,
            &format!("POST /contacts/search HTTP/1.1\r\nAuthorization: Bearer {token}\r\nVersion: 2021-07-28"),
            &format!(r#"{{"locationId":"{location}","pageLimit":10}}"#),
        )
    };
    let id = |n: usize| locations[n]["id"].as_str().expect("id");
    let token = |n: usize| locations[n]["token"].as_str().expect("token");
    // The default location has the bundled sample's people; the others start empty.
    assert!(
        search(id(0), token(0)).contains("\"total\":3"),
        "{}",
        search(id(0), token(0))
    );
    let third = search(id(2), token(2));
    assert!(
        third.starts_with("HTTP/1.1 200") && third.contains("\"total\":0"),
        "{third}"
    );
    let crossed = search(id(1), token(2));
    assert!(crossed.starts_with("HTTP/1.1 403"), "{crossed}");

    // The agency's refresh token gives a company token ...
    let form = format!(
        "client_id={}&client_secret={}&grant_type=refresh_token&refresh_token={}&user_type=Company",
        agency["client_id"].as_str().expect("client_id"),
        agency["client_secret"].as_str().expect("client_secret"),
        agency["refresh_token"].as_str().expect("refresh_token"),
    );
    let resp = form_post(addr, "/oauth/token", &form);
    let body = resp.split("\r\n\r\n").nth(1).expect("a body");
    let grant: serde_json::Value = serde_json::from_str(body).expect("JSON");
    let company = grant["access_token"].as_str().expect("access_token");
    // ... refused on /contacts/* with HighLevel's 401 ...
    let refused = search(id(0), company);
    assert!(
        refused.starts_with("HTTP/1.1 401")
            && refused.contains("The token is not authorized for this scope."),
        "{refused}"
    );
    // ... and listing the three locations.
    let listed = request(
        addr,
        &format!(
            "GET /oauth/installedLocations?companyId={}&appId={} HTTP/1.1\r\nAuthorization: Bearer {company}\r\nVersion: 2021-07-28",
            agency["company_id"].as_str().expect("company_id"),
            agency["app_id"].as_str().expect("app_id"),
        ),
        "",
    );
    assert!(listed.contains("\"count\":3"), "{listed}");
}

/// A form-encoded POST over a plain socket.
fn form_post(addr: &str, path: &str, form: &str) -> String {
    let head = format!("POST {path} HTTP/1.1");
    send(addr, &head, "application/x-www-form-urlencoded", form)
}
