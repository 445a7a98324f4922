//! The one live display of a run over many locations (`import --locations`, `export
//! --locations`): each location's delivery reports its figures to its slot, and the board shows
//! every slot (rows done/total, requests, rate, state) and a total line. On a terminal it is
//! redrawn in place (at most [`SHOWN_ON_TERMINAL`] locations, the busiest, then one line for the
//! rest); otherwise it is printed as a block of lines every ten seconds (what a log keeps), every
//! location in it. Rendering is a pure function of the slots' figures ([`render`]).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::time::Instant;

mod render;
pub use render::render;

/// How often the block of lines is printed when stderr is not a terminal.
const BLOCK_EVERY: Duration = Duration::from_secs(10);

/// How often the display is redrawn on a terminal.
const REDRAW_EVERY: Duration = Duration::from_millis(500);

/// Locations shown on a terminal. Twenty bars redrawn twice a second do not fit a screen and
/// cannot be read; the busiest few (the ones whose figures move) and one line counting the
/// others by state can.
pub const SHOWN_ON_TERMINAL: usize = 10;

/// Test knob (undocumented for users): the period of the printed block in milliseconds, so that
/// an end-to-end test sees a block without a run lasting ten seconds.
const EVERY_ENV: &str = "GHL_BULK_BOARD_EVERY_MS";

/// Where a location stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Waiting,
    /// Delivering (import) or reading (export): the board's [`Words::working`].
    Working,
    Done,
    /// Interrupted (Ctrl-C, SIGTERM) or out of its daily budget: a resume continues it.
    Stopped,
    Failed,
}

/// The words of one command's board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words {
    /// `Delivering to` / `Exporting`, before `N locations`.
    pub title: &'static str,
    /// `delivering` / `reading`: the state of a location at work.
    pub working: &'static str,
    /// `rows` (of the file) / `contacts` (read of those search reported).
    pub items: &'static str,
}

impl Words {
    pub const IMPORT: Words = Words {
        title: "Delivering to",
        working: "delivering",
        items: "rows",
    };
    pub const EXPORT: Words = Words {
        title: "Exporting",
        working: "reading",
        items: "contacts",
    };

    fn state(&self, state: State) -> &'static str {
        match state {
            State::Waiting => "waiting",
            State::Working => self.working,
            State::Done => "done",
            State::Stopped => "stopped",
            State::Failed => "failed",
        }
    }
}

/// One location's figures at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub location: String,
    pub state: State,
    pub rows_done: u64,
    pub rows_total: u64,
    pub requests: u64,
    /// How long it has been (or was) at work: its rate is `requests` over this.
    pub active: Duration,
}

impl Figures {
    /// Requests per second while at work (over at least a second: the first requests of a
    /// burst say nothing of the pace).
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.active.as_secs_f64().max(1.0)
    }
}

#[derive(Debug)]
struct Entry {
    figures: Figures,
    since: Option<Instant>,
    until: Option<Instant>,
}

#[derive(Debug)]
struct Inner {
    words: Words,
    started: Instant,
    entries: Mutex<Vec<Entry>>,
}

/// Every location's figures, shared by the deliveries and the display. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Board {
    inner: Arc<Inner>,
}

/// Where one location's delivery reports. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Slot {
    board: Board,
    index: usize,
}

impl Board {
    pub fn new(words: Words) -> Board {
        Board {
            inner: Arc::new(Inner {
                words,
                started: Instant::now(),
                entries: Mutex::new(Vec::new()),
            }),
        }
    }

    /// A new line for `location`, waiting; lines keep the order their slots were made in.
    pub fn slot(&self, location: &str) -> Slot {
        let mut entries = self.entries();
        entries.push(Entry {
            figures: Figures {
                location: location.to_string(),
                state: State::Waiting,
                rows_done: 0,
                rows_total: 0,
                requests: 0,
                active: Duration::ZERO,
            },
            since: None,
            until: None,
        });
        Slot {
            board: self.clone(),
            index: entries.len() - 1,
        }
    }

    /// Every location's figures now.
    pub fn figures(&self) -> Vec<Figures> {
        let now = Instant::now();
        self.entries()
            .iter()
            .map(|entry| {
                let mut figures = entry.figures.clone();
                if let Some(since) = entry.since {
                    figures.active = entry.until.unwrap_or(now).saturating_duration_since(since);
                }
                figures
            })
            .collect()
    }

    /// The block now: every location, then the total.
    pub fn render(&self, shown: Option<usize>) -> Vec<String> {
        render(
            self.inner.words,
            &self.figures(),
            self.inner.started.elapsed(),
            shown,
        )
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        // The figures are only shown: a panic elsewhere while holding them leaves them usable.
        self.inner
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Shows the board until the returned handle is finished: redrawn in place on a terminal
    /// (`terminal`), else a block of lines every ten seconds. Call from within a runtime.
    pub fn show(&self, terminal: bool) -> Shown {
        let board = self.clone();
        let every = period(terminal);
        // One bar whose message is the whole block: a frame is drawn whole (bars of their own,
        // updated one after the other, were drawn half old, half new).
        let bar = terminal.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        let drawn = bar.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // The first tick is at once: a block of waiting locations says nothing yet.
            tick.tick().await;
            loop {
                tick.tick().await;
                match &drawn {
                    Some(bar) => bar.set_message(board.render(Some(SHOWN_ON_TERMINAL)).join("\n")),
                    None => eprint!("{}", block(&board.render(None))),
                }
            }
        });
        Shown { task, bar }
    }
}

/// The display while it is shown.
pub struct Shown {
    task: tokio::task::JoinHandle<()>,
    bar: Option<ProgressBar>,
}

impl Shown {
    /// Stops the display and clears the terminal's lines (the summary follows).
    pub fn finish(self) {
        self.task.abort();
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

fn block(lines: &[String]) -> String {
    lines.iter().map(|line| format!("{line}\n")).collect()
}

/// The printed block's period: ten seconds, or the test knob's; a terminal is redrawn often.
fn period(terminal: bool) -> Duration {
    if terminal {
        return REDRAW_EVERY;
    }
    std::env::var(EVERY_ENV)
        .ok()
        .and_then(|ms| ms.trim().parse::<u64>().ok())
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
        .unwrap_or(BLOCK_EVERY)
}

impl Slot {
    /// Rows done of the total, and the requests sent so far.
    pub fn report(&self, rows_done: u64, rows_total: u64, requests: u64) {
        let mut entries = self.board.entries();
        if let Some(entry) = entries.get_mut(self.index) {
            entry.figures.rows_done = rows_done;
            entry.figures.rows_total = rows_total;
            entry.figures.requests = requests;
        }
    }

    /// Rows done of the total (the requests unchanged).
    pub fn rows(&self, rows_done: u64, rows_total: u64) {
        let mut entries = self.board.entries();
        if let Some(entry) = entries.get_mut(self.index) {
            entry.figures.rows_done = rows_done;
            entry.figures.rows_total = rows_total;
        }
    }

    /// The requests sent so far (the rows unchanged).
    pub fn requests(&self, requests: u64) {
        let mut entries = self.board.entries();
        if let Some(entry) = entries.get_mut(self.index) {
            entry.figures.requests = requests;
        }
    }

    /// Where the location stands now: its rate is measured from when it starts working to
    /// when it stops.
    pub fn state(&self, state: State) {
        let now = Instant::now();
        let mut entries = self.board.entries();
        if let Some(entry) = entries.get_mut(self.index) {
            entry.figures.state = state;
            match state {
                State::Waiting => {}
                State::Working => {
                    entry.since.get_or_insert(now);
                    entry.until = None;
                }
                State::Done | State::Stopped | State::Failed => {
                    entry.until.get_or_insert(now);
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "board_tests.rs"]
mod tests;
