//! The `ghl-bulk sandbox` command line: flags turned into a [`Config`], then served until Ctrl-C.
//! The first stdout line is one JSON object so scripts and tests can find the sandbox:
//! `{"base_url","token","location_id","locations":[{"id","token"}],"agency":{"client_id",
//! "client_secret","refresh_token","company_id","app_id"}}`; logs go to stderr.

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
    /// Serve this many locations: the default one, then `SandboxLocation00002`… each with its
    /// own data, limits and token (`pit-sandbox-0000-0000-0000-000000000001`…), all listed on
    /// the first line and all in the sandbox's one agency.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub locations: u32,
    /// Seed of every random choice (ids, faults, generated contacts).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Burst limit per location, MAX/INTERVAL (e.g. 100/10s, 25/10s for trial PITs), or `off`.
    #[arg(long, default_value = "100/10s", value_parser = |s: &str| config::parse_limit(s).map(Limit))]
    pub limit: Limit,
    /// Daily requests per location, or `off`.
    #[arg(long, default_value = "200000", value_parser = |s: &str| parse_daily(s).map(Daily))]
    pub daily: Daily,
    /// Burst window kind.
    #[arg(long, value_enum, default_value_t = WindowMode::Fixed)]
    pub window: WindowMode,
    /// Add `Retry-After` to 429 answers (HighLevel documents none).
    #[arg(long)]
    pub retry_after: bool,
    /// Latency added to each request: `50ms..300ms` (uniform), `100ms`, or `off`.
    #[arg(long, default_value = "off", value_parser = |s: &str| config::parse_latency(s).map(Latency))]
    pub latency: Latency,
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
    /// Preload this many generated contacts into the default location, some with tasks and
    /// appointments.
    #[arg(long, default_value_t = 0)]
    pub generate: usize,
    /// Search index lag: new contacts appear in search only after this long.
    #[arg(long, default_value = "0", value_parser = config::parse_duration)]
    pub index_lag: std::time::Duration,
    /// Start the default location bare: only the four sample custom fields and no contacts
    /// (without it, `ghl-bulk sandbox` adds the custom fields of its bundled mappings and a
    /// few people of its bundled sample, as `import --sandbox` does).
    #[arg(long)]
    pub bare: bool,
}

/// A parsed `--limit` (None = off). A newtype because clap reads a bare `Option` field as
/// "flag may be absent".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit(pub Option<(u32, std::time::Duration)>);

/// A parsed `--daily` (None = off).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Daily(pub Option<u64>);

/// A parsed `--latency` range (None = off).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency(pub Option<(std::time::Duration, std::time::Duration)>);

fn parse_daily(s: &str) -> Result<Option<u64>, String> {
    if s == "off" {
        return Ok(None);
    }
    s.parse::<u64>()
        .map(Some)
        .map_err(|_| format!("invalid daily limit {s:?}: expected a number or `off`"))
}

fn parse_match_field(s: &str) -> Result<MatchField, String> {
    match s {
        "email" => Ok(MatchField::Email),
        "phone" => Ok(MatchField::Phone),
        _ => Err(format!(
            "invalid match field {s:?}: expected email or phone"
        )),
    }
}

impl SandboxArgs {
    /// `(location id, token)` of each of the `--locations` locations, the default one first.
    pub fn location_tokens(&self) -> Vec<(String, String)> {
        let mut all = vec![(self.location.clone(), self.token.clone())];
        for n in 2..=self.locations {
            all.push((
                format!("SandboxLocation{n:05}"),
                format!("pit-sandbox-0000-0000-0000-{:012}", n - 1),
            ));
        }
        all
    }

    /// The configuration these flags describe (reads the fixture file).
    pub fn to_config(&self) -> Result<Config, crate::Error> {
        self.to_config_with(|_| {})
    }

    /// [`SandboxArgs::to_config`], with `prepare` given the default location before the
    /// fixture is applied (a fixture location of the same id replaces it, preparation included).
    pub fn to_config_with(
        &self,
        prepare: impl FnOnce(&mut LocationConfig),
    ) -> Result<Config, crate::Error> {
        let mut location = LocationConfig::new(&self.location);
        location.allow_duplicate_contact = self.allow_duplicates;
        location.match_order = self.match_order.clone();
        location.country = crate::normalise::country(&self.country).ok_or_else(|| {
            crate::Error::Config(format!("unknown country code {}", self.country))
        })?;
        location.name = Some("Sandbox Location 1".into());
        prepare(&mut location);
        let mut locations = vec![location];
        let mut tokens = vec![TokenConfig::new(&self.token, &self.location)];
        for (n, (id, token)) in self.location_tokens().into_iter().enumerate().skip(1) {
            if id == self.location || token == self.token {
                return Err(crate::Error::Config(format!(
                    "--location or --token collides with generated location {id}"
                )));
            }
            // The others get the default location's settings and custom fields (so a mapping
            // fits every location) but none of its contacts: each starts empty.
            let mut other = locations[0].clone();
            other.id = id.clone();
            other.name = Some(format!("Sandbox Location {}", n + 1));
            other.contacts.clear();
            other.appointments.clear();
            locations.push(other);
            tokens.push(TokenConfig::new(&token, &id));
        }
        let mut cfg = Config {
            listen: self.listen,
            seed: self.seed,
            locations,
            tokens,
            rate_limit: config::RateLimitConfig {
                burst: self.limit.0,
                daily: self.daily.0,
                window: self.window,
                retry_after: self.retry_after,
            },
            faults: config::FaultConfig {
                latency: self.latency.0,
                fault_rate: self.fault_rate,
                stall_rate: self.stall_rate,
                stall_for: self.stall_for,
                cut_after_commit: self.cut_after_commit,
            },
            bulk_tags_max: self.bulk_tags_max,
            access_token_ttl: self.token_ttl,
            data_file: self.data.clone(),
            generate: self.generate,
            search_index_lag: self.index_lag,
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
    serve(args.to_config()?, &args).await
}

/// Serves `config` (made from `args`) until Ctrl-C or SIGTERM, after the first stdout line.
pub async fn serve(config: Config, args: &SandboxArgs) -> Result<(), crate::Error> {
    let agency = config.agency.as_ref().map(|a| {
        serde_json::json!({
            "client_id": a.client.client_id,
            "client_secret": a.client.client_secret.expose(),
            "refresh_token": a.refresh_token.expose(),
            "company_id": a.company_id,
            "app_id": a.app_id,
        })
    });
    let locations: Vec<serde_json::Value> = args
        .location_tokens()
        .into_iter()
        .map(|(id, token)| serde_json::json!({"id": id, "token": token}))
        .collect();
    let handle = crate::spawn(config).await?;
    // Sandbox secrets, printed on purpose: they open nothing but this loopback sandbox.
    let first = serde_json::json!({
        "base_url": handle.base_url(),
        "token": &args.token,
        "location_id": &args.location,
        "locations": locations,
        "agency": agency,
    });
    let mut out = std::io::stdout().lock();
    // A closed stdout (the reader went away) is not a reason to stop serving.
    let _ = writeln!(out, "{first}").and_then(|_| out.flush());
    drop(out);
    tracing::info!(base_url = %handle.base_url(), "Sandbox listening.");
    stopped().await;
    handle.shutdown().await
}

/// Ctrl-C, or SIGTERM on Unix (what `kill` and service managers send), so `--data` is saved.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        args: SandboxArgs,
    }

    #[test]
    fn flags_become_a_config() {
        let w = Wrap::try_parse_from([
            "x",
            "--limit",
            "20/500ms",
            "--daily",
            "off",
            "--window",
            "sliding",
            "--latency",
            "50ms..300ms",
            "--fault-rate",
            "0.1",
            "--match-order",
            "phone,email",
            "--allow-duplicates",
            "--country",
            "gb",
        ])
        .unwrap();
        let c = w.args.to_config().unwrap();
        assert_eq!(
            c.rate_limit.burst,
            Some((20, std::time::Duration::from_millis(500)))
        );
        assert_eq!(c.rate_limit.daily, None);
        assert_eq!(c.rate_limit.window, WindowMode::Sliding);
        assert_eq!(
            c.faults.latency.map(|l| l.1),
            Some(std::time::Duration::from_millis(300))
        );
        assert_eq!(
            c.locations[0].match_order,
            vec![MatchField::Phone, MatchField::Email]
        );
        assert!(c.locations[0].allow_duplicate_contact);
        assert_eq!(c.locations[0].country, "GB");
        let d = Wrap::try_parse_from(["x"])
            .unwrap()
            .args
            .to_config()
            .unwrap();
        assert_eq!(d.rate_limit, config::RateLimitConfig::default());
        assert!(Wrap::try_parse_from(["x", "--limit", "100"]).is_err());
        assert!(Wrap::try_parse_from(["x", "--locations", "0"]).is_err());
        assert_eq!(d.locations.len(), 1, "one location by default, as before");
    }

    #[test]
    fn locations_each_get_an_id_a_token_and_no_contacts_of_the_first() {
        let w = Wrap::try_parse_from(["x", "--locations", "3", "--country", "GB"]).unwrap();
        let pairs = w.args.location_tokens();
        assert_eq!(
            pairs[2],
            (
                "SandboxLocation00003".to_string(),
                "pit-sandbox-0000-0000-0000-000000000002".to_string()
            )
        );
        let c = w
            .args
            .to_config_with(|l| l.contacts.push(serde_json::json!({"email": "a@x.io"})))
            .unwrap();
        let ids: Vec<&str> = c.locations.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "SandboxLocation00001",
                "SandboxLocation00002",
                "SandboxLocation00003"
            ]
        );
        assert_eq!(c.locations[0].contacts.len(), 1);
        assert!(c.locations[1].contacts.is_empty());
        assert_eq!(c.locations[2].country, "GB");
        assert_eq!(c.tokens.len(), 3);
        assert!(c
            .tokens
            .iter()
            .zip(&pairs)
            .all(|(t, (id, tok))| t.location_id == *id && t.token.expose() == tok));
        let clash = Wrap::try_parse_from([
            "x",
            "--locations",
            "2",
            "--location",
            "SandboxLocation00002",
        ])
        .unwrap();
        assert!(clash.args.to_config().is_err());
        assert!(Wrap::try_parse_from(["x", "--fault-rate", "2"]).is_err());
    }
}
