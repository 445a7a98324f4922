//! The wall clock: every timestamp the tool writes (ledger, summaries, run folder names) and
//! "today" (dates of birth after it are refused) come from here, so that a test can pin them.
//! A [`Clock`] is real unless pinned; [`Clock::current`] is the one in force on this thread
//! ([`pinned`] sets it for the length of a closure). Durations for pacing and timeouts are not
//! wall-clock time: they use tokio's `Instant` (paused in tests).

use std::cell::Cell;

use chrono::{DateTime, SecondsFormat, Utc};

thread_local! {
    static PINNED: Cell<Option<DateTime<Utc>>> = const { Cell::new(None) };
}

/// A wall clock: the real one, or one stopped at an instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    pinned: Option<DateTime<Utc>>,
}

impl Clock {
    /// The system's clock.
    pub fn real() -> Clock {
        Clock { pinned: None }
    }

    /// A clock that always reads `at`.
    pub fn pinned_at(at: DateTime<Utc>) -> Clock {
        Clock { pinned: Some(at) }
    }

    /// The clock in force on this thread: pinned inside [`pinned`], else the real one.
    pub fn current() -> Clock {
        Clock {
            pinned: PINNED.with(Cell::get),
        }
    }

    /// Now, in UTC.
    pub fn now(&self) -> DateTime<Utc> {
        self.pinned.unwrap_or_else(Utc::now)
    }

    /// Today's date in UTC, `YYYY-MM-DD`.
    pub fn today(&self) -> String {
        self.now().format("%Y-%m-%d").to_string()
    }

    /// Now as RFC 3339 with seconds (`2001-02-03T04:05:06Z`): what the ledger and the
    /// summaries record.
    pub fn rfc3339(&self) -> String {
        self.now().to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// Runs `work` with this thread's clock pinned at `at` (the real clock again afterwards).
pub fn pinned<T>(at: DateTime<Utc>, work: impl FnOnce() -> T) -> T {
    struct Restore(Option<DateTime<Utc>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            PINNED.with(|p| p.set(self.0));
        }
    }
    let _restore = Restore(PINNED.with(|p| p.replace(Some(at))));
    work()
}

/// Now in UTC, from the clock in force.
pub fn now() -> DateTime<Utc> {
    Clock::current().now()
}

/// Today's date in UTC (`YYYY-MM-DD`), from the clock in force.
pub fn today() -> String {
    Clock::current().today()
}

/// Now as RFC 3339 with seconds, from the clock in force.
pub fn now_rfc3339() -> String {
    Clock::current().rfc3339()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_clock_reads_its_instant_and_the_real_one_comes_back() {
        let at = DateTime::parse_from_rfc3339("2001-02-03T04:05:06Z")
            .unwrap()
            .with_timezone(&Utc);
        let (stamp, day) = pinned(at, || (now_rfc3339(), today()));
        assert_eq!(stamp, "2001-02-03T04:05:06Z");
        assert_eq!(day, "2001-02-03");
        assert_eq!(Clock::pinned_at(at).now(), at);
        assert_eq!(Clock::current(), Clock::real());
        assert!(now() > at, "the real clock again after `pinned`");
    }
}
