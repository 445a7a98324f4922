//! The `ghl-bulk sandbox` command line: flags turned into a [`Config`], then served until Ctrl-C.
//! The first stdout line is one JSON object `{"base_url","token","location_id"}` so scripts and
//! tests can find the sandbox; logs go to stderr.

use crate::config::{self, Config, Fixture, LocationConfig, MatchField, TokenConfig, WindowMode};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Flags of `ghl-bulk sandbox`.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Bearer token of the default location (a sandbox secret, printed on the first line).
    #[arg(long, default_value = config::DEFAULT_TOKEN)]
    pub token: String,
    /// Id of the default location (20 characters).
    #[arg(long, default_value = config::DEFAULT_LOCATION_ID)]
    pub location: String,
    /// Seed of every random choice (ids, faults, generated contacts).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Burst limit per location, MAX/INTERVAL (e.g. 100/10s, 25/10s for trial PITs), or `off`.
    #[arg(long, default_value = "100/10s", value_parser = config::parse_limit)]
    pub limit: Option<(u32, std::time::Duration)>,
    /// Daily requests per location, or `off`.
    #[arg(long, default_value = "200000", value_parser = parse_daily)]
    pub daily: Option<u64>,
    /// Burst window kind.
    #[arg(long, value_enum, default_value_t = WindowMode::Fixed)]
    pub window: WindowMode,
    /// Add `Retry-After` to 429 answers (HighLevel documents none).
    #[arg(long)]
    pub retry_after: bool,
    /// Latency added to each request: `50ms..300ms` (uniform), `100ms`, or `off`.
    #[arg(long, default_value = "off", value_parser = config::parse_latency)]
    pub latency: Option<(std::time::Duration, std::time::Duration)>,
    /// Share (0..1) of requests answered 500/502/503 without being handled.
    #[arg(long, default_value = "0", value_parser = config::parse_rate)]
    pub fault_rate: f64,
    /// Share (0..1) of requests that hang for --stall-for, unhandled, then get 504.
    #[arg(long, default_value = "0", value_parser = config::parse_rate)]
    pub stall_rate: f64,
    /// How long a stalled request hangs.
    #[arg(long, default_value = "120s", value_parser = config::parse_duration)]
    pub stall_for: std::time::Duration,
    /// Share (0..1) of successful writes whose connection is closed after the commit, unanswered.
    #[arg(long, default_value = "0", value_parser = config::parse_rate)]
    pub cut_after_commit: f64,
    /// Let the default location store duplicate contacts.
    #[arg(long)]
    pub allow_duplicates: bool,
    /// Match order of the default location (email,phone | phone,email | email | phone).
    #[arg(long, default_value = "email,phone", value_delimiter = ',', value_parser = parse_match_field)]
    pub match_order: Vec<MatchField>,
    /// Country of the default location, used to read phone numbers without `+`.
    #[arg(long, default_value = "US")]
    pub country: String,
    /// Largest batch accepted by bulk tags.
    #[arg(long, default_value_t = 100)]
    pub bulk_tags_max: usize,
    /// `expires_in` of access tokens minted by /oauth/token.
    #[arg(long, default_value = "86399s", value_parser = config::parse_duration)]
    pub token_ttl: std::time::Duration,
    /// JSON fixture: locations, settings, custom fields, tokens, contacts.
    #[arg(long)]
    pub fixture: Option<PathBuf>,
    /// Persist state to this JSON file (kept across restarts).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Preload this many generated contacts into the default location.
    #[arg(long, default_value_t = 0)]
    pub generate: usize,
}

fn parse_daily(s: &str) -> Result<Option<u64>, String> {
    if s == "off" {
        return Ok(None);
    }
    s.parse::<u64>().map(Some).map_err(|_| format!("invalid daily limit {s:?}: expected a number or `off`"))
}

fn parse_match_field(s: &str) -> Result<MatchField, String> {
    match s {
        "email" => Ok(MatchField::Email),
        "phone" => Ok(MatchField::Phone),
        _ => Err(format!("invalid match field {s:?}: expected email or phone")),
    }
}

impl SandboxArgs {
    /// The configuration these flags describe (reads the fixture file).
    pub fn to_config(&self) -> Result<Config, crate::Error> {
        let mut location = LocationConfig::new(&self.location);
        location.allow_duplicate_contact = self.allow_duplicates;
        location.match_order = self.match_order.clone();
        location.country = crate::normalise::country(&self.country).ok_or_else(|| crate::Error::Config(format!("unknown country code {}", self.country)))?;
        let mut cfg = Config {
            listen: self.listen,
            seed: self.seed,
            locations: vec![location],
            tokens: vec![TokenConfig::new(&self.token, &self.location)],
            rate_limit: config::RateLimitConfig { burst: self.limit, daily: self.daily, window: self.window, retry_after: self.retry_after },
            faults: config::FaultConfig {
                latency: self.latency,
                fault_rate: self.fault_rate,
                stall_rate: self.stall_rate,
                stall_for: self.stall_for,
                cut_after_commit: self.cut_after_commit,
            },
            bulk_tags_max: self.bulk_tags_max,
            access_token_ttl: self.token_ttl,
            data_file: self.data.clone(),
            generate: self.generate,
            ..Config::default()
        };
        for r in &mut cfg.refresh_tokens {
            r.location_id = self.location.clone();
        }
        if let Some(path) = &self.fixture {
            cfg.apply_fixture(Fixture::load(path)?);
        }
        Ok(cfg)
    }
}

/// Runs the sandbox until Ctrl-C.
pub async fn run(args: SandboxArgs) -> Result<(), crate::Error> {
    let handle = crate::spawn(args.to_config()?).await?;
    let first = serde_json::json!({
        "base_url": handle.base_url(),
        "token": args.token,
        "location_id": args.location,
    });
    let mut out = std::io::stdout().lock();
    // A closed stdout (the reader went away) is not a reason to stop serving.
    let _ = writeln!(out, "{first}").and_then(|_| out.flush());
    drop(out);
    tracing::info!(base_url = %handle.base_url(), "Sandbox listening.");
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await
}
