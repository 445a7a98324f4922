//! The HighLevel client: the only place that sets `Authorization` and `Version`, and the only
//! loop that sends a request, so that every request goes through the one limiter and the one
//! retry policy.

use super::endpoint::BaseUrl;
use super::guard;
use super::limiter::{DailyReserve, Limiter, RateLimitHeaders};
use super::models::ErrorBody;
use super::oauth::{Credentials, SharedTokens, TokenSource};
use super::retry::{classify, Action, Attempt, Idempotency, RetryConfig, RetryPolicy};
use super::secret::Secret;
use super::stats::RequestStats;
use super::ApiError;
use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The API version every contacts call names (the only value the 2021-07-28 spec allows).
pub const API_VERSION: &str = "2021-07-28";

/// Everything a client needs.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub base_url: BaseUrl,
    pub location_id: String,
    pub credentials: Credentials,
    /// Per-attempt timeout (connect + request + response).
    pub timeout: Duration,
    pub daily_reserve: DailyReserve,
    pub retry: RetryConfig,
    /// Seed for the backoff jitter.
    pub seed: u64,
    /// Token state shared with other clients of the same agency (see [`SharedTokens`]);
    /// `None`: this client's own.
    pub shared_tokens: Option<SharedTokens>,
}

impl ClientConfig {
    /// A config with the defaults for everything but where and who.
    pub fn new(base_url: BaseUrl, location_id: String, credentials: Credentials) -> Self {
        ClientConfig {
            base_url,
            location_id,
            credentials,
            timeout: Duration::from_secs(30),
            daily_reserve: DailyReserve::Fraction(0.01),
            retry: RetryConfig::default(),
            seed: 0x5eed,
            shared_tokens: None,
        }
    }
}

/// One request, described before it is sent (it may be sent several times).
pub(crate) struct Call<'a> {
    /// Stable label for statistics, e.g. `POST /contacts/upsert`.
    pub endpoint: &'static str,
    pub method: Method,
    pub path: String,
    pub query: &'a [(&'a str, &'a str)],
    pub body: Option<Vec<u8>>,
    pub idempotency: Idempotency,
}

impl<'a> Call<'a> {
    /// A call with neither query nor body (`GET`, `DELETE`). Safe to resend: reading twice
    /// changes nothing, and a second delete finds nothing, which callers read as done.
    pub(crate) fn bare(endpoint: &'static str, method: Method, path: String) -> Self {
        Call {
            endpoint,
            method,
            path,
            query: &[],
            body: None,
            idempotency: Idempotency::Safe,
        }
    }

    /// A call sending `body` as JSON, with no query.
    pub(crate) fn json<B: Serialize>(
        endpoint: &'static str,
        method: Method,
        path: String,
        body: &B,
        idempotency: Idempotency,
    ) -> Result<Self, ApiError> {
        Ok(Call {
            body: Some(Client::json(body)?),
            idempotency,
            ..Call::bare(endpoint, method, path)
        })
    }
}

/// A client for one location. Cheap to share behind an `Arc`.
pub struct Client {
    http: reqwest::Client,
    base: BaseUrl,
    location_id: String,
    timeout: Duration,
    tokens: TokenSource,
    limiter: Arc<Limiter>,
    retry: RetryPolicy,
    stats: RequestStats,
    /// The `Authorization` value of the last token seen: built once per token, not per
    /// request (a `format!` and a header validation each time otherwise).
    bearer: Mutex<Option<(Secret, HeaderValue)>>,
    /// How many `Authorization` values were built: what a test holds the cache to.
    bearer_builds: AtomicU64,
}

/// `Version`, spelled as HTTP/1.1 sends it either way (header names are case-insensitive).
static VERSION_HEADER: HeaderName = HeaderName::from_static("version");

impl Client {
    /// Builds the client; no request is sent yet.
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        let http = guard::http_client_builder()
            .user_agent(concat!("ghl-bulk/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10).min(config.timeout))
            .pool_idle_timeout(Duration::from_secs(60))
            // A 3xx is refused (see `guard`): followed, it could carry the token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| ApiError::Build(err.to_string()))?;
        Ok(Client {
            http,
            base: config.base_url,
            tokens: TokenSource::with_shared(
                config.credentials,
                config.location_id.clone(),
                config.shared_tokens.unwrap_or_default(),
            ),
            location_id: config.location_id,
            timeout: config.timeout,
            limiter: Arc::new(Limiter::new(config.daily_reserve)),
            retry: RetryPolicy::new(config.retry, config.seed),
            stats: RequestStats::default(),
            bearer: Mutex::new(None),
            bearer_builds: AtomicU64::new(0),
        })
    }

    /// How many `Authorization` header values this client has built (one per token).
    pub fn bearer_builds(&self) -> u64 {
        self.bearer_builds.load(Ordering::Relaxed)
    }

    /// The header value for `token`, from the cache when the token is the one it holds.
    fn bearer_header(&self, token: &Secret) -> HeaderValue {
        let mut cached = self.bearer.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((known, value)) = cached.as_ref() {
            if known == token {
                return value.clone();
            }
        }
        self.bearer_builds.fetch_add(1, Ordering::Relaxed);
        let value = bearer(token);
        *cached = Some((token.clone(), value.clone()));
        value
    }

    /// The location every call is for.
    pub fn location_id(&self) -> &str {
        &self.location_id
    }

    /// The location's limiter (rate, throttled time, daily budget).
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// Request counters.
    pub fn stats(&self) -> &RequestStats {
        &self.stats
    }

    /// The retry policy (its budget).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Sends a call until it succeeds, fails for good, or its outcome becomes unknown.
    pub(crate) async fn send<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, ApiError> {
        let url = self.base.join(&call.path);
        // Built once per call: each attempt shares the bytes instead of copying them.
        let body = call.body.map(Bytes::from);
        let mut attempts = 0u32;
        let mut throttled = 0u32;
        let mut reauthenticated = false;
        loop {
            self.limiter.acquire().await?;
            let token = self.tokens.bearer(&self.http, &self.base).await?;
            self.stats.sending();
            attempts += 1;
            let mut request = self
                .http
                .request(call.method.clone(), url.clone())
                .header(AUTHORIZATION, self.bearer_header(&token))
                .header(&VERSION_HEADER, HeaderValue::from_static(API_VERSION))
                .header(ACCEPT, HeaderValue::from_static("application/json"))
                .timeout(self.timeout);
            if !call.query.is_empty() {
                request = request.query(call.query);
            }
            if let Some(body) = &body {
                request = request
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(body.clone());
            }
            let retry = attempts + throttled > 1;
            let (attempt, response) = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    if let Some(refusal) = guard::refuse_redirect(&response) {
                        self.stats
                            .record(call.endpoint, &status_label(status), retry);
                        return Err(refused(call.endpoint, refusal));
                    }
                    let headers = RateLimitHeaders::parse(response.headers());
                    self.limiter
                        .observe(&headers, status == StatusCode::TOO_MANY_REQUESTS);
                    match guard::read_capped(response, guard::body_cap(call.endpoint)).await {
                        Ok(Ok(bytes)) => (Attempt::Status(status), Some((status, bytes))),
                        Ok(Err(refusal)) => {
                            self.stats
                                .record(call.endpoint, &status_label(status), retry);
                            return Err(refused(call.endpoint, refusal));
                        }
                        Err(err) => (transport_attempt(&err), None),
                    }
                }
                Err(err) => {
                    if let Some(refusal) = guard::tls_failure(&err) {
                        self.stats.record(call.endpoint, "tls", retry);
                        return Err(refused(call.endpoint, refusal));
                    }
                    (transport_attempt(&err), None)
                }
            };
            self.stats
                .record(call.endpoint, &attempt_label(attempt), retry);
            match classify(attempt, call.idempotency) {
                Action::Done => {
                    return self.finish(call.endpoint, response, "a response was classified done");
                }
                Action::Throttled => {
                    throttled += 1;
                    if throttled > self.retry.config().max_throttled {
                        return Err(ApiError::RateLimited {
                            endpoint: call.endpoint,
                            times: throttled,
                        });
                    }
                    tracing::debug!(
                        endpoint = call.endpoint,
                        "Rate limited; resending after the window."
                    );
                }
                Action::Reauthenticate if !reauthenticated && self.tokens.can_refresh() => {
                    reauthenticated = true;
                    self.tokens
                        .refresh_after_401(&self.http, &self.base, &token)
                        .await?;
                }
                Action::Reauthenticate => {
                    return self.finish(call.endpoint, response, "a 401 was classified");
                }
                Action::Backoff => {
                    if attempts >= self.retry.config().max_attempts || !self.retry.try_spend() {
                        return Err(ApiError::Exhausted {
                            endpoint: call.endpoint,
                            attempts,
                            last: attempt_label(attempt).into_owned(),
                        });
                    }
                    let delay = self.retry.backoff(attempts);
                    tracing::debug!(
                        endpoint = call.endpoint,
                        attempt = attempts,
                        outcome = %attempt_label(attempt),
                        delay_ms = delay.as_millis() as u64,
                        "Transient failure; backing off."
                    );
                    tokio::time::sleep(delay).await;
                }
                Action::InDoubt => {
                    return Err(ApiError::InDoubt {
                        endpoint: call.endpoint,
                        last: attempt_label(attempt).into_owned(),
                    })
                }
            }
        }
    }

    /// The call's result from the response `classify` settled on (a success, or an error that
    /// no retry mends); `settled` says how, for the error should that response, against the
    /// rules, have no body.
    fn finish<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        response: Option<(StatusCode, Vec<u8>)>,
        settled: &str,
    ) -> Result<T, ApiError> {
        let (status, bytes) =
            response.ok_or_else(|| ApiError::Build(format!("{settled} without a body")))?;
        if status.is_success() {
            self.retry.refund();
            return serde_json::from_slice(&bytes).map_err(|err| ApiError::Decode {
                endpoint,
                detail: err.to_string(),
            });
        }
        let body = serde_json::from_slice::<ErrorBody>(&bytes).unwrap_or_else(|_| ErrorBody {
            message: serde_json::Value::String(
                String::from_utf8_lossy(&bytes).chars().take(300).collect(),
            ),
            ..ErrorBody::default()
        });
        Err(ApiError::Status {
            endpoint,
            status: status.as_u16(),
            body: Box::new(body),
        })
    }

    pub(crate) fn json<B: Serialize>(body: &B) -> Result<Vec<u8>, ApiError> {
        serde_json::to_vec(body).map_err(|err| ApiError::Build(err.to_string()))
    }
}

fn refused(endpoint: &'static str, refusal: guard::Refusal) -> ApiError {
    ApiError::Refused { endpoint, refusal }
}

fn bearer(token: &Secret) -> HeaderValue {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid"));
    // Marks the header so HTTP tooling (and reqwest's Debug) never shows it.
    value.set_sensitive(true);
    value
}

fn transport_attempt(err: &reqwest::Error) -> Attempt {
    if err.is_connect() {
        Attempt::ConnectFailed
    } else if err.is_timeout() {
        Attempt::TimedOut
    } else {
        Attempt::Broken
    }
}

fn attempt_label(attempt: Attempt) -> std::borrow::Cow<'static, str> {
    match attempt {
        Attempt::Status(status) => status_label(status),
        Attempt::ConnectFailed => "connect".into(),
        Attempt::TimedOut => "timeout".into(),
        Attempt::Broken => "broken".into(),
    }
}

/// A status as the counters label it (its three digits); the two every write gets back
/// without an allocation.
fn status_label(status: StatusCode) -> std::borrow::Cow<'static, str> {
    match status.as_u16() {
        200 => "200".into(),
        201 => "201".into(),
        code => code.to_string().into(),
    }
}
