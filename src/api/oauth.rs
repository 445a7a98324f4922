//! Where the bearer token comes from: a static token (private integration token or an OAuth
//! access token), or OAuth refresh with a rotating refresh token kept in a file.
//!
//! HighLevel refresh tokens are single-use: every refresh returns a new one and the old one dies
//! (ghl-api.md §1.3). The new one is written to the file *before* the new access token is used,
//! atomically (temporary file with mode 0600, fsync, rename), so a crash can never leave the
//! operator with only a dead refresh token.

use super::endpoint::BaseUrl;
use super::guard;
use super::secret::Secret;
use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::time::Instant;

/// Refresh this long before the access token expires (the official SDK uses 30 s).
const REFRESH_AHEAD: Duration = Duration::from_secs(60);

/// How the client authenticates.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A static bearer token.
    Token(Secret),
    /// OAuth refresh-token grant.
    OAuth(OAuthConfig),
}

/// The OAuth app and the file that holds its current refresh token.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    pub client_id: String,
    pub client_secret: Secret,
    pub refresh_token_file: PathBuf,
}

/// Authentication failures (always fatal for the run).
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot read the refresh token file {path}")]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the refresh token file {path} is empty")]
    EmptyFile { path: PathBuf },
    #[error("cannot write the new refresh token to {path}")]
    WriteFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the token refresh request failed: {0}")]
    Transport(String),
    /// A redirect, an oversized answer or a TLS failure from the token endpoint.
    #[error("the token refresh failed: {0}")]
    Server(guard::Refusal),
    #[error("the token refresh was refused (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

struct Access {
    token: Secret,
    expires_at: Option<Instant>,
}

/// Hands out the current access token and refreshes it when needed.
pub(crate) struct TokenSource {
    credentials: Credentials,
    current: tokio::sync::Mutex<Option<Access>>,
}

impl TokenSource {
    pub(crate) fn new(credentials: Credentials) -> Self {
        let current = match &credentials {
            Credentials::Token(token) => Some(Access {
                token: token.clone(),
                expires_at: None,
            }),
            Credentials::OAuth(_) => None,
        };
        TokenSource {
            credentials,
            current: tokio::sync::Mutex::new(current),
        }
    }

    /// Whether a 401 can be cured by refreshing.
    pub(crate) fn can_refresh(&self) -> bool {
        matches!(self.credentials, Credentials::OAuth(_))
    }

    /// The token to send now, refreshed first if it expires within a minute.
    pub(crate) async fn bearer(
        &self,
        http: &reqwest::Client,
        base: &BaseUrl,
    ) -> Result<Secret, AuthError> {
        let mut current = self.current.lock().await;
        if let Some(access) = current.as_ref() {
            let fresh = access
                .expires_at
                .is_none_or(|at| at > Instant::now() + REFRESH_AHEAD);
            if fresh {
                return Ok(access.token.clone());
            }
        }
        let access = self.refresh_locked(http, base).await?;
        let token = access.token.clone();
        *current = Some(access);
        Ok(token)
    }

    /// After a 401 with `rejected`: refresh, unless another request already did.
    pub(crate) async fn refresh_after_401(
        &self,
        http: &reqwest::Client,
        base: &BaseUrl,
        rejected: &Secret,
    ) -> Result<Secret, AuthError> {
        let mut current = self.current.lock().await;
        if let Some(access) = current.as_ref() {
            if access.token != *rejected {
                return Ok(access.token.clone());
            }
        }
        let access = self.refresh_locked(http, base).await?;
        let token = access.token.clone();
        *current = Some(access);
        Ok(token)
    }

    async fn refresh_locked(
        &self,
        http: &reqwest::Client,
        base: &BaseUrl,
    ) -> Result<Access, AuthError> {
        let config = match &self.credentials {
            Credentials::OAuth(config) => config,
            Credentials::Token(token) => {
                return Ok(Access {
                    token: token.clone(),
                    expires_at: None,
                })
            }
        };
        let refresh_token = read_refresh_token(&config.refresh_token_file)?;
        let form = [
            ("client_id", config.client_id.as_str()),
            ("client_secret", config.client_secret.expose()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
            ("user_type", "Location"),
        ];
        let response = http
            .post(base.join("/oauth/token"))
            .form(&form)
            .send()
            .await
            .map_err(|err| match guard::tls_failure(&err) {
                Some(refusal) => AuthError::Server(refusal),
                None => AuthError::Transport(err.without_url().to_string()),
            })?;
        let status = response.status();
        // The client follows no redirect: a 307 here would re-post the client secret and the
        // refresh token to wherever it points.
        if let Some(refusal) = guard::refuse_redirect(&response) {
            return Err(AuthError::Server(refusal));
        }
        let bytes = guard::read_capped(response, guard::ONE_ANSWER_CAP)
            .await
            .map_err(|err| AuthError::Transport(err.without_url().to_string()))?
            .map_err(AuthError::Server)?;
        if !status.is_success() {
            let message = serde_json::from_slice::<super::models::ErrorBody>(&bytes)
                .map(|body| body.message_text())
                .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).chars().take(200).collect());
            return Err(AuthError::Refused {
                status: status.as_u16(),
                message,
            });
        }
        let body: TokenResponse = serde_json::from_slice(&bytes)
            .map_err(|err| AuthError::Transport(format!("unreadable token response: {err}")))?;
        if let Some(rotated) = body.refresh_token.as_deref() {
            write_refresh_token(&config.refresh_token_file, &Secret::new(rotated))?;
        }
        tracing::info!(
            expires_in = body.expires_in,
            "Refreshed the OAuth access token."
        );
        Ok(Access {
            token: Secret::new(body.access_token),
            expires_at: body
                .expires_in
                .map(|secs| Instant::now() + Duration::from_secs(secs)),
        })
    }
}

fn read_refresh_token(path: &Path) -> Result<Secret, AuthError> {
    let text = std::fs::read_to_string(path).map_err(|source| AuthError::ReadFile {
        path: path.to_path_buf(),
        source,
    })?;
    let token = Secret::new(text);
    if token.is_empty() {
        return Err(AuthError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    Ok(token)
}

/// Replaces the token file atomically: a temporary file in the same folder, mode 0600, synced,
/// renamed over the old one, and the folder synced so the rename survives a power cut.
pub(crate) fn write_refresh_token(path: &Path, token: &Secret) -> Result<(), AuthError> {
    let fail = |source| AuthError::WriteFile {
        path: path.to_path_buf(),
        source,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "refresh-token".into());
    let tmp = crate::run::atomic::folder(path).join(format!(".{name}.tmp-{}", std::process::id()));
    let (pending, mut file) =
        crate::run::atomic::AtomicFile::create_as(path, tmp, Some(0o600)).map_err(fail)?;
    file.write_all(token.expose().as_bytes()).map_err(fail)?;
    file.write_all(b"\n").map_err(fail)?;
    pending.commit(Some(file)).map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_file_is_replaced_atomically_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("refresh-token");
        std::fs::write(&path, "old\n").unwrap();
        write_refresh_token(&path, &Secret::new("new-token")).unwrap();
        assert_eq!(read_refresh_token(&path).unwrap().expose(), "new-token");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn an_empty_token_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rt");
        std::fs::write(&path, "  \n").unwrap();
        assert!(matches!(
            read_refresh_token(&path),
            Err(AuthError::EmptyFile { .. })
        ));
    }
}
