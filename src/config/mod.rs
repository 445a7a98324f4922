//! The settings a command that talks to HighLevel runs with, merged from three layers (the
//! command line, the settings file `ghl-bulk.toml`, the environment) and the built-in
//! defaults, each remembering where it came from so that `config show` can say so.
//!
//! Precedence, as the operator-experience issue asks ("flags override the file, the
//! environment overrides the file for secrets only"):
//! - settings: flag > file > environment > default. A file written for a job is more deliberate
//!   than a variable left over in a shell, so it wins over the environment;
//! - credentials (token, client id and secret, refresh-token file): flag > environment > file,
//!   so a scheduler's or CI's injected secrets win over a file on disk. A token or client
//!   secret is never written in the file itself (refused); `token_file` names a file that
//!   holds the token.
//!
//! Reading the environment and the file system is the command line's business (`cli/`): this
//! module takes the layers as values.

pub mod file;
mod show;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::api::Secret;

pub use show::{render, ShowNotes};

/// Why the settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--config FILE` (or `GHL_BULK_CONFIG`) names a file that does not exist.
    #[error("config file {0} does not exist")]
    Missing(PathBuf),
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not valid TOML, a value of the wrong type, or an unknown key.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message (for an unknown key: the list of known keys).
        message: String,
    },
    /// A secret written into the file.
    #[error("{}: `{key}` must not be written in a config file (it would sit there in plain text): {advice}", path.display())]
    SecretInFile {
        /// The file.
        path: PathBuf,
        /// `token` or `client_secret`.
        key: &'static str,
        /// What to do instead.
        advice: &'static str,
    },
}

/// One layer of settings: what the command line, the file or the environment says (each key
/// `None` when that layer is silent on it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layer {
    /// The location (sub-account) id.
    pub location: Option<String>,
    /// The API's base URL.
    pub base_url: Option<String>,
    /// The state file (delta and export watermarks).
    pub state: Option<PathBuf>,
    /// Requests in flight at most.
    pub concurrency: Option<usize>,
    /// Daily budget to keep: `1%` or a number of requests.
    pub daily_reserve: Option<String>,
    /// Per-request timeout, seconds.
    pub timeout: Option<u64>,
    /// A file holding the token.
    pub token_file: Option<PathBuf>,
    /// OAuth client id.
    pub client_id: Option<String>,
    /// OAuth refresh-token file.
    pub refresh_token_file: Option<PathBuf>,
}

/// The secrets only the environment may hold.
#[derive(Debug, Clone, Default)]
pub struct EnvSecrets {
    /// `GHL_TOKEN`.
    pub token: Option<Secret>,
    /// `GHL_CLIENT_SECRET`.
    pub client_secret: Option<Secret>,
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag(&'static str),
    /// The settings file.
    File(PathBuf),
    /// An environment variable.
    Env(&'static str),
    /// The built-in default (or nothing, when the setting has no default).
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::File(path) => write!(f, "file {}", path.display()),
            Source::Env(name) => write!(f, "env {name}"),
            Source::Default => f.write_str("default"),
        }
    }
}

/// A resolved setting: its value (`None`: not set anywhere, no default) and its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    /// The value.
    pub value: Option<T>,
    /// Where it came from.
    pub source: Source,
}

/// Where the token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// The value itself (`GHL_TOKEN`).
    Value(Secret),
    /// A file holding it (`--token-file`, `token_file`), read when the client is built.
    File(PathBuf),
}

/// Every setting of a command that talks to HighLevel, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The settings file used, if any.
    pub file: Option<PathBuf>,
    /// The location id.
    pub location: Setting<String>,
    /// The API's base URL.
    pub base_url: Setting<String>,
    /// The state file (`None`: the per-location default).
    pub state: Setting<PathBuf>,
    /// Requests in flight (`None`: sized from the rate the API reports).
    pub concurrency: Setting<usize>,
    /// The daily reserve, unparsed.
    pub daily_reserve: Setting<String>,
    /// Per-request timeout, seconds.
    pub timeout: Setting<u64>,
    /// The token.
    pub token: Setting<Token>,
    /// OAuth client id.
    pub client_id: Setting<String>,
    /// OAuth client secret (environment only).
    pub client_secret: Setting<Secret>,
    /// OAuth refresh-token file.
    pub refresh_token_file: Setting<PathBuf>,
}

/// The built-in daily reserve.
pub const DEFAULT_DAILY_RESERVE: &str = "1%";
/// The built-in per-request timeout, seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;

impl Settings {
    /// The per-request timeout: the setting, else the built-in one; never under a second.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.timeout.value.unwrap_or(DEFAULT_TIMEOUT_SECS).max(1))
    }
}

/// The candidates for one setting, in precedence order; the first present wins.
fn pick<T: Clone>(candidates: [(Option<&T>, Source); 3]) -> Setting<T> {
    candidates
        .into_iter()
        .find_map(|(value, source)| {
            value.map(|v| Setting {
                value: Some(v.clone()),
                source,
            })
        })
        .unwrap_or(Setting {
            value: None,
            source: Source::Default,
        })
}

fn or_default<T>(setting: Setting<T>, default: T) -> Setting<T> {
    match setting.value {
        Some(_) => setting,
        None => Setting {
            value: Some(default),
            source: Source::Default,
        },
    }
}

/// Merges the layers (see the module's precedence rules). `file` is the settings file used
/// and what it holds.
pub fn resolve(
    flags: &Layer,
    file: Option<(&std::path::Path, &Layer)>,
    env: &Layer,
    secrets: &EnvSecrets,
) -> Settings {
    let empty = Layer::default();
    let (path, from_file) = match file {
        Some((path, layer)) => (Some(path.to_path_buf()), layer),
        None => (None, &empty),
    };
    let in_file = || Source::File(path.clone().unwrap_or_default());
    // Settings: flag > file > environment.
    macro_rules! setting {
        ($key:ident, $flag:literal, $env:expr) => {
            pick([
                (flags.$key.as_ref(), Source::Flag($flag)),
                (from_file.$key.as_ref(), in_file()),
                (env.$key.as_ref(), Source::Env($env)),
            ])
        };
    }
    // Credentials: flag > environment > file.
    macro_rules! credential {
        ($key:ident, $flag:literal, $env:expr) => {
            pick([
                (flags.$key.as_ref(), Source::Flag($flag)),
                (env.$key.as_ref(), Source::Env($env)),
                (from_file.$key.as_ref(), in_file()),
            ])
        };
    }
    let token_flag = flags.token_file.clone().map(Token::File);
    let token_env = secrets.token.clone().map(Token::Value);
    let token_file = from_file.token_file.clone().map(Token::File);
    Settings {
        location: setting!(location, "--location", "GHL_LOCATION_ID"),
        base_url: or_default(
            setting!(base_url, "--base-url", "GHL_BASE_URL"),
            crate::api::DEFAULT_BASE_URL.to_string(),
        ),
        state: setting!(state, "--state", ""),
        concurrency: setting!(concurrency, "--concurrency", ""),
        daily_reserve: or_default(
            setting!(daily_reserve, "--daily-reserve", ""),
            DEFAULT_DAILY_RESERVE.to_string(),
        ),
        timeout: or_default(setting!(timeout, "--timeout", ""), DEFAULT_TIMEOUT_SECS),
        token: pick([
            (token_flag.as_ref(), Source::Flag("--token-file")),
            (token_env.as_ref(), Source::Env("GHL_TOKEN")),
            (token_file.as_ref(), in_file()),
        ]),
        client_id: credential!(client_id, "--client-id", "GHL_CLIENT_ID"),
        client_secret: pick([
            (None, Source::Default),
            (
                secrets.client_secret.as_ref(),
                Source::Env("GHL_CLIENT_SECRET"),
            ),
            (None, Source::Default),
        ]),
        refresh_token_file: credential!(
            refresh_token_file,
            "--refresh-token-file",
            "GHL_REFRESH_TOKEN_FILE"
        ),
        file: path,
    }
}

#[cfg(test)]
mod tests;
