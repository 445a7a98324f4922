//! Progress on stderr, one type for every command: a bar (or a spinner) when stderr is a
//! terminal, else, for the commands that send, a line every ten seconds (what a log keeps).
//! Each command gives its own words: the bar's template and, for lines, its own text; the
//! figures behind them (import's rates and ETA) are the command's.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::time::Instant;

use crate::api::Client;

/// How often a progress line is printed when there is no bar.
const LINE_EVERY: Duration = Duration::from_secs(10);

/// Progress of one command: a bar, lines, or nothing. Cheap to clone (clones share the bar).
#[derive(Debug, Clone)]
pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    last_line: Arc<Mutex<Instant>>,
    total: u64,
    what: &'static str,
}

impl Progress {
    /// Shows nothing.
    pub fn hidden() -> Progress {
        Progress {
            bar: None,
            lines: false,
            last_line: Arc::new(Mutex::new(Instant::now())),
            total: 0,
            what: "",
        }
    }

    /// Whether a bar may be drawn: progress is wanted and stderr is a terminal.
    pub fn on_terminal(wanted: bool) -> bool {
        wanted && std::io::stderr().is_terminal()
    }

    /// A bar of `length` drawn with `template` when `bar`; lines (see [`Progress::line_due`])
    /// when `lines` and no bar.
    pub fn bar(bar: bool, lines: bool, length: u64, template: &str) -> Progress {
        let bar = bar.then(|| {
            let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Progress {
            bar,
            lines,
            ..Progress::hidden()
        }
    }

    /// A spinner counting up with `template`, ticking on its own, when `wanted` on a terminal.
    pub fn spinner(wanted: bool, template: &str) -> Progress {
        if !Progress::on_terminal(wanted) {
            return Progress::hidden();
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress {
            bar: Some(bar),
            ..Progress::hidden()
        }
    }

    /// The progress of `total` steps (undo's steps, delete's contacts): a bar on a terminal,
    /// `Done n of total <what> …` every ten seconds otherwise, when `show`.
    pub fn steps(show: bool, total: u64, what: &'static str) -> Progress {
        let template = format!("{{bar:30}} {{pos}}/{{len}} {what}  {{per_sec}}  ETA {{eta}}");
        Progress {
            total,
            what,
            ..Progress::bar(Progress::on_terminal(show), show, total, &template)
        }
    }

    /// Whether a bar (or spinner) is drawn.
    pub fn has_bar(&self) -> bool {
        self.bar.is_some()
    }

    /// Moves the bar to `position`.
    pub fn set_position(&self, position: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(position);
        }
    }

    /// Changes the bar's length (when it changed: indicatif redraws on every call).
    pub fn set_length(&self, length: u64) {
        if let Some(bar) = &self.bar {
            if bar.length() != Some(length) {
                bar.set_length(length);
            }
        }
    }

    /// The bar's words (`{msg}` in its template).
    pub fn set_message(&self, message: impl Into<std::borrow::Cow<'static, str>>) {
        if let Some(bar) = &self.bar {
            bar.set_message(message);
        }
    }

    /// Whether a line is due now: lines are wanted, there is no bar, and the last line is ten
    /// seconds old. Counts the line as printed.
    pub fn line_due(&self) -> bool {
        if self.bar.is_some() || !self.lines {
            return false;
        }
        let Ok(mut last) = self.last_line.lock() else {
            return false;
        };
        if last.elapsed() < LINE_EVERY {
            return false;
        }
        *last = Instant::now();
        true
    }

    /// Whether lines (rather than a bar, or nothing) are shown.
    pub fn shows_lines(&self) -> bool {
        self.bar.is_none() && self.lines
    }

    /// `done` of the [`Progress::steps`] are finished.
    pub fn update(&self, done: u64, client: &Client) {
        self.set_position(done);
        if self.line_due() {
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
