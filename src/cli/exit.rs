//! The process exit codes, as documented in the README.

use std::process::ExitCode;

/// How a run ended, as the scheduler sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every row ended `created`, `updated`, `unchanged` or `merged`.
    Ok,
    /// Configuration, mapping, authentication, unreadable input or I/O.
    Fatal,
    /// Command-line usage error (clap exits with this code itself).
    Usage,
    /// Finished, but some rows were `rejected` or `failed`.
    Rejects,
    /// Stopped early and resumable (daily budget, API unreachable, lock held).
    Resumable,
    /// Interrupted by Ctrl-C; resumable.
    Interrupted,
}

impl Exit {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Fatal => 1,
            Exit::Usage => 2,
            Exit::Rejects => 3,
            Exit::Resumable => 75,
            Exit::Interrupted => 130,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}
