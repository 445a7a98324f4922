//! The one bounded, cancellable dispatch loop every command sends through (import's delivery,
//! undo, delete, export), and the one reading of what a failed request means for the run.
//!
//! A [`Dispatch`] keeps at most `bound` requests in flight and hands back each one's outcome as
//! it completes (or, for export's ordered stages, in the order they were sent), for the caller
//! to record. Once a stop is asked for (Ctrl-C, through the `cancel` watch) or the caller halts
//! it (a resumable stop), it takes no new work, and what is in flight finishes: every command's
//! ledger then knows what was sent. Retries are not here: the client has the one retry policy,
//! so an error that reaches a loop is final for that request, and [`verdict`] says what it
//! means for the run.

use futures_util::stream::{FuturesOrdered, FuturesUnordered, StreamExt};
use std::future::Future;
use std::pin::Pin;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::api::ApiError;

/// What a failed request means for the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The token, its scopes or its location were refused, or the target is not HighLevel (a
    /// redirect, an oversized answer, a TLS failure): the run stops with an error (exit 1).
    Auth,
    /// The run cannot go on now but can later (the daily budget is down to the reserve, the API
    /// stayed unreachable or rate limited past the retries): it stops cleanly, resumable
    /// (exit 75), and the item stays pending.
    Resumable,
    /// This item failed (a 400, 404, 422, an answer of the wrong shape, an unknown outcome of a
    /// create …); the run goes on with the others.
    RowFailure,
}

/// Sorts an error into what it means for the run; the same for every command.
pub fn verdict(error: &ApiError) -> Verdict {
    if error.is_fatal() {
        Verdict::Auth
    } else if error.is_resumable_stop() {
        Verdict::Resumable
    } else {
        Verdict::RowFailure
    }
}

/// A bulk call (tags, business) refused for one of its members: sent again in halves, the
/// member that spoils it ends up alone (the endpoints' size cap is undocumented, HighLevel
/// #315). A server error or a stop is not the members' doing, so halving would not help.
pub fn halving_may_help(error: &ApiError, members: usize) -> bool {
    members > 1
        && verdict(error) == Verdict::RowFailure
        && error.status().is_some_and(|status| status < 500)
}

/// One request (or an item's short sequence of them) in flight.
pub type Request<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What [`Dispatch::wait_until`] woke up for.
pub enum Wake<T> {
    /// A request completed with this outcome.
    Done(T),
    /// The deadline passed first.
    Deadline,
    /// A stop was asked for.
    Cancelled,
}

/// The requests in flight: handed back as they complete, or as they were sent.
enum InFlight<'a, T> {
    Completion(FuturesUnordered<Request<'a, T>>),
    Submission(FuturesOrdered<Request<'a, T>>),
}

/// A bounded, cancellable set of requests in flight.
pub struct Dispatch<'a, T> {
    bound: usize,
    cancel: Option<watch::Receiver<bool>>,
    halted: bool,
    in_flight: InFlight<'a, T>,
}

impl<'a, T> Dispatch<'a, T> {
    /// At most `bound` (at least one) in flight; takes no new work once `cancel` is true.
    pub fn new(bound: usize, cancel: watch::Receiver<bool>) -> Self {
        Dispatch {
            cancel: Some(cancel),
            ..Dispatch::uncancellable(bound)
        }
    }

    /// For a stage its caller stops by dropping it (export: the work in flight is let go).
    pub fn uncancellable(bound: usize) -> Self {
        Dispatch {
            bound,
            cancel: None,
            halted: false,
            in_flight: InFlight::Completion(FuturesUnordered::new()),
        }
    }

    /// Outcomes in the order the requests were sent rather than as they complete.
    pub fn in_sending_order(mut self) -> Self {
        self.in_flight = InFlight::Submission(FuturesOrdered::new());
        self
    }

    /// A new bound, e.g. once the API has said what rate it allows.
    pub fn set_bound(&mut self, bound: usize) {
        self.bound = bound;
    }

    /// Requests in flight.
    pub fn len(&self) -> usize {
        self.in_flight.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Slots free under the bound.
    pub fn room(&self) -> usize {
        self.bound.max(1).saturating_sub(self.len())
    }

    /// Whether a stop was asked for (Ctrl-C, SIGTERM).
    pub fn cancel_requested(&self) -> bool {
        self.cancel.as_ref().is_some_and(|cancel| *cancel.borrow())
    }

    /// Takes no new work from now on (the run stops, resumable); what is in flight finishes.
    pub fn halt(&mut self) {
        self.halted = true;
    }

    /// Whether new work is still taken.
    pub fn taking(&self) -> bool {
        !self.halted && !self.cancel_requested()
    }

    /// Sends a request whatever the bound and the stop: for the rest of an item already
    /// started (its follow-ups, its bulk groups), which the caller counts against the bound.
    pub fn push(&mut self, request: Request<'a, T>) {
        match &mut self.in_flight {
            InFlight::Completion(set) => set.push(request),
            InFlight::Submission(queue) => queue.push_back(request),
        }
    }

    /// Sends items from `source` while there is room and new work is taken.
    pub fn fill<I, F>(&mut self, source: &mut impl Iterator<Item = I>, mut send: impl FnMut(I) -> F)
    where
        F: Future<Output = T> + Send + 'a,
    {
        while self.room() > 0 && self.taking() {
            let Some(item) = source.next() else { break };
            self.push(Box::pin(send(item)));
        }
    }

    /// The next outcome; `None` once nothing is in flight.
    pub async fn next(&mut self) -> Option<T> {
        self.in_flight.next().await
    }

    /// Fills from `source`, then waits for the next outcome; `None` once the source is spent
    /// (or no new work is taken) and nothing is in flight.
    pub async fn next_from<I, F>(
        &mut self,
        source: &mut impl Iterator<Item = I>,
        send: impl FnMut(I) -> F,
    ) -> Option<T>
    where
        F: Future<Output = T> + Send + 'a,
    {
        self.fill(source, send);
        self.next().await
    }

    /// The next outcome, or the deadline, or a stop asked for, whichever comes first.
    pub async fn wait_until(&mut self, deadline: Instant) -> Wake<T> {
        let Dispatch {
            cancel, in_flight, ..
        } = self;
        let cancelled = async {
            let changed = match cancel.as_mut() {
                Some(cancel) => cancel.changed().await.is_ok(),
                None => false,
            };
            if !changed {
                // No stop can come (none was wired, or its sender is gone).
                std::future::pending::<()>().await;
            }
        };
        let busy = in_flight.len() > 0;
        tokio::select! {
            Some(done) = in_flight.next(), if busy => Wake::Done(done),
            () = tokio::time::sleep_until(deadline) => Wake::Deadline,
            () = cancelled => Wake::Cancelled,
        }
    }
}

impl<T> InFlight<'_, T> {
    fn len(&self) -> usize {
        match self {
            InFlight::Completion(set) => set.len(),
            InFlight::Submission(queue) => queue.len(),
        }
    }

    async fn next(&mut self) -> Option<T> {
        match self {
            InFlight::Completion(set) => set.next().await,
            InFlight::Submission(queue) => queue.next().await,
        }
    }
}

#[cfg(test)]
#[path = "dispatch_tests.rs"]
mod tests;
