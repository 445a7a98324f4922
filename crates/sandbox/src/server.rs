//! The running sandbox: shared state, the accept loop (hyper HTTP/1 per connection, so a
//! connection can be closed without an answer), the periodic `--data` flush, and [`Handle`].

use crate::config::{AgencyConfig, Config, LocationConfig, TokenConfig};
use crate::faults::Faults;
use crate::grants::Codes;
use crate::ratelimit::Limiter;
use crate::stats::{Counters, LimitInfo, Stats};
use crate::store::Store;
use crate::{ops, persist, routes, Error};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use tower::ServiceExt;

mod seed;
use seed::{add_location, build_store, rejected};

/// State shared by every request.
pub(crate) struct AppState {
    store: RwLock<Store>,
    limiter: Mutex<Limiter>,
    pub faults: Faults,
    pub counters: Counters,
    pub seq: AtomicU64,
    dirty: AtomicBool,
    pub seed: u64,
    pub bulk_tags_max: usize,
    pub access_token_ttl: Duration,
    pub accepted_versions: Vec<String>,
    pub search_index_lag: Duration,
    /// The agency owning every location, if the sandbox has one.
    pub agency: Option<AgencyConfig>,
    /// The location `GET /oauth/chooselocation` picks when the caller names none.
    pub default_location: Option<String>,
    /// Authorization codes waiting for `POST /oauth/token`.
    pub codes: Codes,
    /// TCP connections accepted so far: what a client's connection reuse is held to.
    pub connections: AtomicU64,
}

impl AppState {
    /// Shared read access to the store (poisoning is ignored: every write leaves it consistent
    /// before anything can panic).
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Exclusive access to the store; marks it dirty for the `--data` flush.
    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.dirty.store(true, Ordering::Relaxed);
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The rate limiter.
    pub(crate) fn limiter(&self) -> std::sync::MutexGuard<'_, Limiter> {
        self.limiter.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A snapshot of the counters.
    pub(crate) fn stats(&self) -> Stats {
        let (limit, miw) = {
            let l = self.limiter();
            let cfg = l.config();
            let (max, interval) = cfg
                .burst
                .map(|(m, i)| (u64::from(m), i))
                .unwrap_or((0, Duration::ZERO));
            let info = LimitInfo {
                max,
                interval_ms: u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
                window: cfg.window.as_str().to_string(),
                daily: cfg.daily.unwrap_or(0),
            };
            (info, l.max_in_window_by_location().into_iter().collect())
        };
        let contacts = self.read().contact_count() as u64;
        self.counters.snapshot(limit, miw, contacts)
    }
}

/// Closes the connection a request arrived on, without an answer (cut-after-commit).
#[derive(Clone)]
pub(crate) struct ConnKill(pub Arc<Notify>);

/// A running sandbox. Dropping it without [`Handle::shutdown`] leaves the server running until
/// the runtime ends.
pub struct Handle {
    /// The address it listens on.
    pub addr: SocketAddr,
    state: Arc<AppState>,
    shutdown_tx: watch::Sender<bool>,
    server: JoinHandle<()>,
    data_file: Option<PathBuf>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Handle {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The counters, as `/_sandbox/stats` serves them.
    pub fn stats(&self) -> Stats {
        self.state.stats()
    }

    /// TCP connections accepted since the start.
    pub fn connections_accepted(&self) -> u64 {
        self.state.connections.load(Ordering::Relaxed)
    }

    /// Every stored contact (of one location, or all), as `/_sandbox/contacts` serves them.
    pub fn contacts(&self, location_id: Option<&str>) -> Vec<Value> {
        self.state.read().dump(location_id)
    }

    /// The whole state of one location (or all), as `/_sandbox/snapshot` serves it:
    /// `{locations: [{id, contacts: [{contact, notes, tasks, appointments}]}]}` in a stable
    /// order, for comparing a location before and after a run.
    pub fn snapshot(&self, location_id: Option<&str>) -> Value {
        self.state.read().snapshot(location_id)
    }

    /// Adds (or replaces) a bearer token.
    pub fn add_token(&self, token: TokenConfig) {
        self.state
            .write()
            .tokens
            .insert(token.token.expose().to_string(), token);
    }

    /// Adds a location with its settings, custom fields and contacts. Replaces nothing: an
    /// existing id is an error.
    pub fn add_location(&self, location: LocationConfig) -> Result<(), Error> {
        let mut store = self.state.write();
        add_location(&mut store, &location)
    }

    /// Adds a custom field definition to a location.
    pub fn add_custom_field(
        &self,
        location_id: &str,
        field: crate::config::CustomFieldDef,
    ) -> Result<(), Error> {
        let mut store = self.state.write();
        let loc = store
            .locations
            .get_mut(location_id)
            .ok_or_else(|| Error::Config(format!("no location {location_id}")))?;
        loc.custom_fields.retain(|f| f.id != field.id);
        loc.custom_fields.push(field);
        Ok(())
    }

    /// Stores a contact given as a create body (plus optional `id`, `dateAdded`, `dateUpdated`),
    /// through the same validation and duplicate rules as `POST /contacts/`. Returns its id.
    pub fn insert_contact(&self, location_id: &str, contact: Value) -> Result<String, Error> {
        let Value::Object(body) = contact else {
            return Err(Error::Config("a contact must be a JSON object".into()));
        };
        let mut store = self.state.write();
        ops::preload(&mut store, location_id, body)
            .map(|c| c.id)
            .map_err(rejected)
    }

    /// Stops accepting connections, closes open ones, and saves `--data` state if configured.
    pub async fn shutdown(self) -> Result<(), Error> {
        let _ = self.shutdown_tx.send(true);
        let _ = self.server.await;
        if let Some(path) = &self.data_file {
            persist::save(&self.state, path).await?;
        }
        Ok(())
    }
}

/// Starts a sandbox in the current tokio runtime.
pub async fn spawn(config: Config) -> Result<Handle, Error> {
    let store = build_store(&config)?;
    let addr = config.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Bind { addr, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| Error::Bind { addr, source })?;
    let state = Arc::new(AppState {
        store: RwLock::new(store),
        limiter: Mutex::new(Limiter::new(config.rate_limit.clone())),
        faults: Faults::new(config.faults.clone(), config.seed),
        counters: Counters::default(),
        seq: AtomicU64::new(0),
        dirty: AtomicBool::new(config.data_file.is_some()),
        seed: config.seed,
        bulk_tags_max: config.bulk_tags_max,
        access_token_ttl: config.access_token_ttl,
        accepted_versions: config.accepted_versions.clone(),
        search_index_lag: config.search_index_lag,
        agency: config.agency.clone(),
        default_location: config.locations.first().map(|l| l.id.clone()),
        codes: Codes::default(),
        connections: AtomicU64::new(0),
    });
    let app = routes::router(
        state.clone(),
        config.rate_limit.retry_after,
        config.faults.stall_for,
    );
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    if let Some(path) = config.data_file.clone() {
        tokio::spawn(flush_loop(
            state.clone(),
            path,
            config.flush_interval,
            shutdown_rx.clone(),
        ));
    }
    let server = tokio::spawn(accept_loop(listener, app, state.clone(), shutdown_rx));
    Ok(Handle {
        addr,
        state,
        shutdown_tx,
        server,
        data_file: config.data_file,
    })
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    state: Arc<AppState>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "Accept failed.");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        state.connections.fetch_add(1, Ordering::Relaxed);
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let ext = ConnKill(kill.clone());
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ext.clone());
                    app.clone().oneshot(req)
                },
            );
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            // Dropping `conn` closes the socket without writing anything: that is the cut.
            tokio::select! {
                _ = conn => {}
                _ = kill.notified() => {}
                _ = shutdown.changed() => {}
            }
        });
    }
}

async fn flush_loop(
    state: Arc<AppState>,
    path: PathBuf,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(every.max(Duration::from_millis(50)));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => return,
        }
        if state.dirty.swap(false, Ordering::Relaxed) {
            if let Err(e) = persist::save(&state, &path).await {
                state.dirty.store(true, Ordering::Relaxed);
                tracing::warn!(error = %e, path = %path.display(), "Saving sandbox state failed.");
            }
        }
    }
}
