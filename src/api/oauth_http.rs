//! The wire side of HighLevel's OAuth routes: one request to `/oauth/*`, its answer read under
//! the answer cap with no redirect followed, and the documented token answers as types. The
//! deciding (when to refresh, which token to send) lives in `oauth` and `agency`.

use super::endpoint::BaseUrl;
use super::guard;
use super::oauth::AuthError;
use super::secret::Secret;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::time::Duration;

/// Whose token HighLevel issued: an agency's (company) or a sub-account's (location).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
pub enum UserType {
    Company,
    Location,
}

impl UserType {
    /// The form value of `user_type` (and of the answer's `userType`).
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Company => "Company",
            UserType::Location => "Location",
        }
    }
}

/// `POST /oauth/token`'s answer (GetAccessCodeSuccessfulResponseDto), the fields we use.
#[derive(Deserialize)]
pub(crate) struct TokenAnswer {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub expires_in: Option<u64>,
    #[serde(default, rename = "userType")]
    pub user_type: Option<String>,
    #[serde(default, rename = "companyId")]
    pub company_id: Option<String>,
    #[serde(default, rename = "locationId")]
    pub location_id: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default, rename = "approvedLocations")]
    pub approved_locations: Vec<String>,
    #[serde(default, rename = "userId")]
    pub user_id: Option<String>,
}

impl TokenAnswer {
    /// The answer's user type; a token whose answer does not say is taken for a location
    /// token (what HighLevel's example answer and every pre-agency token are).
    pub fn user_type(&self) -> UserType {
        match self.user_type.as_deref() {
            Some("Company") => UserType::Company,
            _ => UserType::Location,
        }
    }
}

/// `POST /oauth/locationToken`'s answer (GetLocationAccessTokenSuccessfulResponseDto).
#[derive(Deserialize)]
pub(crate) struct LocationTokenAnswer {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<u64>,
}

/// One location of `GET /oauth/installedLocations`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct InstalledLocation {
    #[serde(rename = "_id")]
    pub id: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Deserialize)]
pub(crate) struct InstalledPage {
    #[serde(default)]
    pub locations: Vec<InstalledLocation>,
    #[serde(default)]
    pub count: Option<u64>,
}

/// What an `/oauth/*` request carries besides its path.
pub(crate) enum Body<'a> {
    /// A form (`/oauth/token`, `/oauth/locationToken`).
    Form(&'a [(&'a str, &'a str)]),
    /// A query (`/oauth/installedLocations`).
    Query(&'a [(&'a str, &'a str)]),
}

/// Times a 429 on an `/oauth/*` route is waited out before it counts as a refusal.
const THROTTLED_RETRIES: u32 = 5;

/// The longest wait for one 429, whatever the server asks: a window of HighLevel's is 10 s.
const LONGEST_WAIT: Duration = Duration::from_secs(60);

/// Sends one request to an `/oauth/*` route and decodes its success answer. `bearer` and the
/// `Version` header go to the agency routes only: `/oauth/token` takes neither in the spec.
///
/// A 429 is waited out and the request sent again, up to [`THROTTLED_RETRIES`] times: the
/// company's own 100 / 10 s counts the agency's calls (one location token per location of a
/// run over many, the listing's pages), and a run over hundreds of locations must not lose
/// one to a full window. The safer reading of an undocumented case: a 429 means HighLevel did
/// not act on the request (no refresh token rotated), so sending it again is safe. A 429 that
/// says the day's budget is spent is not retried.
pub(crate) async fn call<T: DeserializeOwned>(
    http: &reqwest::Client,
    base: &BaseUrl,
    path: &str,
    body: Body<'_>,
    bearer: Option<&Secret>,
) -> Result<T, AuthError> {
    let mut attempt = 0;
    loop {
        match call_once(http, base, path, &body, bearer).await? {
            Answer::Done(bytes) => {
                return serde_json::from_slice(&bytes).map_err(|err| {
                    AuthError::Transport(format!("unreadable answer from {path}: {err}"))
                })
            }
            Answer::Throttled { wait, refusal } => {
                if attempt >= THROTTLED_RETRIES {
                    return Err(refusal);
                }
                let Some(wait) = wait else {
                    return Err(refusal);
                };
                attempt += 1;
                tracing::warn!(
                    path,
                    wait_ms = wait.as_millis() as u64,
                    attempt,
                    "HighLevel rate-limited an OAuth request (429); sending it again after the wait."
                );
                tokio::time::sleep(wait).await;
            }
        }
    }
}

/// One attempt's answer: the success body, or a 429 with how long to wait (`None`: the day's
/// budget is spent, waiting does not help).
enum Answer {
    Done(Vec<u8>),
    Throttled {
        wait: Option<Duration>,
        refusal: AuthError,
    },
}

async fn call_once(
    http: &reqwest::Client,
    base: &BaseUrl,
    path: &str,
    body: &Body<'_>,
    bearer: Option<&Secret>,
) -> Result<Answer, AuthError> {
    let url = base.join(path);
    let mut request = match body {
        Body::Form(form) => http.post(url).form(form),
        Body::Query(query) => http.get(url).query(query),
    };
    if let Some(token) = bearer {
        let mut value =
            reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                .map_err(|_| AuthError::Transport("the token is not a valid header".into()))?;
        value.set_sensitive(true);
        request = request
            .header(reqwest::header::AUTHORIZATION, value)
            .header("Version", super::client::API_VERSION);
    }
    let response = request
        .send()
        .await
        .map_err(|err| match guard::tls_failure(&err) {
            Some(refusal) => AuthError::Server(refusal),
            None => AuthError::Transport(err.without_url().to_string()),
        })?;
    let status = response.status();
    // No redirect is followed: a 307 here would re-post the client secret and the refresh
    // token (or the agency token) to wherever it points.
    if let Some(refusal) = guard::refuse_redirect(&response) {
        return Err(AuthError::Server(refusal));
    }
    let wait = (status.as_u16() == 429).then(|| throttled_wait(response.headers()));
    let bytes = guard::read_capped(response, guard::ONE_ANSWER_CAP)
        .await
        .map_err(|err| AuthError::Transport(err.without_url().to_string()))?
        .map_err(AuthError::Server)?;
    if status.is_success() {
        return Ok(Answer::Done(bytes));
    }
    let message = serde_json::from_slice::<super::models::ErrorBody>(&bytes)
        .map(|body| body.message_text())
        .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).chars().take(200).collect());
    let refusal = AuthError::Refused {
        status: status.as_u16(),
        message,
    };
    match wait {
        Some(wait) => Ok(Answer::Throttled { wait, refusal }),
        None => Err(refusal),
    }
}

/// How long a 429 asks to wait: `Retry-After` in seconds (HTTP's header; HighLevel does not
/// document it), else the burst window's length (`X-RateLimit-Interval-Milliseconds`, read as
/// the limiter reads it), else a second; clamped to half a second .. a minute. `None` when
/// `X-RateLimit-Daily-Remaining` says the day is spent.
fn throttled_wait(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let limits = super::limit_headers::RateLimitHeaders::parse(headers);
    if limits.daily_remaining == Some(0) {
        return None;
    }
    let retry_after = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|text| text.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let asked = retry_after
        .or(limits.interval)
        .unwrap_or(Duration::from_secs(1));
    Some(asked.clamp(Duration::from_millis(500), LONGEST_WAIT))
}

/// What `auth login` got for its code: who the tokens speak for and the tokens themselves.
pub struct Login {
    pub user_type: UserType,
    pub company_id: Option<String>,
    pub location_id: Option<String>,
    pub approved_locations: Vec<String>,
    pub scopes: Vec<String>,
    pub user_id: Option<String>,
    pub refresh_token: Secret,
    pub expires_in: Option<u64>,
}

/// The authorization-code grant (`POST /oauth/token`, `grant_type=authorization_code`) for a
/// code from the `chooselocation` page. `redirect_uri` is the one the code was asked with.
pub async fn exchange_code(
    base: &BaseUrl,
    client_id: &str,
    client_secret: &Secret,
    code: &Secret,
    redirect_uri: &str,
    user_type: UserType,
    timeout: std::time::Duration,
) -> Result<Login, AuthError> {
    let http = super::guard::http_client_builder()
        .user_agent(concat!("ghl-bulk/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|err| AuthError::Transport(err.to_string()))?;
    let form = [
        ("client_id", client_id),
        ("client_secret", client_secret.expose()),
        ("grant_type", "authorization_code"),
        ("code", code.expose()),
        ("redirect_uri", redirect_uri),
        ("user_type", user_type.as_str()),
    ];
    let answer: TokenAnswer = call(&http, base, "/oauth/token", Body::Form(&form), None).await?;
    let Some(refresh) = answer.refresh_token.as_deref() else {
        return Err(AuthError::Transport(
            "the token answer has no refresh token".into(),
        ));
    };
    Ok(Login {
        user_type: answer.user_type(),
        company_id: answer.company_id.clone(),
        location_id: answer.location_id.clone(),
        approved_locations: answer.approved_locations.clone(),
        scopes: answer
            .scope
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        user_id: answer.user_id.clone(),
        refresh_token: Secret::new(refresh),
        expires_in: answer.expires_in,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::limit_headers::tests::headers;

    #[test]
    fn a_429_waits_what_it_asks_within_bounds() {
        let wait = |pairs: &[(&'static str, &str)]| throttled_wait(&headers(pairs));
        assert_eq!(wait(&[("retry-after", "3")]), Some(Duration::from_secs(3)));
        assert_eq!(
            wait(&[("x-ratelimit-interval-milliseconds", "10000")]),
            Some(Duration::from_secs(10))
        );
        assert_eq!(wait(&[]), Some(Duration::from_secs(1)));
        // Hostile or broken values are clamped, never obeyed as they stand.
        assert_eq!(wait(&[("retry-after", "999999999")]), Some(LONGEST_WAIT));
        assert_eq!(
            wait(&[("retry-after", "0")]),
            Some(Duration::from_millis(500))
        );
        assert_eq!(wait(&[("retry-after", "-5")]), Some(Duration::from_secs(1)));
        assert_eq!(
            wait(&[("retry-after", "NaN")]),
            Some(Duration::from_secs(1))
        );
        // The day's budget spent: waiting a window does not help.
        assert_eq!(
            wait(&[("x-ratelimit-daily-remaining", "0"), ("retry-after", "1")]),
            None
        );
    }
}
