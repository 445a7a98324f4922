//! The text of `config show`: every setting with its effective value and where it came from,
//! secrets masked whole (only whether one is set is shown; no prefix or suffix of a token
//! ever is), under a header that states the precedence rules.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{Setting, Settings, Source, Token};

const NOT_SET: &str = "(not set)";

/// What `config show` adds that the settings alone do not know.
#[derive(Debug, Clone, Default)]
pub struct ShowNotes {
    /// The files looked for when none was given, in order.
    pub searched: Vec<PathBuf>,
    /// The state file the per-location default resolves to, when the location is known.
    pub default_state: Option<PathBuf>,
    /// `--no-config` was given.
    pub disabled: bool,
}

/// The lines of `config show`.
pub fn render(settings: &Settings, notes: &ShowNotes) -> String {
    let mut out = String::from(
        "# ghl-bulk: effective settings for import and export.\n\
         # Precedence: command-line flag > config file > environment > built-in default.\n\
         # Credentials (token, client_id, client_secret, refresh_token_file):\n\
         #   command-line flag > environment > config file. Secrets are never shown.\n",
    );
    match (&settings.file, notes.disabled) {
        (Some(path), _) => {
            let _ = writeln!(out, "# Config file: {}", path.display());
        }
        (None, true) => out.push_str("# Config file: none (--no-config)\n"),
        (None, false) => {
            let list: Vec<String> = notes
                .searched
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            let _ = writeln!(
                out,
                "# Config file: none found (looked for {})",
                list.join(", ")
            );
        }
    }
    let mut rows: Vec<(&str, String, String)> = Vec::new();
    // `unset` is what an unset value means: a default described in words, or "(not set)".
    let mut plain = |key: &'static str, value: Option<String>, source: &Source, unset: &str| {
        let set = value.is_some() || unset != NOT_SET;
        let shown = value.unwrap_or_else(|| unset.to_string());
        rows.push((key, shown, source_text(source, set)));
    };
    let text = |s: &Setting<String>| s.value.as_ref().map(|v| quoted(v));
    plain(
        "location",
        text(&settings.location),
        &settings.location.source,
        NOT_SET,
    );
    plain(
        "base_url",
        text(&settings.base_url),
        &settings.base_url.source,
        NOT_SET,
    );
    let state_default = match &notes.default_state {
        Some(path) => format!("{} (per location)", quoted(&path.display().to_string())),
        None => "(per location, in the user's data folder)".to_string(),
    };
    plain(
        "state",
        path(&settings.state),
        &settings.state.source,
        &state_default,
    );
    plain(
        "concurrency",
        settings.concurrency.value.map(|n| n.to_string()),
        &settings.concurrency.source,
        "(sized from the rate the API reports)",
    );
    plain(
        "daily_reserve",
        text(&settings.daily_reserve),
        &settings.daily_reserve.source,
        NOT_SET,
    );
    plain(
        "timeout",
        settings.timeout.value.map(|n| n.to_string()),
        &settings.timeout.source,
        NOT_SET,
    );
    // Credentials: whether one is set and where from, never any part of it.
    let token = settings.token.value.as_ref().map(|token| match token {
        Token::Value(_) => "*** (set)".to_string(),
        Token::File(file) if file.is_file() => format!("*** (read from {})", file.display()),
        Token::File(file) => format!("(cannot be read: {} is not a file)", file.display()),
    });
    plain("token", token, &settings.token.source, NOT_SET);
    let client_id = text(&settings.client_id);
    plain("client_id", client_id, &settings.client_id.source, NOT_SET);
    let secret = settings
        .client_secret
        .value
        .as_ref()
        .map(|_| "*** (set)".to_string());
    plain(
        "client_secret",
        secret,
        &settings.client_secret.source,
        NOT_SET,
    );
    let refresh_file = path(&settings.refresh_token_file);
    plain(
        "refresh_token_file",
        refresh_file,
        &settings.refresh_token_file.source,
        NOT_SET,
    );
    let key_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let value_width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    for (key, value, source) in rows {
        let line = format!("{key:<key_width$} = {value:<value_width$}  # {source}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn source_text(source: &Source, set: bool) -> String {
    match (source, set) {
        (Source::Default, false) => "not set anywhere".into(),
        (source, _) => source.to_string(),
    }
}

fn path(setting: &Setting<PathBuf>) -> Option<String> {
    setting
        .value
        .as_ref()
        .map(|p| quoted(&p.display().to_string()))
}

/// A TOML basic string, so that a shown line can be pasted into the file.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}
