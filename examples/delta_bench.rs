//! Times the delta's two passes on a large file without sending a request: the rows of one
//! staged run are marked delivered (fake contact ids) and remembered in a state file, then a
//! second staged run of the same file is compared with that state file (every row unchanged).
//!
//! ```sh
//! ghl-bulk validate big.csv --mapping mappings/gen_contacts.toml --run-dir /tmp/b/a --quiet
//! ghl-bulk validate big.csv --mapping mappings/gen_contacts.toml --run-dir /tmp/b/b --quiet
//! cargo run --release --example delta_bench -- /tmp/b/a /tmp/b/b /tmp/b/state.sqlite
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use ghl_bulk::api::{BaseUrl, ClientConfig, Credentials, Secret};
use ghl_bulk::import::delta::Delta;
use ghl_bulk::import::{DeltaOptions, Target};
use ghl_bulk::ledger::{DeliveryResult, Ledger, RowState};
use ghl_bulk::mapping::{self, Mapping};

const LOCATION: &str = "BenchLocation0000001";

fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // `--compare-only`: the state file is filled already; time the comparison alone.
    let compare_only = args.first().is_some_and(|a| a == "--compare-only");
    if compare_only {
        args.remove(0);
    }
    let args: Vec<PathBuf> = args.into_iter().map(PathBuf::from).collect();
    let [delivered_run, lookup_run, state] = args.as_slice() else {
        bail!("usage: delta_bench [--compare-only] DELIVERED_RUN_DIR LOOKUP_RUN_DIR STATE_FILE");
    };
    if state.exists() != compare_only {
        bail!(
            "{}: the benchmark starts from an empty state file (with --compare-only, a filled one)",
            state.display()
        );
    }
    let options = DeltaOptions {
        state: Some(state.clone()),
        full: false,
    };
    // A loopback target: the benchmark never leaves the machine (nothing is sent anyway).
    let target = Target::Api(Box::new(ClientConfig::new(
        BaseUrl::parse("http://127.0.0.1:9/")?,
        LOCATION.to_string(),
        Credentials::Token(Secret::new("unused")),
    )));
    if !compare_only {
        deliver_and_remember(&options, &target, delivered_run)?;
    }
    compare(&options, &target, lookup_run, state)
}

/// Every pending row of the first run "delivered" (as the engine would record it), then
/// remembered: the pass that runs after the engine.
fn deliver_and_remember(
    options: &DeltaOptions,
    target: &Target,
    delivered_run: &Path,
) -> anyhow::Result<()> {
    let mut ledger = Ledger::open(&delivered_run.join("ledger.db"))?;
    let started = Instant::now();
    let mut marked = 0u64;
    loop {
        let page = ledger.delta_candidates(0, 20_000)?;
        if page.is_empty() {
            break;
        }
        let rows: Vec<u64> = page.iter().map(|r| r.row).collect();
        ledger.mark_in_doubt(&rows, "bench")?;
        let results: Vec<DeliveryResult> = rows
            .iter()
            .map(|&row| DeliveryResult {
                row,
                state: RowState::Created,
                contact_id: Some(format!("BenchContact{row:08}")),
                created: Some(true),
                ..DeliveryResult::default()
            })
            .collect();
        ledger.record_delivery(&results, "bench")?;
        marked += rows.len() as u64;
    }
    println!(
        "marked {marked} rows delivered in {:.2} s (setup, not the delta)",
        started.elapsed().as_secs_f64()
    );
    let mapping = compiled(&ledger)?;
    let mut delta = Delta::open(options, target, delivered_run, &ledger, &mapping)?;
    let started = Instant::now();
    delta.remember(&mut ledger)?;
    println!(
        "remember: {} rows in {:.2} s",
        delta.report().remembered,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The same file staged again: every row should be found unchanged.
fn compare(
    options: &DeltaOptions,
    target: &Target,
    lookup_run: &Path,
    state: &Path,
) -> anyhow::Result<()> {
    let mut ledger = Ledger::open(&lookup_run.join("ledger.db"))?;
    let mapping = compiled(&ledger)?;
    let started = Instant::now();
    let mut delta = Delta::open(options, target, lookup_run, &ledger, &mapping)?;
    let opened = started.elapsed().as_secs_f64();
    delta.skip_unchanged(&mut ledger)?;
    let report = delta.report();
    println!(
        "compare: {} rows, {} unchanged, {} changed in {:.2} s (open {opened:.2} s)",
        report.compared,
        report.unchanged,
        report.changed,
        started.elapsed().as_secs_f64()
    );
    let size = std::fs::metadata(state).map(|m| m.len()).unwrap_or(0);
    println!(
        "state file: {} identities, {:.1} MB",
        report.known_before,
        size as f64 / 1e6
    );
    Ok(())
}

fn compiled(ledger: &Ledger) -> anyhow::Result<Mapping> {
    let record = ledger.run_record()?;
    let loaded = mapping::load(Path::new(&record.mapping_path))
        .with_context(|| format!("mapping {}", record.mapping_path))?;
    Ok(Mapping::compile(
        &loaded.spec,
        &record.headers,
        None,
        &loaded.path,
    )?)
}
