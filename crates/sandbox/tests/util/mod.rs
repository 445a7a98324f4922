//! Shared test harness: start a sandbox on 127.0.0.1:0 and talk to it with reqwest. Every call
//! made through [`Api::call`] has its request body checked against the spec's request schema,
//! and every answer (of any helper) has its body checked against the spec's schema for its
//! status, so all tests speak HighLevel's dialect, not only the conformance test. Also the
//! ways to wait without sleeping: polling for a condition, and holding a paused clock.

pub mod oauth;
pub mod related;
pub mod spec;

use ghl_sandbox::{spawn, Config, Handle, DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// A header as a number.
    pub fn header(&self, name: &str) -> Option<u64> {
        self.headers.get(name)?.to_str().ok()?.parse().ok()
    }
}

/// A client bound to one sandbox, token and location.
#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
    pub token: String,
    pub location: String,
}

/// A reqwest client builder. In the workspace's `cargo test`, reqwest is unified with the
/// tool's `rustls-no-provider` feature: a TLS crypto provider must be installed before a client
/// is built (the tool installs `ring` too; a provider installed first is kept).
#[allow(clippy::disallowed_methods)] // the one place this crate's tests make a builder
pub fn client_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

/// Starts a sandbox with `config` and a client using the default token and location.
pub async fn start(config: Config) -> (Handle, Api) {
    let handle = spawn(config).await.expect("sandbox starts");
    let api = Api {
        client: client_builder()
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client"),
        base: handle.base_url(),
        token: DEFAULT_TOKEN.into(),
        location: DEFAULT_LOCATION_ID.into(),
    };
    (handle, api)
}

/// A bare sandbox with limits off (tests that are not about limits should not trip them).
pub fn unlimited() -> Config {
    Config {
        rate_limit: ghl_sandbox::RateLimitConfig::off(),
        ..Config::default()
    }
}

/// [`unlimited`], keeping its state in `data` (`--data`) so that a sandbox started again
/// from it finds what the last one left.
pub fn persistent(data: &std::path::Path) -> Config {
    Config {
        data_file: Some(data.to_path_buf()),
        ..unlimited()
    }
}

impl Api {
    /// The same client with another token.
    pub fn with_token(&self, token: &str) -> Api {
        Api {
            token: token.into(),
            ..self.clone()
        }
    }

    /// Sends a spec-valid request (checked) and checks the answer.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        if let Some(b) = &body {
            if let Err(e) = spec::Spec::get().check_request(method, path, b) {
                panic!("{e}");
            }
        }
        self.raw(method, path, body, &[]).await
    }

    /// Sends any body (deliberately invalid ones included) with extra headers; checks the answer.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let r = self
            .send(method, path, body, headers)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        if let Err(e) = spec::Spec::get().check_response(method, path, r.status, &r.body) {
            panic!("{e}");
        }
        r
    }

    /// `GET path` (see [`Api::call`]).
    pub async fn get(&self, path: &str) -> Reply {
        self.call("GET", path, None).await
    }

    /// `POST path` with a spec-valid `body` (see [`Api::call`]).
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call("POST", path, Some(body)).await
    }

    /// `PUT path` with a spec-valid `body` (see [`Api::call`]).
    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call("PUT", path, Some(body)).await
    }

    /// `DELETE path` (see [`Api::call`]).
    pub async fn delete(&self, path: &str) -> Reply {
        self.call("DELETE", path, None).await
    }

    /// Sends a body the spec may refuse (an invalid request on purpose), with no extra headers;
    /// checks the answer.
    pub async fn unchecked(&self, method: &str, path: &str, body: Value) -> Reply {
        self.raw(method, path, Some(body), &[]).await
    }

    /// Sends without any check; transport errors are returned.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Result<Reply, reqwest::Error> {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut rb = self
            .client
            .request(m, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("version"))
        {
            rb = rb.header("Version", "2021-07-28");
        }
        for (k, v) in headers {
            if !v.is_empty() {
                rb = rb.header(*k, *v);
            }
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// Upserts a contact and returns its id.
    pub async fn upsert(&self, fields: Value) -> (bool, String) {
        let mut body = json!({ "locationId": self.location });
        if let (Some(b), Some(f)) = (body.as_object_mut(), fields.as_object()) {
            b.extend(f.clone());
        }
        let r = self.call("POST", "/contacts/upsert", Some(body)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        (
            r.body["new"].as_bool().unwrap_or_default(),
            r.body["contact"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    }

    /// `/_sandbox/contacts` of the default location.
    pub async fn stored(&self) -> Vec<Value> {
        self.admin("contacts").await
    }

    /// `/_sandbox/stats`.
    pub async fn stats(&self) -> ghl_sandbox::Stats {
        self.admin("stats").await
    }

    /// `GET /_sandbox/{what}`, read as JSON.
    async fn admin<T: serde::de::DeserializeOwned>(&self, what: &str) -> T {
        let r = self
            .client
            .get(format!("{}/_sandbox/{what}", self.base))
            .send()
            .await
            .expect("admin");
        r.json().await.expect("json")
    }
}

/// The string `key` of each object in the array `list` (a response's `contacts`, `events`…).
pub fn each<'a>(list: &'a Value, key: &str) -> Vec<&'a str> {
    let items = list.as_array().expect("an array");
    items.iter().map(|o| o[key].as_str().unwrap()).collect()
}

/// Polls `check` every 10 ms until it holds; panics naming `what` after `limit`.
pub async fn eventually<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Returns once the wall clock is in a later millisecond than when called: the sandbox stamps
/// `dateUpdated` in milliseconds, so an edit after this is stamped later than one before.
pub async fn next_millisecond() {
    let now_ms = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    };
    let start = now_ms();
    while now_ms() <= start {
        tokio::task::yield_now().await;
    }
}

/// Keeps a runtime whose clock is paused busy, so that its clock moves only by
/// `tokio::time::advance`. Tokio moves a paused clock to the next timer by itself whenever the
/// runtime has nothing to do, which a request in flight on loopback can briefly look like (the
/// client's 20 s timeout would then fire). Dropping the guard ends the task.
pub fn hold_clock() -> ClockHold {
    ClockHold(tokio::spawn(async {
        loop {
            tokio::task::yield_now().await;
        }
    }))
}

/// See [`hold_clock`].
pub struct ClockHold(tokio::task::JoinHandle<()>);

impl Drop for ClockHold {
    fn drop(&mut self) {
        self.0.abort();
    }
}
