//! The async engine: a bounded set of in-flight requests (`run::dispatch`) fed from the
//! ledger. Each row's contact is resolved as the mode says (`resolve`), then its tag changes
//! and business join groups of rows needing the same bulk request (`batches`), and its notes
//! and task are created (`followups`). A row's result is written when all its requests are done
//! (`rows`). Rows are marked `in_doubt` in the ledger before their first request leaves, so a
//! stop at any instant loses nothing.
//!
//! The ledger is written by its own thread (`writer`): each turn of the loop hands over one
//! batch (rows started, contacts seen, results), and the requests that must not leave before
//! it is committed wait for it (`gate`) instead of the loop waiting for SQLite.

use super::batches::{BatchKey, Batches, Member};
use super::before;
use super::custom_fields::CustomFieldResolver;
use super::followups::FollowupsDone;
use super::intake::{read_rows, start_rows};
use super::resolve::{self, Failure, Resolved};
use super::rows::Row;
use super::writer::{Committed, Writer};
use super::DeliveryError;
use crate::api::models::{BulkBusinessResponse, BulkTagsResponse};
use crate::api::{ApiError, Client};
use crate::ledger::{DeliveryBatch, DeliveryResult, Ledger};
use crate::run::dispatch::{Dispatch, Request, Wake};
use futures_util::FutureExt;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

mod settings;
pub use settings::{EngineConfig, EngineCounts, StopReason};

/// One request (or a row's short sequence of them) in flight.
pub(super) type Job<'a> = Request<'a, Done>;

/// What a finished job hands back.
pub(super) enum Done {
    Contact(u64, Box<Result<Resolved, Failure>>),
    Batch(BatchKey, Vec<Member>, Result<BatchReply, ApiError>),
    Followups(u64, FollowupsDone),
    /// Something that stops the whole run (a before-image the ledger could not keep).
    Fatal(DeliveryError),
    /// The ledger writer failed before the job's gate opened: the job never left.
    Unwritten,
}

/// The answer of a bulk call.
pub(super) enum BatchReply {
    Tags(BulkTagsResponse),
    Business(BulkBusinessResponse),
}

/// Rows waiting in memory at most before their bulk groups are sent anyway, in batches.
const WAITING_CAP_BATCHES: usize = 10;

/// Finished rows kept in memory at most before their results are handed to the writer.
const RESULTS_PER_BATCH: usize = 64;

/// New rows start when this share of the pool is free (or nothing is in flight): one ledger
/// transaction marks them all in doubt, instead of one per row as answers trickle in.
const START_SHARE: usize = 2;

/// Rows started together at most: the pool refills in steps of this many.
const START_CHUNK_MAX: usize = 16;

/// Rows marked in doubt at most in one commit: those starting, and the next ones waiting
/// (never sent before) marked ahead, so that most starts need no commit of their own. A row
/// marked ahead that the run stops before sending is marked back (`unmarked`); one a crash
/// leaves marked is looked up before it is sent again, as any row in doubt.
const MARK_AT_ONCE: usize = 64;

/// Delivers every deliverable row of the ledger, or stops early (see [`StopReason`]).
pub async fn run(
    ledger: &Arc<Mutex<Ledger>>,
    client: &Client,
    custom: &CustomFieldResolver,
    config: &EngineConfig,
    cancel: watch::Receiver<bool>,
    on_progress: &(dyn Fn(&EngineCounts) + Sync),
) -> Result<(StopReason, EngineCounts), DeliveryError> {
    let writer = Writer::start(Arc::clone(ledger)).map_err(DeliveryError::Writer)?;
    let ledger: &Mutex<Ledger> = ledger;
    let recorded = with_ledger(ledger, |l| l.pin_delivery_mode(config.mode.as_str()))?;
    if recorded != config.mode.as_str() {
        return Err(DeliveryError::ModeChanged {
            recorded,
            asked: config.mode.to_string(),
        });
    }
    let mut engine = Engine {
        ledger,
        client,
        config,
        rows: HashMap::new(),
        batches: Batches::default(),
        ready: VecDeque::new(),
        finished: Vec::new(),
        counts: EngineCounts::default(),
        stop: None,
        resolving: 0,
        captures: HashMap::new(),
        pending: DeliveryBatch::default(),
        writer,
        reported: VecDeque::new(),
    };
    let mut queue: VecDeque<Row> = VecDeque::new();
    // The first `ahead` rows of `queue` are marked in doubt already, in batch `ahead_gate`.
    let mut ahead = 0usize;
    let mut ahead_gate = 0u64;
    let mut after = 0u64;
    let mut drained = false;
    let mut pool: Dispatch<'_, Done> = Dispatch::new(config.concurrency, cancel);
    let mut last_write = Instant::now();
    let cap = config.tag_batch.max(1) * WAITING_CAP_BATCHES;
    let chunk = (config.concurrency / START_SHARE).clamp(1, START_CHUNK_MAX);
    loop {
        if pool.cancel_requested() && engine.stop.is_none() {
            engine.stop = Some(StopReason::Interrupted);
        }
        let stopping = engine.stop.is_some();
        let mut jobs: Vec<Job<'_>> = Vec::new();
        let mut starting: Vec<Row> = Vec::new();
        // The rest of rows already started goes first, stopping or not.
        while jobs.len() < pool.room() {
            let Some(job) = engine.ready.pop_front() else {
                break;
            };
            jobs.push(job);
        }
        let room = pool.room() - jobs.len();
        if !stopping && (room >= chunk || pool.len() + jobs.len() == 0) {
            while starting.len() < room {
                // A read whose rows all failed to plan reads on: nothing else would wake the loop.
                while queue.is_empty() && !drained {
                    let (read, more) = read_rows(&mut engine, &mut after, custom)?;
                    drained = !more;
                    queue.extend(read);
                }
                let Some(row) = queue.pop_front() else {
                    break;
                };
                starting.push(row);
            }
        }
        // Rows leave `queue` from its front: the first of them may be marked already.
        let premarked = ahead.min(starting.len());
        ahead -= premarked;
        let marking = starting.len() > premarked;
        if marking {
            // `ahead` is 0 here: the rows after these in `queue` are not marked yet.
            let next = queue
                .iter()
                .take_while(|row| !row.history.sent_before)
                .take(MARK_AT_ONCE.saturating_sub(starting.len() - premarked))
                .map(|row| row.plan.row);
            let rows: Vec<u64> = starting[premarked..]
                .iter()
                .map(|row| row.plan.row)
                .chain(next)
                .collect();
            ahead = rows.len() - (starting.len() - premarked);
            mark_started(&mut engine, rows);
        }
        // The jobs from `ready` may follow contacts seen since the last batch.
        let must_write = marking || (!jobs.is_empty() && !engine.pending.seen.is_empty());
        let results_due = engine.finished.len() >= RESULTS_PER_BATCH
            || last_write.elapsed() >= Duration::from_millis(500);
        if results_due {
            engine.stage_results();
            last_write = Instant::now();
        }
        let gate = if must_write || results_due {
            engine.submit()
        } else {
            engine.writer.last()
        };
        for job in jobs {
            let job = engine.gated(gate, job);
            pool.push(job);
        }
        if marking {
            ahead_gate = gate;
        }
        let start_gate = if marking { gate } else { ahead_gate };
        for job in start_rows(&mut engine, starting, start_gate) {
            pool.push(job);
        }
        // Bulk groups wait for the last contact (fewest requests), unless the valve opens.
        let contacts_left = !queue.is_empty() || !drained || engine.resolving > 0;
        let finishing = stopping || !contacts_left;
        if finishing || engine.batches.overdue(config.tag_flush_after, cap) {
            engine.flush_batches();
        }
        if pool.is_empty() {
            if !engine.ready.is_empty() {
                continue;
            }
            if finishing && engine.batches.is_empty() {
                break;
            }
        }
        let valve = engine
            .batches
            .deadline(config.tag_flush_after)
            .unwrap_or_else(|| Instant::now() + config.tag_flush_after);
        // A stop asked for or the valve opening wakes the loop as well as an answer.
        if let Wake::Done(done) = pool.wait_until(valve).await {
            engine.handle(done)?;
            // Every other answer already in: one batch for all of them.
            for _ in 0..config.concurrency {
                match pool.next().now_or_never() {
                    Some(Some(done)) => engine.handle(done)?,
                    _ => break,
                }
            }
        }
        engine.report_committed(on_progress);
    }
    engine.stage_results();
    // Marked ahead, never sent: the run stopped before their turn.
    engine.pending.unmarked = queue.iter().take(ahead).map(|row| row.plan.row).collect();
    engine.submit();
    let flushed = engine.writer.flushed().await;
    engine.writer.finish()?;
    if !flushed {
        return Err(DeliveryError::Poisoned);
    }
    engine.report_committed(on_progress);
    on_progress(&engine.counts);
    Ok((engine.stop.unwrap_or(StopReason::Finished), engine.counts))
}

/// Rows about to start (and the next few): marked in doubt in the batch their first requests
/// wait for.
fn mark_started(engine: &mut Engine<'_>, rows: Vec<u64>) {
    if rows.is_empty() {
        return;
    }
    let stamp = crate::run::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    engine.pending.in_doubt.extend(rows);
    engine.pending.in_doubt_at = stamp;
}

/// The engine's state between requests.
pub(super) struct Engine<'a> {
    pub(super) ledger: &'a Mutex<Ledger>,
    pub(super) client: &'a Client,
    pub(super) config: &'a EngineConfig,
    /// Rows with requests still to come, by row number.
    pub(super) rows: HashMap<u64, Row>,
    pub(super) batches: Batches,
    /// Jobs waiting for a free slot.
    pub(super) ready: VecDeque<Job<'a>>,
    /// Results not yet written to the ledger.
    pub(super) finished: Vec<DeliveryResult>,
    pub(super) counts: EngineCounts,
    pub(super) stop: Option<StopReason>,
    /// Rows whose contact is being resolved.
    pub(super) resolving: usize,
    /// `--undoable`: the before-images each row waits for before its contact is written.
    pub(super) captures: HashMap<u64, std::sync::Arc<before::Capture>>,
    /// What the next batch hands the writer.
    pub(super) pending: DeliveryBatch,
    pub(super) writer: Writer,
    /// Counts to show once the batch with their results is committed.
    reported: VecDeque<(u64, EngineCounts)>,
}

impl<'a> Engine<'a> {
    /// Hands the pending batch to the writer; the sequence number to wait for.
    fn submit(&mut self) -> u64 {
        let batch = std::mem::take(&mut self.pending);
        self.writer.submit(batch)
    }

    /// `job`, held back until batch `gate` is committed (as is, when it is already).
    pub(super) fn gated(&self, gate: u64, job: Job<'a>) -> Job<'a> {
        if matches!(self.writer.committed(), Committed::Upto(n) if n >= gate) {
            return job;
        }
        let open = self.writer.gate(gate);
        Box::pin(async move {
            if !open.await {
                return Done::Unwritten;
            }
            job.await
        })
    }

    /// The counts of every committed batch of results, shown in order.
    fn report_committed(&mut self, on_progress: &(dyn Fn(&EngineCounts) + Sync)) {
        let Committed::Upto(upto) = self.writer.committed() else {
            return;
        };
        let mut last = None;
        while self.reported.front().is_some_and(|(n, _)| *n <= upto) {
            last = self.reported.pop_front().map(|(_, counts)| counts);
        }
        if let Some(counts) = last {
            on_progress(&counts);
        }
    }

    /// Moves the finished rows into the pending batch; their counts are shown once it is
    /// committed.
    fn stage_results(&mut self) {
        if self.finished.is_empty() {
            return;
        }
        self.write();
        self.reported
            .push_back((self.writer.last() + 1, self.counts.clone()));
    }

    pub(super) fn resolve(&mut self, row: Row, gate: u64) -> Job<'a> {
        let client = self.client;
        let mode = self.config.mode;
        let number = row.plan.row;
        let plan = row.plan.clone();
        let history = row.history;
        let known = row.known.clone();
        let decided = row.decided.clone();
        let on_conflict = self.config.on_conflict;
        let capture = self.captures.remove(&number);
        let ledger = self.ledger;
        self.rows.insert(number, row);
        self.resolving += 1;
        let open = self.writer.gate(gate);
        Box::pin(async move {
            // Marked in doubt first: only then may the row's first request leave.
            if !open.await {
                return Done::Unwritten;
            }
            if let Some(capture) = capture {
                match capture.ensure(client, ledger).await {
                    Ok(()) => {}
                    Err(before::CaptureError::Api(error)) => {
                        return Done::Contact(number, Box::new(Err(("before_image_failed", error))))
                    }
                    Err(before::CaptureError::Fatal(error)) => return Done::Fatal(error),
                }
            }
            let outcome = match (known, decided) {
                (Some(known), _) => Ok(known.resolved()),
                (None, Some(decided)) => {
                    super::decided::carry_out(client, ledger, on_conflict, &plan, decided, history)
                        .await
                }
                (None, None) => resolve::resolve(client, mode, &plan, history).await,
            };
            Done::Contact(number, Box::new(outcome))
        })
    }

    fn handle(&mut self, done: Done) -> Result<(), DeliveryError> {
        match done {
            Done::Contact(row, outcome) => {
                self.resolving -= 1;
                match *outcome {
                    Ok(resolved) => self.resolved(row, resolved),
                    Err((code, error)) => self.row_error(row, code, error),
                }
            }
            Done::Batch(key, members, outcome) => self.batch_done(key, members, outcome),
            Done::Followups(row, done) => self.followups_done(row, done),
            Done::Fatal(error) => Err(error),
            Done::Unwritten => Err(match self.writer.finish() {
                Err(error) => error.into(),
                Ok(()) => DeliveryError::Poisoned,
            }),
        }
    }
}

pub(super) fn with_ledger<T>(
    ledger: &Mutex<Ledger>,
    f: impl FnOnce(&mut Ledger) -> Result<T, crate::ledger::LedgerError>,
) -> Result<T, DeliveryError> {
    tokio::task::block_in_place(|| {
        let mut guard = ledger.lock().map_err(|_| DeliveryError::Poisoned)?;
        f(&mut guard).map_err(DeliveryError::from)
    })
}
