//! Logging: the global `--quiet`, `--verbose` and `--log-format` flags (and `RUST_LOG`) turned
//! into a tracing subscriber that writes to stderr only. stdout is kept for what a command
//! produces (a runs list, a config, a completion script, a man page).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line (for journald, log shippers); the progress and the human
    /// summary are left out so that every stderr line is JSON.
    Json,
}

/// What the global flags ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    /// `--quiet`: errors only, no progress, no human summary.
    pub quiet: bool,
    /// `-v` count: 1 info, 2 debug, 3 or more trace (for ghl-bulk itself).
    pub verbose: u8,
    /// Text or JSON.
    pub format: LogFormat,
}

impl LogOptions {
    /// Whether a command may print its progress and human summary on stderr: not with
    /// `--quiet`, and not with JSON logs (a log shipper expects JSON on every line).
    pub fn human_output(&self) -> bool {
        !self.quiet && self.format == LogFormat::Text
    }

    /// The filter directives the flags stand for, or `None` when no flag was given (then
    /// `RUST_LOG` applies if set, else [`DEFAULT_DIRECTIVES`]). Our crates get the chosen
    /// level; the libraries stay at warn below trace, or HTTP internals would flood the log.
    fn directives(&self) -> Option<String> {
        if self.quiet {
            return Some("error".into());
        }
        let ours = match self.verbose {
            0 => return None,
            1 => "info",
            2 => "debug",
            _ => "trace",
        };
        let others = if self.verbose >= 3 { "info" } else { "warn" };
        Some(format!("{others},ghl_bulk={ours},ghl_sandbox={ours}"))
    }
}

/// Without flags or `RUST_LOG`: warnings and errors.
pub const DEFAULT_DIRECTIVES: &str = "warn";

/// Installs the subscriber for the process. Flags win over `RUST_LOG`, which wins over the
/// default; a `RUST_LOG` that does not parse is reported once and the default used instead.
pub fn init(options: LogOptions) {
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .filter(|value| !value.trim().is_empty());
    let mut bad_env = None;
    let filter = match (options.directives(), from_env) {
        (Some(directives), _) => EnvFilter::new(directives),
        (None, Some(value)) => EnvFilter::try_new(&value).unwrap_or_else(|error| {
            bad_env = Some((value, error.to_string()));
            EnvFilter::new(DEFAULT_DIRECTIVES)
        }),
        (None, None) => EnvFilter::new(DEFAULT_DIRECTIVES),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second subscriber (tests calling `cli::main` twice) is not an error worth failing on.
    let _ = match options.format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(options.verbose >= 2)
            .try_init(),
        LogFormat::Json => builder.json().with_current_span(false).try_init(),
    };
    if let Some((value, error)) = bad_env {
        tracing::warn!(rust_log = %value, %error, "RUST_LOG does not parse; using the default level.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(quiet: bool, verbose: u8, format: LogFormat) -> LogOptions {
        LogOptions {
            quiet,
            verbose,
            format,
        }
    }

    #[test]
    fn flags_choose_our_level_and_keep_libraries_quiet() {
        for (quiet, verbose, format, directives) in [
            (false, 0, LogFormat::Text, None),
            (true, 0, LogFormat::Text, Some("error")),
            (
                false,
                1,
                LogFormat::Text,
                Some("warn,ghl_bulk=info,ghl_sandbox=info"),
            ),
            (
                false,
                2,
                LogFormat::Json,
                Some("warn,ghl_bulk=debug,ghl_sandbox=debug"),
            ),
            (
                false,
                5,
                LogFormat::Text,
                Some("info,ghl_bulk=trace,ghl_sandbox=trace"),
            ),
        ] {
            let asked = options(quiet, verbose, format);
            assert_eq!(asked.directives().as_deref(), directives, "{asked:?}");
        }
    }

    #[test]
    fn human_output_only_in_text_without_quiet() {
        assert!(options(false, 1, LogFormat::Text).human_output());
        assert!(!options(true, 0, LogFormat::Text).human_output());
        assert!(!options(false, 0, LogFormat::Json).human_output());
    }
}
