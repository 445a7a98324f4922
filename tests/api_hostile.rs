//! Hostile servers (issue 19): a redirect is never followed (the token and the OAuth secret
//! never reach its target), an answer past its cap fails at once, a TLS failure is named and
//! final, a success without a usable contact id is not recorded as one, and a server that holds
//! the run back says so.

#![cfg(unix)]

use crate::util;
use crate::util::hostile::{Answer, Hostile, Seen};
use crate::util::{
    fast_config, import_run, ledger_rows, resume, run, workspace, FileSpec, Sandbox,
};
use ghl_bulk::api::guard::Refusal;
use ghl_bulk::api::{ApiError, AuthError, BaseUrl, Client, ClientConfig, Credentials};
use ghl_bulk::api::{OAuthConfig, Secret};
use ghl_sandbox::{DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

fn client(base: &str, credentials: Credentials) -> Client {
    let base = BaseUrl::parse(base).unwrap();
    let mut config = ClientConfig::new(base, DEFAULT_LOCATION_ID.into(), credentials);
    config.timeout = Duration::from_secs(10);
    Client::new(config).unwrap()
}

fn token() -> Credentials {
    Credentials::Token(Secret::new(DEFAULT_TOKEN))
}

fn small_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, file, _) = workspace(&FileSpec::clean(6, 19));
    (dir, file)
}

/// The target of a redirect: answers 200 to anything, and records what reached it.
fn target() -> Hostile {
    Hostile::start(|_| Answer::status(200, &[("content-type", "application/json")], "{}"))
}

/// 19.1: the API host redirects every call to another origin. The import stops with exit 1
/// naming the status and the target's host, and the target never sees a request (no token,
/// no contact data).
#[test]
fn an_api_redirect_is_fatal_and_its_target_sees_nothing() {
    let target = target();
    let location = format!("{}/contacts/upsert", target.base_url());
    let api = Hostile::start(move |_| Answer::status(307, &[("location", &location)], ""));
    let (dir, file) = small_file();
    let run_dir = dir.path().join("run");
    let out = import_run(&api.base_url(), &file, &run_dir, LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("HTTP 307");
    let host = format!("127.0.0.1:{}", target.port());
    assert!(
        out.stderr.contains(&host),
        "names the target: {}",
        out.describe()
    );
    assert!(!out.stderr.contains(DEFAULT_TOKEN), "no token in the error");
    assert!(
        target.seen().is_empty(),
        "the target saw {:?}",
        target.seen()
    );
    assert!(!api.seen().is_empty());
}

/// 19.1: a 307 on the token endpoint would re-post the client secret and the refresh token.
#[test]
fn a_token_endpoint_redirect_reposts_nothing() {
    let target = target();
    let location = format!("{}/oauth/token", target.base_url());
    let api = Hostile::start(move |_| Answer::status(307, &[("location", &location)], ""));
    let dir = tempfile::tempdir().unwrap();
    let refresh = dir.path().join("refresh-token");
    std::fs::write(&refresh, "the-refresh-token\n").unwrap();
    let client = client(
        &api.base_url(),
        Credentials::OAuth(OAuthConfig {
            client_id: "client".into(),
            client_secret: Secret::new("the-client-secret"),
            refresh: ghl_bulk::api::RefreshStore::File(refresh),
            user_type: None,
        }),
    );
    let error = api.block_on(client.custom_fields()).unwrap_err();
    assert!(
        matches!(
            &error,
            ApiError::Auth(AuthError::Server(Refusal::Redirect { status: 307, .. }))
        ),
        "{error:?}"
    );
    assert!(error.is_fatal());
    assert!(
        target.seen().is_empty(),
        "the target saw {:?}",
        target.seen()
    );
    assert_eq!(api.seen().len(), 1, "one request, no retry");
}

/// What the guard refused, when the error is a refusal.
fn refusal(error: &ApiError) -> Option<&Refusal> {
    match error {
        ApiError::Refused { refusal, .. } => Some(refusal),
        _ => None,
    }
}

/// 19.2: a 200 that announces 2 GB and one that streams without end both fail at the cap,
/// once (no retry), with an error that says so.
#[test]
fn an_answer_past_its_cap_fails_at_once() {
    for length in [Some(2u64 << 30), None] {
        let api = Hostile::start(move |_| Answer::Endless { length });
        let client = client(&api.base_url(), token());
        let error = api
            .block_on(client.get_contact("abc"))
            .expect_err("refused");
        assert!(
            matches!(refusal(&error), Some(Refusal::TooLarge { .. })),
            "{error:?}"
        );
        assert!(error.is_fatal());
        assert!(error.to_string().contains("larger than 2 MiB"), "{error}");
        assert_eq!(api.seen().len(), 1, "no retry");
    }
}

/// 19.7: a certificate nobody trusts is named, fails once (no retry), and the import exits 1
/// instead of 75 ("try again later").
#[test]
fn a_tls_failure_is_named_and_final() {
    let handshakes = Arc::new(AtomicUsize::new(0));
    let (runtime, port) = tls_server(handshakes.clone());
    let base = format!("https://127.0.0.1:{port}");
    let client = client(&base, token());
    let error = runtime
        .block_on(client.get_contact("abc"))
        .expect_err("refused");
    assert!(
        matches!(refusal(&error), Some(Refusal::Tls(_))),
        "{error:?}"
    );
    assert!(error.to_string().contains("unknown issuer"), "{error}");
    assert_eq!(handshakes.load(Ordering::SeqCst), 1, "no retry");

    let (dir, file) = small_file();
    let out = import_run(&base, &file, &dir.path().join("run"), LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("TLS failure");
    out.assert_stderr_has("unknown issuer");
}

/// A TLS server presenting tests/data/tls/self-signed.pem; counts handshakes attempted.
fn tls_server(handshakes: Arc<AtomicUsize>) -> (tokio::runtime::Runtime, u16) {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let cert = CertificateDer::from_pem_slice(include_bytes!("data/tls/self-signed.pem")).unwrap();
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("data/tls/self-signed.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    runtime.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            handshakes.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    (runtime, port)
}

/// 19.6: upserts answered 200 with an empty contact id. No row is recorded `created`, no tag
/// call is sent for them, nothing is remembered; the resume (against an honest server) delivers
/// each row once.
#[test]
fn a_success_without_a_contact_id_is_not_recorded() {
    // Duplicates refused, so that the resume's upserts find the contacts the first run made.
    let mut config = fast_config(19, (0, 0));
    config.locations[0].allow_duplicate_contact = false;
    let sandbox = Sandbox::start(config);
    let upstream = sandbox.base_url();
    // This test's own switch (tests beside it in this process must not see it).
    let empty_ids = Arc::new(AtomicBool::new(true));
    let lying = empty_ids.clone();
    let api = Hostile::start(move |seen: &Seen| {
        let empty = lying.load(Ordering::SeqCst) && seen.path.starts_with("/contacts/upsert");
        Answer::Forward {
            upstream: upstream.clone(),
            edit: empty.then_some(|json: &mut serde_json::Value| {
                json["contact"]["id"] = "".into();
            }),
        }
    });
    let (dir, file) = small_file();
    let run_dir = dir.path().join("run");
    let out = import_run(&api.base_url(), &file, &run_dir, LIMIT);
    assert_eq!(out.code, Some(3), "{}", out.describe());
    let rows = ledger_rows(&run_dir);
    for row in rows.iter().filter(|r| r.merged_into.is_none()) {
        assert_eq!(row.state, "failed", "{row:?}");
        assert_eq!(row.contact_id, None, "{row:?}");
    }
    assert!(
        !api.seen().iter().any(|s| s.path.contains("/bulk/tags")),
        "a tag call was sent for a contact without an id"
    );
    let rejects = std::fs::read_to_string(run_dir.join("rejects.csv")).unwrap();
    assert!(rejects.contains("no_contact_id"), "{rejects}");

    empty_ids.store(false, Ordering::SeqCst);
    let out = run(resume(&api.base_url(), DEFAULT_TOKEN, &run_dir), LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let delivered = ledger_rows(&run_dir)
        .into_iter()
        .filter(|r| r.merged_into.is_none())
        .filter(|r| r.state == "created" || r.state == "updated")
        .count();
    assert_eq!(
        delivered,
        rows.iter().filter(|r| r.merged_into.is_none()).count()
    );
    assert_eq!(sandbox.contacts().len(), delivered, "one contact per row");
}

/// 19.3: a 429 whose window is absurd neither crashes nor freezes the run; the user is told
/// once that the header is nonsense, and told that the server holds the run back, and why.
#[test]
fn absurd_rate_limit_headers_are_clamped_and_told() {
    let sandbox = Sandbox::start(fast_config(20, (0, 0)));
    let upstream = sandbox.base_url();
    let throttled = Arc::new(AtomicUsize::new(0));
    let count = throttled.clone();
    let api = Hostile::start(move |seen: &Seen| {
        if seen.path.starts_with("/contacts/upsert") && count.fetch_add(1, Ordering::SeqCst) == 0 {
            // Read as 18446744073709551615 ms this panicked (exit 101); it is clamped to 60 s,
            // and the 4 s of the second header is what the hold lasts.
            return Answer::status(
                429,
                &[
                    ("x-ratelimit-max", "100"),
                    ("x-ratelimit-interval-milliseconds", "4000"),
                    ("x-ratelimit-daily-remaining", "lots"),
                ],
                r#"{"message":"Too many requests"}"#,
            );
        }
        Answer::Forward {
            upstream: upstream.clone(),
            edit: None,
        }
    });
    let (dir, file) = small_file();
    let out = import_run(&api.base_url(), &file, &dir.path().join("run"), LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    out.assert_stderr_has("held back for 4 s: HighLevel answered 429");
    assert_eq!(
        out.stderr.matches("x-ratelimit-daily-remaining").count(),
        1,
        "warned once: {}",
        out.describe()
    );
}

/// 13.8: with tags, the last progress line counts every row and every request answered, and
/// its throttled time is within the time elapsed.
#[test]
fn the_last_progress_line_adds_up() {
    let sandbox = Sandbox::start(fast_config(21, (0, 2)));
    let (dir, file, _) = workspace(&FileSpec::clean(60, 21));
    let run_dir = dir.path().join("run");
    let out = import_run(&sandbox.base_url(), &file, &run_dir, LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let line = out.stderr_line("Delivered: ");
    let summary = util::summary(&run_dir);
    let requests = summary["delivery"]["requests"]["total"].as_u64().unwrap();
    let staged = summary["estimate"]["rows"].as_u64().unwrap();
    assert!(
        line.contains(&format!("{staged}/{staged} rows")),
        "{line} ({staged} rows)"
    );
    // The probe before delivery is not the run's progress.
    let delivered = requests - 1;
    assert!(
        line.contains(&format!("{delivered}/{delivered} requests")),
        "{line} ({delivered} requests)"
    );
    assert!(line.contains("req/s of "), "{line}");
    assert!(
        summary["estimate"]["tags"].as_u64().unwrap() > 0,
        "the run sent tags"
    );
}

/// A server whose full snapshot page carries no `searchAfter` cursor: the view must not take
/// half a location for all of it (a contact on a later page would be taken for a new person),
/// so the import stops before its first write.
#[test]
fn a_full_snapshot_page_without_a_cursor_stops_the_import_before_any_write() {
    let contact = |i: usize| format!(r#"{{"id":"h{i:05}","email":"h{i}@hostile.example"}}"#);
    let api = Hostile::start(move |seen: &Seen| {
        let json = [("content-type", "application/json")];
        if seen.path.contains("customFields") {
            return Answer::status(200, &json, r#"{"customFields":[]}"#);
        }
        if seen.method == "POST" && seen.path.starts_with("/contacts/search") {
            let body = String::from_utf8_lossy(&seen.body);
            // Every page is full, without a cursor: the survey (the snapshot's first page)
            // already says the location has more than it sent. A `pageLimit` 1 search gets one.
            let n = if body.contains("\"pageLimit\":1,") || body.contains("\"pageLimit\":1}") {
                1
            } else {
                500
            };
            let contacts: Vec<String> = (0..n).map(contact).collect();
            let page = format!(r#"{{"contacts":[{}],"total":1000}}"#, contacts.join(","));
            return Answer::status(200, &json, &page);
        }
        Answer::status(500, &json, r#"{"message":"not expected here"}"#)
    });
    let (dir, file) = small_file();
    let run_dir = dir.path().join("run");
    let mut cmd = util::ghl_bulk();
    cmd.env("GHL_BULK_CONFIG", "/dev/null")
        .env("GHL_BASE_URL", api.base_url())
        .env("GHL_TOKEN", DEFAULT_TOKEN)
        .env("GHL_LOCATION_ID", DEFAULT_LOCATION_ID)
        .arg("import")
        .arg(&file)
        .args(["--mapping", util::MAPPING, "--run-dir"])
        .arg(&run_dir);
    let out = run(cmd, LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("without a searchAfter cursor");
    let writes: Vec<String> = api
        .seen()
        .iter()
        .filter(|s| s.method != "GET" && !s.path.starts_with("/contacts/search"))
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    assert!(writes.is_empty(), "writes were sent: {writes:?}");
    assert!(
        api.seen()
            .iter()
            .filter(|s| s.path.starts_with("/contacts/search"))
            .count()
            >= 1,
        "the survey, the snapshot's first page, was read"
    );
}
