//! Requests to stop from outside the process: Ctrl-C (SIGINT) and SIGTERM (what `systemctl
//! stop`, `docker stop` and `kill` send) are counted here, the same way for every command, so
//! that each can stop cleanly at its next safe point: the first request asks for a graceful
//! stop (requests in flight finish, the ledger and a summary saying `interrupted` are written,
//! temporary files removed, exit 130), the second for an immediate one (the work in flight is
//! dropped; the ledger, written in transactions, stays consistent). The binary installs the
//! signal handlers (`cli::signals`); this module only counts, so library code and its tests
//! never depend on a handler being there.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

static REQUESTS: AtomicUsize = AtomicUsize::new(0);

/// How often async code looks at the count: fast enough that a stop feels immediate, slow
/// enough to cost nothing.
const POLL: Duration = Duration::from_millis(50);

/// Counts one request to stop and returns how many there were. Async-signal-safe (one atomic
/// add): the signal handler calls it.
pub fn request() -> usize {
    REQUESTS.fetch_add(1, Ordering::SeqCst) + 1
}

/// How many times a stop was asked for.
pub fn requests() -> usize {
    REQUESTS.load(Ordering::SeqCst)
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    requests() > 0
}

/// Resolves once at least `n` stops were asked for.
pub async fn wait_for(n: usize) {
    while requests() < n {
        tokio::time::sleep(POLL).await;
    }
}

/// The first request: says what happens (once) and sets `cancel`, so the engine sends nothing
/// new. `again` names the command that continues the work.
pub async fn graceful(cancel: tokio::sync::watch::Sender<bool>, again: &str) {
    wait_for(1).await;
    eprintln!(
        "\nStopping after the requests in flight (Ctrl-C again to stop at once; {again} \
         continues)."
    );
    let _ = cancel.send(true);
    std::future::pending::<()>().await
}
