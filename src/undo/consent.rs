//! What `undo` and `delete` share before and while they send: the operator's consent (a y/N
//! question on a terminal, `--yes` without one), Ctrl-C/SIGTERM turned into a graceful stop,
//! and the progress shown on stderr (a bar on a terminal, a line every ten seconds otherwise).

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::api::Client;

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

/// Sets `cancel` on the first Ctrl-C or SIGTERM (in-flight requests finish, the ledger is
/// written, exit 130); the caller stops at once on the second (`crate::stop::wait_for(2)`).
/// `again` is the command that continues the work.
pub async fn watch_interrupts(cancel: tokio::sync::watch::Sender<bool>, again: &str) {
    crate::stop::graceful(cancel, again).await
}

/// Progress of a command that works through a known number of steps.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    lines: bool,
    last_line: Mutex<Instant>,
    total: u64,
    what: &'static str,
}

impl Progress {
    /// A bar when `show` and stderr is a terminal, lines when only `show`, nothing otherwise.
    pub fn new(show: bool, total: u64, what: &'static str) -> Progress {
        let bar = (show && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template(&format!(
                    "{{bar:30}} {{pos}}/{{len}} {what}  {{per_sec}}  ETA {{eta}}"
                ))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Progress {
            bar,
            lines: show,
            last_line: Mutex::new(Instant::now()),
            total,
            what,
        }
    }

    /// `done` of the total are finished.
    pub fn update(&self, done: u64, client: &Client) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            return;
        }
        if !self.lines {
            return;
        }
        let Ok(mut last) = self.last_line.lock() else {
            return;
        };
        if last.elapsed() >= Duration::from_secs(10) {
            *last = Instant::now();
            eprintln!(
                "Done {done} of {} {} ({} requests, {:.0} s throttled).",
                self.total,
                self.what,
                client.stats().snapshot().total,
                client.limiter().throttled().as_secs_f64()
            );
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
