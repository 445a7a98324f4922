//! The one builder of `ghl-bulk` commands: every test runs the real binary through
//! [`ghl_bulk`], then adds what it needs (the sandbox's API settings, a home folder of its own,
//! no config file) with the [`GhlCommand`] methods.

use ghl_sandbox::{
    DEFAULT_AGENCY_CLIENT_ID, DEFAULT_AGENCY_CLIENT_SECRET, DEFAULT_AGENCY_REFRESH_TOKEN,
    DEFAULT_LOCATION_ID,
};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The binary under test (also for tests that run it through a shell or a symlink).
pub const BIN: &str = env!("CARGO_BIN_EXE_ghl-bulk");

/// The binary, run from the package root (where `mappings/` and `samples/` are), with no
/// `GHL_*` variable and no `RUST_LOG` from the machine: a developer's token, location or config
/// file must not leak into a test. Stdin is empty, so no prompt waits for a keyboard.
pub fn ghl_bulk() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .env_remove("RUST_LOG");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("GHL_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// [`ghl_bulk`] as the sandbox agency's OAuth app (its client id and secret, and the company
/// refresh token in `refresh_file`, which each refresh rotates), no location set, in a `home`
/// of its own with no config file.
pub fn as_agency(base_url: &str, home: &Path, refresh_file: &Path) -> Command {
    let mut cmd = ghl_bulk();
    cmd.home(home)
        .no_config()
        .env("GHL_BASE_URL", base_url)
        .env("GHL_CLIENT_ID", DEFAULT_AGENCY_CLIENT_ID)
        .env("GHL_CLIENT_SECRET", DEFAULT_AGENCY_CLIENT_SECRET)
        .env("GHL_REFRESH_TOKEN_FILE", refresh_file);
    cmd
}

/// `dir/agency-refresh-token`, holding the agency's company refresh token as a scheduled job
/// keeps it. Written only if absent: the client writes each rotated token back to it.
pub fn agency_refresh_file(dir: &Path) -> PathBuf {
    let file = dir.join("agency-refresh-token");
    if !file.exists() {
        std::fs::write(&file, DEFAULT_AGENCY_REFRESH_TOKEN).expect("the token file is written");
    }
    file
}

/// What tests add to a [`ghl_bulk`] command.
pub trait GhlCommand {
    /// Talks to the API at `base_url` with `token`, for the sandbox's default location.
    fn api(&mut self, base_url: &str, token: &str) -> &mut Command;

    /// HOME, XDG_CONFIG_HOME and XDG_DATA_HOME inside `home`, so nothing a test does can read
    /// or write the real user's settings and state.
    fn home(&mut self, home: &Path) -> &mut Command;

    /// An empty config file instead of any `ghl-bulk.toml` found on the machine.
    fn no_config(&mut self) -> &mut Command;
}

impl GhlCommand for Command {
    fn api(&mut self, base_url: &str, token: &str) -> &mut Command {
        self.env("GHL_BASE_URL", base_url)
            .env("GHL_TOKEN", token)
            .env("GHL_LOCATION_ID", DEFAULT_LOCATION_ID)
    }

    fn home(&mut self, home: &Path) -> &mut Command {
        self.env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
    }

    fn no_config(&mut self) -> &mut Command {
        self.env("GHL_BULK_CONFIG", "/dev/null")
    }
}
