//! The operator's consent before a command changes or deletes contacts (`undo`, `delete`): a
//! y/N question on a terminal, `--yes` without one.

use std::io::{BufRead, IsTerminal, Write};

/// Whether the command may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// `--yes`, or the operator answered yes.
    Given,
    /// The operator said no (or nothing).
    Refused,
}

/// Why consent cannot be asked for.
#[derive(Debug, thiserror::Error)]
#[error("{command} changes or deletes contacts and stdin is not a terminal to ask on: pass --yes to confirm (or --dry-run to see the plan)")]
pub struct NoTerminal {
    /// The command, for the message.
    pub command: &'static str,
}

/// Checks, before anything is read or sent, that consent can be had: `--yes`, `--dry-run`, or
/// a terminal to ask on.
pub fn can_ask(command: &'static str, yes: bool, dry_run: bool) -> Result<(), NoTerminal> {
    if yes || dry_run || std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(NoTerminal { command })
    }
}

/// `--yes`, or the answer to `question` (asked on stderr, read from stdin; only `y`/`yes`
/// consent).
pub fn ask(yes: bool, question: &str) -> Consent {
    if yes {
        return Consent::Given;
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return Consent::Refused;
    }
    match answer.trim().to_lowercase().as_str() {
        "y" | "yes" => Consent::Given,
        _ => Consent::Refused,
    }
}
