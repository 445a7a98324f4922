//! A gate between the few tests that time real requests against a sandbox and the rest. The
//! suite runs many tests at once (`RUST_TEST_THREADS` in `.cargo/config.toml`: they mostly wait
//! on sandboxes and child processes), and on a busy 2-core machine a test that paces requests
//! against a server's window is starved by its neighbours: its requests reach the server late
//! and bunched, and a window the client respected looks overrun (or one it should fill never
//! fills). Such a test asks to run [`alone`]; the harness's sandboxes and child processes hold
//! a [`shared`] pass while they live (the test running alone gets passes for its own). Passes
//! are always granted while no test runs alone (a test may hold several, e.g. two sandboxes,
//! without deadlock), so a test waiting to run alone waits until no pass is held, at worst
//! until the others have finished.

use std::sync::{Condvar, Mutex, PoisonError};
use std::thread::{self, ThreadId};

struct State {
    shared: usize,
    /// The thread of the test running alone: its own sandboxes and child processes still get
    /// their passes.
    alone: Option<ThreadId>,
    /// Tests waiting to run alone (what the gate's own test watches for).
    waiting: usize,
}

static STATE: Mutex<State> = Mutex::new(State {
    shared: 0,
    alone: None,
    waiting: 0,
});
static CHANGED: Condvar = Condvar::new();

/// Held while a sandbox or a child process of the harness lives.
pub struct Shared(());

/// Held by a test that must not share the machine with the harness's other work.
pub struct Alone(());

/// A pass to run beside the others (waits while another test runs alone).
pub fn shared() -> Shared {
    let me = thread::current().id();
    let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
    while state.alone.is_some_and(|holder| holder != me) {
        state = CHANGED.wait(state).unwrap_or_else(PoisonError::into_inner);
    }
    state.shared += 1;
    Shared(())
}

/// Waits until no pass is held and no other test runs alone, then keeps new passes waiting
/// until the returned guard is dropped.
pub fn alone() -> Alone {
    let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
    state.waiting += 1;
    while state.alone.is_some() || state.shared > 0 {
        state = CHANGED.wait(state).unwrap_or_else(PoisonError::into_inner);
    }
    state.waiting -= 1;
    state.alone = Some(thread::current().id());
    Alone(())
}

impl Drop for Shared {
    fn drop(&mut self) {
        let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
        state.shared -= 1;
        CHANGED.notify_all();
    }
}

impl Drop for Alone {
    fn drop(&mut self) {
        let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
        state.alone = None;
        CHANGED.notify_all();
    }
}

#[test]
fn a_test_alone_waits_for_every_pass_and_holds_new_ones_back() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    // Other tests of this binary take passes too, so only the order within this test is
    // checked: while the pass below is held, `alone` cannot return.
    let pass = shared();
    let ran = Arc::new(AtomicBool::new(false));
    let waiter = {
        let ran = ran.clone();
        std::thread::spawn(move || {
            let _alone = alone();
            ran.store(true, Ordering::SeqCst);
        })
    };
    // Until some test waits to run alone (this one's waiter, or another test's: either way,
    // none may run while this pass is held).
    while STATE.lock().unwrap_or_else(PoisonError::into_inner).waiting == 0 {
        std::thread::yield_now();
    }
    assert!(!ran.load(Ordering::SeqCst), "ran alone beside a held pass");
    drop(pass);
    waiter.join().unwrap();
    assert!(ran.load(Ordering::SeqCst));
}
