//! The settings file: where it is looked for, and its TOML format. Unknown keys are refused
//! (a misspelt `concurency` must not be ignored in silence), and so are secrets written into
//! it: a token in a file that may be copied, shared or committed is a leak waiting to happen.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{ConfigError, Layer};

/// The name looked for in the working folder.
pub const LOCAL_NAME: &str = "ghl-bulk.toml";

/// The path under the user's config folder (`~/.config` on Linux, `~/Library/Application
/// Support` on macOS, `%APPDATA%` on Windows).
pub const USER_PATH: &str = "ghl-bulk/config.toml";

/// How the file is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// `--no-config`: no file at all.
    None,
    /// `--config FILE` (or `GHL_BULK_CONFIG`): this file, which must exist.
    Explicit(PathBuf),
    /// Look in the working folder, then in the user's config folder.
    Search {
        /// The working folder.
        cwd: PathBuf,
        /// The user's config folder, if the platform has one.
        user: Option<PathBuf>,
    },
}

/// The file a choice leads to, if any.
pub fn locate(choice: &Choice) -> Result<Option<PathBuf>, ConfigError> {
    match choice {
        Choice::None => Ok(None),
        // Not only regular files: `/dev/null` (no settings) and `<(…)` are fine to read.
        Choice::Explicit(path) if path.exists() && !path.is_dir() => Ok(Some(path.clone())),
        Choice::Explicit(path) => Err(ConfigError::Missing(path.clone())),
        Choice::Search { cwd, user } => {
            let local = cwd.join(LOCAL_NAME);
            if local.is_file() {
                return Ok(Some(local));
            }
            Ok(user
                .as_ref()
                .map(|dir| dir.join(USER_PATH))
                .filter(|p| p.is_file()))
        }
    }
}

/// The file's keys. Paths are relative to the file's folder.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    location: Option<String>,
    base_url: Option<String>,
    state: Option<PathBuf>,
    concurrency: Option<usize>,
    daily_reserve: Option<Reserve>,
    timeout: Option<u64>,
    token_file: Option<PathBuf>,
    client_id: Option<String>,
    refresh_token_file: Option<PathBuf>,
    // Refused with a message of their own (not "unknown key").
    token: Option<toml::Value>,
    client_secret: Option<toml::Value>,
}

/// `daily_reserve = "1%"` or `daily_reserve = 2000`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Reserve {
    Text(String),
    Count(u64),
}

/// Reads and checks a settings file into a layer.
pub fn load(path: &Path) -> Result<Layer, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &text)
}

/// Parses a settings file's text (`path` for messages and relative paths).
pub fn parse(path: &Path, text: &str) -> Result<Layer, ConfigError> {
    let spec: FileSpec = toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|span| line_column(text, span.start))
            .unwrap_or((1, 1));
        ConfigError::Syntax {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    if spec.token.is_some() {
        return Err(ConfigError::SecretInFile {
            path: path.to_path_buf(),
            key: "token",
            advice: "set GHL_TOKEN in the environment, or name a file holding it with `token_file`",
        });
    }
    if spec.client_secret.is_some() {
        return Err(ConfigError::SecretInFile {
            path: path.to_path_buf(),
            key: "client_secret",
            advice: "set GHL_CLIENT_SECRET in the environment",
        });
    }
    let base = path.parent().unwrap_or(Path::new(""));
    let relative = |p: Option<PathBuf>| p.map(|p| if p.is_absolute() { p } else { base.join(p) });
    Ok(Layer {
        location: spec.location,
        base_url: spec.base_url,
        state: relative(spec.state),
        concurrency: spec.concurrency,
        daily_reserve: spec.daily_reserve.map(|r| match r {
            Reserve::Text(text) => text,
            Reserve::Count(n) => n.to_string(),
        }),
        timeout: spec.timeout,
        token_file: relative(spec.token_file),
        client_id: spec.client_id,
        refresh_token_file: relative(spec.refresh_token_file),
    })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_at(text: &str) -> Result<Layer, ConfigError> {
        parse(Path::new("/etc/ghl/ghl-bulk.toml"), text)
    }

    #[test]
    fn reads_every_key_and_resolves_paths_against_the_file() {
        let layer = parse_at(
            "location = \"loc123\"\nbase_url = \"https://x.test\"\nstate = \"state.sqlite\"\n\
             concurrency = 8\ndaily_reserve = 2000\ntimeout = 10\ntoken_file = \"/run/tok\"\n\
             client_id = \"app\"\nrefresh_token_file = \"rt\"\n",
        )
        .unwrap();
        assert_eq!(layer.location.as_deref(), Some("loc123"));
        assert_eq!(layer.state, Some(PathBuf::from("/etc/ghl/state.sqlite")));
        assert_eq!(layer.token_file, Some(PathBuf::from("/run/tok")));
        assert_eq!(layer.refresh_token_file, Some(PathBuf::from("/etc/ghl/rt")));
        assert_eq!(layer.daily_reserve.as_deref(), Some("2000"));
        assert_eq!(layer.concurrency, Some(8));
        let percent = parse_at("daily_reserve = \"2%\"").unwrap();
        assert_eq!(percent.daily_reserve.as_deref(), Some("2%"));
    }

    #[test]
    fn unknown_keys_list_the_known_ones_with_line_and_column() {
        let err = parse_at("location = \"a\"\nconcurency = 4\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/etc/ghl/ghl-bulk.toml:2:1: "), "{err}");
        assert!(
            err.contains("concurency") && err.contains("`concurrency`"),
            "{err}"
        );
        let err = parse_at("concurrency = \"many\"").unwrap_err().to_string();
        assert!(err.contains(":1:15:"), "{err}");
    }

    #[test]
    fn secrets_in_the_file_are_refused() {
        let err = parse_at("token = \"pit-secret\"").unwrap_err().to_string();
        assert!(
            err.contains("GHL_TOKEN") && err.contains("token_file"),
            "{err}"
        );
        assert!(!err.contains("pit-secret"), "{err}");
        let err = parse_at("client_secret = \"s\"").unwrap_err().to_string();
        assert!(err.contains("GHL_CLIENT_SECRET"), "{err}");
    }

    #[test]
    fn the_working_folder_comes_before_the_user_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let cwd = tmp.path().join("work");
        let user = tmp.path().join("user");
        std::fs::create_dir_all(cwd.clone()).unwrap();
        std::fs::create_dir_all(user.join("ghl-bulk")).unwrap();
        let search = Choice::Search {
            cwd: cwd.clone(),
            user: Some(user.clone()),
        };
        assert_eq!(locate(&search).unwrap(), None);
        std::fs::write(user.join(USER_PATH), "").unwrap();
        assert_eq!(locate(&search).unwrap(), Some(user.join(USER_PATH)));
        std::fs::write(cwd.join(LOCAL_NAME), "").unwrap();
        assert_eq!(locate(&search).unwrap(), Some(cwd.join(LOCAL_NAME)));
        assert_eq!(locate(&Choice::None).unwrap(), None);
        let missing = Choice::Explicit(tmp.path().join("nope.toml"));
        assert!(matches!(locate(&missing), Err(ConfigError::Missing(_))));
    }
}
