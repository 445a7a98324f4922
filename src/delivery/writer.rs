//! The delivery's ledger writer: one thread that commits what the engine learnt, batch after
//! batch in the order they were handed over, every batch waiting in one transaction. The
//! engine never waits for SQLite: it hands a batch over (a bounded channel, so a slow disk
//! slows the engine instead of filling memory) and gates the requests that must not leave
//! before the batch is durable on [`Committed`].
//!
//! Crash safety is the gate's: a row's first request waits for the batch that marks it in
//! doubt, and whatever follows a row's contact waits for the batch that records it.

use crate::ledger::{DeliveryBatch, Ledger, LedgerError};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::watch;

/// Batches handed over and not yet taken by the writer, at most.
const QUEUE: usize = 64;

/// How far the writer got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Committed {
    /// Every batch up to this sequence number (1-based; 0: none yet) is in the ledger.
    Upto(u64),
    /// A commit failed: nothing after the last `Upto` is in the ledger, and nothing more will
    /// be. The error is kept for [`Writer::finish`].
    Failed,
}

/// The handle the engine keeps.
pub(super) struct Writer {
    queue: Option<SyncSender<(u64, DeliveryBatch)>>,
    committed: watch::Receiver<Committed>,
    last: u64,
    thread: Option<JoinHandle<Result<(), LedgerError>>>,
}

impl Writer {
    /// Starts the writer thread on the ledger.
    pub(super) fn start(ledger: Arc<Mutex<Ledger>>) -> std::io::Result<Writer> {
        let (queue, batches) = sync_channel(QUEUE);
        let (report, committed) = watch::channel(Committed::Upto(0));
        let thread = std::thread::Builder::new()
            .name("ledger-writer".into())
            .spawn(move || write_all(&ledger, &batches, &report))?;
        Ok(Writer {
            queue: Some(queue),
            committed,
            last: 0,
            thread: Some(thread),
        })
    }

    /// Hands a batch over; its sequence number (what [`Writer::gate`] waits for). An empty
    /// batch is not sent: the last number is returned.
    pub(super) fn submit(&mut self, batch: DeliveryBatch) -> u64 {
        if batch.is_empty() {
            return self.last;
        }
        let Some(queue) = &self.queue else {
            return self.last;
        };
        self.last += 1;
        let sequence = self.last;
        // A full queue blocks (the writer is behind): off the runtime's worker for that time.
        let sent = match queue.try_send((sequence, batch)) {
            Ok(()) => true,
            Err(TrySendError::Full(item)) => {
                tokio::task::block_in_place(|| queue.send(item).is_ok())
            }
            Err(TrySendError::Disconnected(_)) => false,
        };
        if !sent {
            // The writer stopped after a failed commit; `Committed::Failed` says so to every
            // gate, and `finish` returns its error.
            self.queue = None;
        }
        sequence
    }

    /// The last sequence number handed over.
    pub(super) fn last(&self) -> u64 {
        self.last
    }

    /// How far the writer got, now.
    pub(super) fn committed(&self) -> Committed {
        *self.committed.borrow()
    }

    /// A future that resolves once batch `sequence` is committed: `true`, or `false` when the
    /// writer failed first.
    pub(super) fn gate(&self, sequence: u64) -> impl std::future::Future<Output = bool> + 'static {
        let mut committed = self.committed.clone();
        async move { reached(&mut committed, sequence).await }
    }

    /// Waits until everything handed over is committed (or the writer failed).
    pub(super) async fn flushed(&self) -> bool {
        let mut committed = self.committed.clone();
        reached(&mut committed, self.last).await
    }

    /// Stops the writer after it committed what it was handed, and returns its error if a
    /// commit failed.
    pub(super) fn finish(&mut self) -> Result<(), LedgerError> {
        self.queue = None;
        match self.thread.take() {
            Some(thread) => tokio::task::block_in_place(|| thread.join()).unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for Writer {
    /// The engine dropped mid-run (a second Ctrl-C): what was handed over is still committed,
    /// and the ledger is free again when the engine's future is gone.
    fn drop(&mut self) {
        self.queue = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn reached(committed: &mut watch::Receiver<Committed>, sequence: u64) -> bool {
    let outcome = committed
        .wait_for(|c| match c {
            Committed::Upto(n) => *n >= sequence,
            Committed::Failed => true,
        })
        .await
        .map(|c| *c);
    matches!(outcome, Ok(Committed::Upto(_)))
}

/// The writer thread: waits for a batch, takes every other one waiting, commits them together.
fn write_all(
    ledger: &Mutex<Ledger>,
    batches: &Receiver<(u64, DeliveryBatch)>,
    report: &watch::Sender<Committed>,
) -> Result<(), LedgerError> {
    let mut turn: Vec<DeliveryBatch> = Vec::new();
    while let Ok((mut upto, first)) = batches.recv() {
        turn.push(first);
        while let Ok((sequence, next)) = batches.try_recv() {
            upto = sequence;
            turn.push(next);
        }
        let written = match ledger.lock() {
            Ok(mut ledger) => ledger.record_batches(&turn),
            Err(_) => {
                report.send_replace(Committed::Failed);
                return Ok(());
            }
        };
        if let Err(error) = written {
            report.send_replace(Committed::Failed);
            return Err(error);
        }
        turn.clear();
        report.send_replace(Committed::Upto(upto));
    }
    Ok(())
}
