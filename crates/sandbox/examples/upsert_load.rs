//! Load generator: how many `POST /contacts/upsert` per second the sandbox serves with limits
//! and latency off, so a benchmark of the tool knows the sandbox is not its bottleneck.
//!
//! Loopback only, bounded in count and time:
//! `cargo run --release -p ghl-sandbox --example upsert_load -- --count 100000 --concurrency 64`
//! Without `--base-url` it starts its own sandbox in-process (limits off); with it, it targets a
//! running `ghl-bulk sandbox --limit off --daily off` (127.0.0.1 or localhost only).

use clap::Parser;
use ghl_sandbox::{spawn, Config, RateLimitConfig, DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
struct Args {
    /// Upserts to send (at most 1,000,000).
    #[arg(long, default_value_t = 100_000)]
    count: usize,
    /// Requests in flight.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Stop after this many seconds even if `count` is not reached.
    #[arg(long, default_value_t = 60)]
    max_seconds: u64,
    /// A running sandbox on loopback (e.g. http://127.0.0.1:8080); default: start one in-process.
    #[arg(long)]
    base_url: Option<String>,
    /// Share (0..1) of upserts that hit an existing contact (updates instead of creates).
    #[arg(long, default_value_t = 0.0)]
    repeat: f64,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if args.count > 1_000_000 || args.concurrency == 0 || args.concurrency > 1024 {
        return Err("count must be ≤ 1,000,000 and concurrency 1..=1024".into());
    }
    let (base, _sandbox) = match &args.base_url {
        Some(url) => {
            let host = url
                .trim_start_matches("http://")
                .split([':', '/'])
                .next()
                .unwrap_or_default();
            if host != "127.0.0.1" && host != "localhost" {
                return Err("only loopback targets are allowed".into());
            }
            (url.trim_end_matches('/').to_string(), None)
        }
        None => {
            let h = spawn(Config {
                rate_limit: RateLimitConfig::off(),
                ..Config::default()
            })
            .await?;
            (h.base_url(), Some(h))
        }
    };
    // reqwest may be built without a TLS provider (the workspace's features): install one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    #[allow(clippy::disallowed_methods)] // the provider is installed just above
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(10))
        .build()?;
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.max_seconds);
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..args.concurrency {
        let (client, next, base) = (client.clone(), next.clone(), base.clone());
        let (count, repeat) = (args.count, args.repeat);
        workers.push(tokio::spawn(async move {
            let mut rng = fastrand::Rng::with_seed(w as u64);
            let mut lat = Vec::new();
            let mut errors = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count || Instant::now() > deadline {
                    break;
                }
                let n = if i > 0 && rng.f64() < repeat {
                    rng.usize(..i)
                } else {
                    i
                };
                let body = json!({
                    "locationId": DEFAULT_LOCATION_ID,
                    "firstName": "Load", "lastName": format!("Test{n}"),
                    "email": format!("load{n}@example.com"),
                    "phone": format!("+1512{:03}{:04}", 200 + (n / 10_000) % 800, n % 10_000),
                    "tags": ["load-test"],
                });
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/contacts/upsert"))
                    .bearer_auth(DEFAULT_TOKEN)
                    .header("Version", "2021-07-28")
                    .json(&body)
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status().as_u16() == 200 => {
                        let _ = resp.bytes().await;
                    }
                    _ => errors += 1,
                }
                lat.push(t.elapsed());
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (l, e) = w.await?;
        lat.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "{{\"requests\":{},\"errors\":{errors},\"seconds\":{:.2},\"per_second\":{:.0},\"p50_ms\":{:.2},\"p99_ms\":{:.2},\"concurrency\":{}}}",
        lat.len(),
        elapsed.as_secs_f64(),
        lat.len() as f64 / elapsed.as_secs_f64(),
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        args.concurrency
    );
    if errors > 0 {
        return Err(format!("{errors} requests failed").into());
    }
    Ok(())
}
