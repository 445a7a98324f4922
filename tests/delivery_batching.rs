//! The delivery's ledger writes held to a budget: commits per 1,000 rows delivered, counted by
//! the ledger connection's commit hook while the engine delivers a generated file to the
//! sandbox; and its requests to theirs: one `Authorization` header built for the whole run,
//! connections opened once per slot of the pool and then kept (the sandbox counts them). Before batching, every row cost three commits or more (marked in doubt as its slot
//! freed, its contact and its write date each in their own); a row's requests still wait for
//! the commits they depend on (`delivery_in_doubt`, `import_kill_resume` hold that).

use crate::util::{self, modes, Expected, FileSpec};
use ghl_bulk::api::Client;
use ghl_bulk::delivery::{engine, CustomFieldResolver, EngineConfig, StopReason};
use ghl_bulk::ledger::Ledger;
use ghl_sandbox::Handle;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Commits per 1,000 rows at most: rows are marked in doubt 64 at a time (those starting, in
/// groups of half the pool, and the next ones waiting), results go in batches of 64, and the
/// writer merges batches that wait for it: 27 measured. Marking only the rows starting, a
/// quarter of the pool at a time, took about 140 (session 9's budget was 200).
const COMMITS_PER_1000_ROWS: u64 = 60;

/// A generated file of clean rows, staged by `validate`, and a sandbox that takes 10,000
/// requests a second, with a client for it.
struct Staged {
    expected: Expected,
    sandbox: Handle,
    client: Client,
    /// The run's ledger, staged and not yet delivered.
    ledger: Ledger,
    /// The work folder, removed when the test ends.
    _dir: tempfile::TempDir,
}

impl Staged {
    /// `rows` rows drawn from `seed` (which also seeds the sandbox).
    async fn new(rows: usize, seed: u64) -> Staged {
        let (dir, file, expected) = util::workspace(&FileSpec::clean(rows, seed));
        let run_dir = dir.path().join("run");
        let staged = util::validate(&file, Path::new(util::MAPPING), &run_dir, &[]);
        assert!(staged.status.success(), "{staged:?}");
        let mut config = util::fast_config(seed, (0, 0));
        config.rate_limit.burst = Some((10_000, Duration::from_secs(1)));
        let sandbox = ghl_sandbox::spawn(config).await.unwrap();
        Staged {
            expected,
            client: modes::client(&sandbox),
            sandbox,
            ledger: Ledger::open(&run_dir.join("ledger.db")).unwrap(),
            _dir: dir,
        }
    }
}

/// The engine with `concurrency` requests in flight, tags sent after 300 ms at most.
fn engine_config(concurrency: usize) -> EngineConfig {
    EngineConfig {
        concurrency,
        tag_flush_after: Duration::from_millis(300),
        ..EngineConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_commits_the_ledger_in_batches_not_per_row() {
    let staged = Staged::new(1_000, 20).await;
    let (sandbox, client, expected) = (staged.sandbox, staged.client, staged.expected);
    let commits = staged.ledger.count_commits().unwrap();
    let ledger = Arc::new(Mutex::new(staged.ledger));
    let (_cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let engine_config = engine_config(32);
    let resolver = CustomFieldResolver::default();
    let (stop, counts) = engine::run(&ledger, &client, &resolver, &engine_config, cancel, &|_| {})
        .await
        .unwrap();
    assert_eq!(stop, StopReason::Finished);
    assert_eq!(counts.failed, 0, "{counts:?}");
    let delivered = counts.done();
    assert_eq!(delivered, expected.groups.len() as u64, "{counts:?}");
    assert_eq!(
        sandbox
            .contacts(Some(ghl_sandbox::DEFAULT_LOCATION_ID))
            .len() as u64,
        delivered,
        "one contact per delivered row"
    );

    let commits = commits.load(Ordering::Relaxed);
    let per_1000 = commits * 1_000 / delivered;
    assert!(
        per_1000 <= COMMITS_PER_1000_ROWS,
        "{commits} commits for {delivered} rows: {per_1000} per 1,000 rows"
    );
    // The header is built once per token, not per request.
    assert_eq!(client.bearer_builds(), 1, "Authorization values built");
    // Each slot of the pool holds its connection alive: a reconnect per request would be
    // about one connection per row. A few more than the slots may open: hyper starts a
    // connection for a request that finds none idle, and keeps it when one came free first
    // (33 seen for 32 slots).
    let connections = sandbox.connections_accepted();
    assert!(
        (1..=2 * engine_config.concurrency as u64).contains(&connections),
        "{connections} connections for {delivered} rows and a pool of {}",
        engine_config.concurrency
    );
    // Every row's outcome is in the ledger when the engine returns.
    let undelivered = ledger.lock().unwrap().undelivered().unwrap();
    assert_eq!(undelivered, 0);
}

/// A run stopped part-way leaves in doubt only rows whose requests left: the rows marked
/// ahead of their start are marked back to `pending` (what is in flight finishes on a stop, so
/// nothing is left in doubt at all), and a resume sends them as fresh rows, without a lookup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_run_leaves_no_row_marked_ahead_in_doubt() {
    let staged = Staged::new(600, 22).await;
    let (sandbox, client, expected) = (staged.sandbox, staged.client, staged.expected);
    let ledger = Arc::new(Mutex::new(staged.ledger));
    let (cancel_tx, cancel) = tokio::sync::watch::channel(false);
    let engine_config = engine_config(16);
    let resolver = CustomFieldResolver::default();
    // Stopped once a tenth of the rows are done, as Ctrl-C would.
    let stop_at = expected.groups.len() as u64 / 10;
    let on_progress = |counts: &ghl_bulk::delivery::EngineCounts| {
        if counts.done() >= stop_at {
            let _ = cancel_tx.send(true);
        }
    };
    let (stop, counts) = engine::run(
        &ledger,
        &client,
        &resolver,
        &engine_config,
        cancel,
        &on_progress,
    )
    .await
    .unwrap();
    assert_eq!(stop, StopReason::Interrupted);
    let delivered = counts.done();
    assert!(
        delivered < expected.groups.len() as u64,
        "stopped before the end: {counts:?}"
    );
    let states = ledger.lock().unwrap().state_counts().unwrap();
    assert_eq!(
        states.get(ghl_bulk::ledger::RowState::InDoubt),
        0,
        "{states:?}"
    );
    assert_eq!(
        sandbox
            .contacts(Some(ghl_sandbox::DEFAULT_LOCATION_ID))
            .len() as u64,
        delivered,
        "every contact made is a delivered row"
    );
}
