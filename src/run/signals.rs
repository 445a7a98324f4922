//! Requests to stop from outside the process: Ctrl-C (SIGINT) and SIGTERM (what `systemctl
//! stop`, `docker stop` and `kill` send) are counted here, the same way for every command, so
//! that each can stop cleanly at its next safe point: the first request asks for a graceful
//! stop (requests in flight finish, the ledger and a summary saying `interrupted` are written,
//! temporary files removed, the run ends `Interrupted`), the second for an immediate one (the
//! work in flight is dropped; the ledger, written in transactions, stays consistent). A third
//! calls the binary's `forced_stop` (the process ends at once, for a command stuck where it
//! cannot look): what that does is `main.rs`'s to decide, as every exit is. [`install`] puts the
//! handlers in place (the command line does, for the commands that work on contacts or run
//! folders); the rest only counts, so library code and its tests never depend on a handler
//! being there.

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

/// Installs the handlers for SIGINT and SIGTERM: each is counted, and the third calls
/// `forced_stop` from the signal handler, so it must be async-signal-safe (`_exit` is). An
/// error means the signals keep their default action.
pub fn install(forced_stop: fn() -> !) -> std::io::Result<()> {
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // SAFETY: the handler only does an atomic add and, on the third signal, calls
        // `forced_stop`, which the caller vouches is async-signal-safe.
        unsafe {
            signal_hook::low_level::register(signal, move || {
                if request() >= 3 {
                    forced_stop();
                }
            })?;
        }
    }
    Ok(())
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
