//! Talking OAuth to the sandbox: form-encoded posts and query-string gets whose requests are
//! checked against oauth.json before they go (unless a test breaks them on purpose) and whose
//! answers are checked for their status, and a client that does not follow redirects (to see
//! `GET /oauth/chooselocation`'s 302 itself).

use super::spec::Spec;
use super::{Api, Reply};
use serde_json::Value;
use std::time::Duration;

/// Whether a request is meant to break the spec (a 422 case): then it is sent unchecked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Check the request against the spec before sending it.
    Request,
    /// Send as is (the request breaks the spec on purpose).
    Skip,
}

impl Api {
    /// `POST path` with a form body, the bearer and `Version` (both left out on `/oauth/token`,
    /// which takes neither).
    pub async fn form(&self, path: &str, form: &[(&str, &str)], check: Check) -> Reply {
        let spec = Spec::get();
        if check == Check::Request {
            spec.check_form("POST", path, form)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let mut rb = self.client.post(format!("{}{path}", self.base)).form(form);
        if path != "/oauth/token" {
            rb = rb.bearer_auth(&self.token).header("Version", "2021-07-28");
        }
        let r = rb
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        checked("POST", path, r).await
    }

    /// `GET path?query` with the bearer and `Version`.
    pub async fn get_query(&self, path: &str, query: &[(&str, &str)], check: Check) -> Reply {
        let spec = Spec::get();
        if check == Check::Request {
            spec.check_query("GET", path, query)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let qs = serde_urlencoded::to_string(query).expect("query encodes");
        let r = self
            .client
            .get(format!("{}{path}?{qs}", self.base))
            .bearer_auth(&self.token)
            .header("Version", "2021-07-28")
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        checked("GET", path, r).await
    }

    /// The same client, but one that shows redirects instead of following them.
    pub fn without_redirects(&self) -> Api {
        Api {
            client: super::client_builder()
                .timeout(Duration::from_secs(20))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            ..self.clone()
        }
    }
}

async fn checked(method: &str, path: &str, r: reqwest::Response) -> Reply {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.expect("body");
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Spec::get()
        .check_response(method, path, status, &body)
        .unwrap_or_else(|e| panic!("{e}"));
    Reply {
        status,
        headers,
        body,
    }
}
