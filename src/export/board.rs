//! The one progress display of an export over many locations: each location's line (contacts
//! read of those search reported, and where it stands), rendered together every few seconds
//! on stderr by the run over many, whose locations draw no bar of their own.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::format::thousands;

/// Every location's line, in the order the locations were listed.
#[derive(Debug, Clone, Default)]
pub struct Board {
    slots: Arc<Mutex<Vec<Slot>>>,
}

/// One location's figures, updated by its writer stage.
#[derive(Debug, Clone)]
pub struct Slot {
    inner: Arc<SlotInner>,
}

#[derive(Debug)]
struct SlotInner {
    location: String,
    done: AtomicU64,
    total: AtomicU64,
    state: Mutex<&'static str>,
}

impl Board {
    /// A new line for `location`, waiting.
    pub fn slot(&self, location: &str) -> Slot {
        let slot = Slot {
            inner: Arc::new(SlotInner {
                location: location.to_string(),
                done: AtomicU64::new(0),
                total: AtomicU64::new(0),
                state: Mutex::new("waiting"),
            }),
        };
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(slot.clone());
        slot
    }

    /// `Exporting 3 locations: A 1,200/5,000 · B done 300/300 · C waiting`.
    pub fn render(&self) -> String {
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let lines: Vec<String> = slots.iter().map(Slot::line).collect();
        format!(
            "Exporting {} locations: {}\n",
            slots.len(),
            lines.join(" · ")
        )
    }
}

impl Slot {
    /// Contacts read so far, of those search reported.
    pub fn set(&self, done: u64, total: u64) {
        self.inner.done.store(done, Ordering::Relaxed);
        self.inner.total.store(total, Ordering::Relaxed);
    }

    /// Where the location stands: `waiting`, `reading`, `done`, `failed`…
    pub fn state(&self, state: &'static str) {
        *self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = state;
    }

    fn line(&self) -> String {
        let state = *self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let done = self.inner.done.load(Ordering::Relaxed);
        let total = self.inner.total.load(Ordering::Relaxed);
        let figures = format!("{}/{}", thousands(done), thousands(total));
        match state {
            "reading" => format!("{} {figures}", self.inner.location),
            "waiting" => format!("{} waiting", self.inner.location),
            other => format!("{} {other} {figures}", self.inner.location),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_board_shows_every_location_in_order() {
        let board = Board::default();
        let a = board.slot("A");
        let b = board.slot("B");
        board.slot("C");
        a.state("reading");
        a.set(1_200, 5_000);
        b.state("done");
        b.set(300, 300);
        assert_eq!(
            board.render(),
            "Exporting 3 locations: A 1,200/5,000 · B done 300/300 · C waiting\n"
        );
    }
}
