//! `auth login`: HighLevel's authorization-code flow from a terminal. Builds the
//! `chooselocation` URL with a fresh `state`, prints it (and opens a browser when there is
//! one), receives the redirect on `http://127.0.0.1:PORT/callback` (or reads the code or the
//! redirected URL from stdin with `--paste`), checks `state`, exchanges the code and stores the
//! tokens as one entry of the credentials file.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use url::Url;

use super::AuthCommandError;
use crate::api::credentials_file::{CredentialsFile, Entry};
use crate::api::oauth_http::{exchange_code, Login};
use crate::api::{BaseUrl, Secret, UserType};

/// HighLevel's page where the user picks the agency or sub-account to install for.
pub const DEFAULT_AUTHORIZE_URL: &str =
    "https://marketplace.gohighlevel.com/v2/oauth/chooselocation";

/// The largest callback request read (a redirect carries a code and a state, well under this).
const REQUEST_CAP: usize = 16 * 1024;

/// How the redirect comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receive {
    /// Listen on the loopback port; open a browser when there is one.
    Listen { open: bool },
    /// Read the code, or the whole redirected URL, from stdin.
    Paste,
}

/// What `auth login` needs.
#[derive(Debug, Clone)]
pub struct LoginConfig {
    pub base_url: BaseUrl,
    pub authorize_url: Url,
    pub client_id: String,
    pub client_secret: Secret,
    pub scopes: Vec<String>,
    /// 0: any free port (the app's registered redirect URI must then allow it).
    pub redirect_port: u16,
    pub user_type: UserType,
    pub receive: Receive,
    pub credentials: PathBuf,
    /// How long to wait for the browser's redirect.
    pub wait: Duration,
    pub timeout: Duration,
}

/// Logs in and stores the entry; returns it. The URL is printed on stdout, on a line of its own.
pub fn login(
    config: &LoginConfig,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn std::io::Write,
) -> Result<Entry, AuthCommandError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| AuthCommandError::Io(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(login_async(config, stdin, stdout))
}

async fn login_async(
    config: &LoginConfig,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn std::io::Write,
) -> Result<Entry, AuthCommandError> {
    let state = new_state();
    let (listener, port) = match config.receive {
        Receive::Paste => (None, config.redirect_port),
        Receive::Listen { .. } => {
            // Loopback only: the code must never be offered to the network.
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.redirect_port))
                .await
                .map_err(|e| {
                    AuthCommandError::Io(format!(
                        "cannot listen on 127.0.0.1:{}: {e}",
                        config.redirect_port
                    ))
                })?;
            let port = listener
                .local_addr()
                .map_err(|e| AuthCommandError::Io(e.to_string()))?
                .port();
            (Some(listener), port)
        }
    };
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let url = authorize_url(config, &redirect_uri, &state);
    eprintln!("Open this address in a browser and choose the account to connect:");
    writeln!(stdout, "{url}").map_err(|e| AuthCommandError::Io(e.to_string()))?;
    stdout
        .flush()
        .map_err(|e| AuthCommandError::Io(e.to_string()))?;
    let query = match listener {
        Some(listener) => {
            if config.receive == (Receive::Listen { open: true }) {
                open_browser(url.as_str());
            }
            eprintln!("Waiting for the redirect to {redirect_uri} …");
            tokio::time::timeout(config.wait, receive(&listener))
                .await
                .map_err(|_| AuthCommandError::TimedOut(config.wait))??
        }
        None => {
            eprintln!("Paste the code, or the whole address the browser was sent to, then Enter:");
            let mut line = String::new();
            stdin
                .read_line(&mut line)
                .map_err(|e| AuthCommandError::Io(e.to_string()))?;
            parse_pasted(&line)?
        }
    };
    let code = check(&query, &state)?;
    let login = exchange_code(
        &config.base_url,
        &config.client_id,
        &config.client_secret,
        &code,
        &redirect_uri,
        config.user_type,
        config.timeout,
    )
    .await?;
    let entry = to_entry(config, login);
    let mut file = CredentialsFile::load(&config.credentials)?;
    file.upsert(entry.clone());
    file.save(&config.credentials)?;
    Ok(entry)
}

fn authorize_url(config: &LoginConfig, redirect_uri: &str, state: &str) -> Url {
    let mut url = config.authorize_url.clone();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("client_id", &config.client_id)
        .append_pair("scope", &config.scopes.join(" "))
        .append_pair("state", state);
    url
}

/// What the redirect said: its query pairs.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Redirect {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn from_pairs<'a>(
    pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
) -> Redirect {
    let mut redirect = Redirect::default();
    for (key, value) in pairs {
        match key.as_ref() {
            "code" => redirect.code = Some(value.into_owned()),
            "state" => redirect.state = Some(value.into_owned()),
            "error" => redirect.error = Some(value.into_owned()),
            _ => {}
        }
    }
    redirect
}

/// A pasted line: the redirected URL (with `code=` and `state=`), or the code alone.
pub(crate) fn parse_pasted(line: &str) -> Result<Redirect, AuthCommandError> {
    let text = line.trim();
    if text.is_empty() {
        return Err(AuthCommandError::NoCode("nothing was pasted".into()));
    }
    if text.contains("code=") || text.contains("error=") {
        let query = text.split_once('?').map_or(text, |(_, q)| q);
        return Ok(redirected(query));
    }
    Ok(Redirect {
        code: Some(text.to_string()),
        ..Redirect::default()
    })
}

/// The code, once `state` matches. A pasted bare code has no state to check (the user copied
/// it from the page they opened themselves).
pub(crate) fn check(redirect: &Redirect, state: &str) -> Result<Secret, AuthCommandError> {
    if let Some(error) = &redirect.error {
        return Err(AuthCommandError::NoCode(format!(
            "HighLevel answered {error}"
        )));
    }
    let Some(code) = redirect.code.as_deref().filter(|c| !c.is_empty()) else {
        return Err(AuthCommandError::NoCode("the redirect has no code".into()));
    };
    match redirect.state.as_deref() {
        Some(got) if got != state => Err(AuthCommandError::StateMismatch),
        _ => Ok(Secret::new(code)),
    }
}

/// The query of a redirect. A redirect always carries our state back, so a missing one is a
/// mismatch (set to ""), unlike a bare pasted code, which has none to check.
fn redirected(query: &str) -> Redirect {
    let mut redirect = from_pairs(url::form_urlencoded::parse(query.as_bytes()));
    if redirect.state.is_none() {
        redirect.state = Some(String::new());
    }
    redirect
}

/// Accepts connections until one is `GET /callback?…`; other paths (a browser's favicon) get a
/// 404 and the wait goes on.
async fn receive(listener: &tokio::net::TcpListener) -> Result<Redirect, AuthCommandError> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| AuthCommandError::Io(e.to_string()))?;
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 2048];
        while !buffer.windows(4).any(|w| w == b"\r\n\r\n") && buffer.len() < REQUEST_CAP {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let head = String::from_utf8_lossy(&buffer);
        let target = head
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("GET "))
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_default()
            .to_string();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        if path != "/callback" {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            continue;
        }
        let body = "<!doctype html><title>ghl-bulk</title><p>Done: you can close this window and go back to the terminal.</p>";
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
        return Ok(redirected(query));
    }
}

fn to_entry(config: &LoginConfig, login: Login) -> Entry {
    let mut entry = Entry::new(
        login.user_type,
        login.company_id,
        login.location_id,
        config.client_id.clone(),
        &config.client_secret,
        &login.refresh_token,
    );
    entry.locations = login.approved_locations;
    entry.scopes = login.scopes;
    entry.user_id = login.user_id;
    entry.base_url = Some(config.base_url.join("/").to_string());
    entry.access_expires_at = login.expires_in.map(|secs| {
        (crate::run::clock::now() + chrono::Duration::seconds(secs as i64))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    });
    entry
}

/// 128 random bits, hex: the OS's randomness where there is one.
fn new_state() -> String {
    let mut bytes = [0u8; 16];
    let from_os = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .is_ok();
    if !from_os {
        // No /dev/urandom (Windows): the std hasher's per-process random keys, the clock and
        // the pid, mixed by blake3.
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        hasher.write_u32(std::process::id());
        let digest = blake3::hash(&hasher.finish().to_le_bytes());
        bytes.copy_from_slice(&digest.as_bytes()[..16]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens `url` in the user's browser when there is one: `$BROWSER`, else the desktop's opener
/// (`open` on macOS, `xdg-open` with a display on Linux and BSD). Without either nothing is
/// opened; the URL is printed anyway. No crate for this: spawning the opener is all they do.
fn open_browser(url: &str) {
    let opener = match std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
    {
        Some(browser) => Some(browser),
        None if cfg!(target_os = "macos") => Some("open".to_string()),
        None if cfg!(windows) => Some("explorer".to_string()),
        None if std::env::var_os("DISPLAY").is_some()
            || std::env::var_os("WAYLAND_DISPLAY").is_some() =>
        {
            Some("xdg-open".to_string())
        }
        None => None,
    };
    let Some(opener) = opener else {
        eprintln!("(No browser found: open the address yourself.)");
        return;
    };
    let spawned = std::process::Command::new(&opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(error) = spawned {
        tracing::warn!(%error, opener, "Cannot open a browser; open the address yourself.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_url_or_code_is_read_and_the_state_checked() {
        let pasted = parse_pasted("http://127.0.0.1:8976/callback?code=abc&state=s1\n").unwrap();
        assert_eq!(check(&pasted, "s1").unwrap().expose(), "abc");
        assert!(matches!(
            check(&pasted, "other"),
            Err(AuthCommandError::StateMismatch)
        ));
        let bare = parse_pasted("  abc123 \n").unwrap();
        assert_eq!(check(&bare, "s1").unwrap().expose(), "abc123");
        let denied = parse_pasted("http://x/callback?error=access_denied&state=s1").unwrap();
        assert!(matches!(
            check(&denied, "s1"),
            Err(AuthCommandError::NoCode(_))
        ));
        assert!(parse_pasted("\n").is_err());
        let stateless = parse_pasted("http://x/callback?code=abc").unwrap();
        assert!(matches!(
            check(&stateless, "s1"),
            Err(AuthCommandError::StateMismatch)
        ));
    }

    #[test]
    fn states_are_fresh_and_long() {
        let (a, b) = (new_state(), new_state());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
