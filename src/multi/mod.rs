//! One import over many locations (`import FILE --mapping M --locations ID,ID,…|all`): the file
//! is staged once into the top run folder, then each location gets its own sub-folder
//! `RUN/<location_id>/` with a copy of the staged ledger, its own state file and its own
//! client (limiter, pacer, concurrency), and every location's delivery runs side by side in
//! one runtime through the import command's own delivery (`import::run_staged`). The top
//! folder then gets a combined `summary.json` and `report.html` (`summary`); the exit code is
//! the worst of the locations'. With `--location-column COL` each row goes to the location its
//! cell names: staging rejects the rows naming none of the agency's locations and dedupes
//! within each location, and each sub-folder's ledger holds its location's rows only (`split`).

pub mod board;
mod split;
mod summary;

use std::path::{Path, PathBuf};

use crate::api::location_choice::{resolve, usable_id, ChoiceError};
use crate::api::{AuthError, SharedTokens};
use crate::import::{ImportConfig, ImportError, Start, Target};
use crate::pipeline::{self, LocationColumn, PipelineError, ValidateConfig};
use crate::run::end::RunEnd;

pub use crate::api::location_choice::Choice;
pub use summary::{worst, LocationResult};

/// The file in the top run folder that lists its locations (and marks it as a run over many).
pub const LOCATIONS_FILE: &str = "locations.json";

/// How often the board of every location's progress is printed.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// How a run over many locations starts.
#[derive(Debug, Clone)]
pub enum MultiStart {
    /// Stage the file into the top folder, then deliver it to each chosen location.
    New {
        validate: Box<ValidateConfig>,
        choice: Choice,
    },
    /// Continue every location of this top folder that did not finish.
    Resume(PathBuf),
}

/// Everything a run over many locations needs: the start, and the import settings every
/// location shares (the client's location id is replaced by each location's).
#[derive(Debug, Clone)]
pub struct MultiConfig {
    pub start: MultiStart,
    pub import: ImportConfig,
}

/// What stops a run over many locations as a whole (a location's own failure is its result).
#[derive(Debug, thiserror::Error)]
pub enum MultiError {
    #[error("{0}")]
    Locations(String),
    #[error("cannot list the agency's locations: {0}")]
    Listing(#[from] AuthError),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot resume {}: {reason}", dir.display())]
    Resume { dir: PathBuf, reason: String },
    #[error("cannot start: {0}")]
    Start(String),
    #[error("the ledger in {}: {source}", dir.display())]
    Ledger {
        dir: PathBuf,
        source: crate::ledger::LedgerError,
    },
}

impl From<ChoiceError> for MultiError {
    fn from(error: ChoiceError) -> Self {
        match error {
            ChoiceError::Locations(text) => MultiError::Locations(text),
            ChoiceError::Listing(auth) => MultiError::Listing(auth),
            ChoiceError::Start(text) => MultiError::Start(text),
        }
    }
}

/// Whether `dir` is the top folder of a run over many locations.
pub fn is_top_folder(dir: &Path) -> bool {
    dir.join(LOCATIONS_FILE).is_file()
}

/// Runs the import into every location and writes the top folder's summary and report.
pub fn run(config: MultiConfig) -> Result<RunEnd, MultiError> {
    let Target::Api(client) = &config.import.target else {
        return Err(MultiError::Locations(
            "--locations sends to HighLevel (or a sandbox served apart); the in-process \
             --sandbox has one location"
                .into(),
        ));
    };
    let client = client.as_ref().clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| MultiError::Start(e.to_string()))?;
    let progress = config.import.progress;
    let (top, ids, starts, unassigned) = match &config.start {
        MultiStart::New { validate, choice } => {
            // Every id is checked before the file is staged: nothing is sent to a location
            // (and no folder made) when one of them is wrong.
            let ids = runtime.block_on(resolve(&client, choice))?;
            let mut validate = validate.as_ref().clone();
            let column = match choice {
                Choice::Column(header) => Some(LocationColumn {
                    header: header.clone(),
                    known: ids.iter().cloned().collect(),
                }),
                Choice::All | Choice::Ids(_) => None,
            };
            validate.location_column = column.clone();
            let staged = pipeline::run(&validate)?;
            if validate.print_summary {
                eprint!("{}", staged.human());
            }
            if staged.exit_code == 1 {
                return Err(MultiError::Resume {
                    dir: validate.run_dir.clone(),
                    reason: "the staged outcomes do not add up (see summary.json)".into(),
                });
            }
            let top = validate.run_dir.clone();
            let (ids, unassigned) = match &column {
                None => {
                    write_locations(&top, &ids, 0, None)?;
                    for id in &ids {
                        copy_ledger(&top, &top.join(id))?;
                    }
                    (ids, 0)
                }
                Some(column) => {
                    // Only the locations the file names get a folder (and a delivery).
                    let started = std::time::Instant::now();
                    let split = split::split(&top, column)?;
                    let named: Vec<String> = split.rows.keys().cloned().collect();
                    write_locations(&top, &named, split.unassigned, Some(&column.header))?;
                    for (id, rows) in &split.rows {
                        split::write_sub(&top, &top.join(id), id, rows)?;
                    }
                    tracing::info!(
                        locations = named.len(),
                        unassigned = split.unassigned,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "Gave each location the file names its own ledger."
                    );
                    (named, split.unassigned)
                }
            };
            let starts: Vec<Option<Start>> = ids
                .iter()
                .map(|id| Some(Start::Staged(top.join(id))))
                .collect();
            (top, ids, starts, unassigned)
        }
        MultiStart::Resume(top) => {
            let (ids, unassigned, column) = read_locations(top)?;
            if let Some(header) = column {
                split::rebuild_missing(top, &ids, &header)?;
            }
            let starts: Vec<Option<Start>> = ids
                .iter()
                .map(|id| {
                    let sub = top.join(id);
                    (!summary::finished(&sub)).then_some(Start::Resume(sub))
                })
                .collect();
            (top.clone(), ids, starts, unassigned)
        }
    };
    // One agency, one token state: the company refresh token rotates on every refresh.
    let shared = SharedTokens::default();
    let board = board::Board::default();
    let runs = ids.iter().zip(starts).map(|(id, start)| {
        let mut import = config.import.clone();
        let mut client = client.clone();
        client.location_id = id.clone();
        client.shared_tokens = Some(shared.clone());
        import.target = Target::Api(Box::new(client));
        // One location's bar or summary would garble the others': its figures go to the
        // board, which the top run prints, and its end is a line of the top run's summary.
        import.progress = false;
        import.board = Some(board.slot(id));
        let id = id.clone();
        async move {
            let Some(start) = start else {
                return (id, None);
            };
            import.start = start;
            if progress {
                eprintln!("{id}: delivering.");
            }
            (id, Some(crate::import::run_staged(import).await))
        }
    });
    let printer = progress.then(|| {
        let board = board.clone();
        runtime.spawn(async move {
            let mut every = tokio::time::interval(PROGRESS_EVERY);
            every.tick().await;
            loop {
                every.tick().await;
                eprint!("{}", board.render());
            }
        })
    });
    let ended = runtime.block_on(futures_util::future::join_all(runs));
    if let Some(printer) = printer {
        printer.abort();
    }
    let mut results = Vec::new();
    for (id, outcome) in ended {
        let sub = top.join(&id);
        let (end, error) = match outcome {
            // Finished before this resume: its own summary says how.
            None => (summary::recorded_end(&sub), None),
            Some(Ok(end)) => (end, None),
            // Kept out of the top summary as the location's own folder keeps it out.
            Some(Err(error)) => (RunEnd::Fatal, Some(redacted(&error, &config.import.target))),
        };
        results.push(summary::LocationResult::read(&id, &sub, end, error));
    }
    let end = summary::write(&top, &results, unassigned)?;
    if progress {
        eprint!("{}", summary::human(&top, &results, unassigned, end));
    }
    Ok(end)
}

/// An error's text without the secrets the client holds.
fn redacted(error: &ImportError, target: &Target) -> String {
    let secrets = crate::import::secrets(target);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    crate::pipeline::failure::redact(&error.to_string(), &secrets)
}

/// `column`, `unassigned`: with `--location-column`, the column and the rows of the file that
/// name no location of the run.
fn write_locations(
    top: &Path,
    ids: &[String],
    unassigned: u64,
    column: Option<&str>,
) -> Result<(), MultiError> {
    let path = top.join(LOCATIONS_FILE);
    let json = serde_json::json!({
        "locations": ids,
        "location_column": column,
        "unassigned_rows": unassigned,
    });
    let text = serde_json::to_string_pretty(&json).unwrap_or_default();
    crate::run::atomic::write(&path, format!("{text}\n").as_bytes())
        .map_err(|source| MultiError::Write { path, source })
}

/// The locations, the rows naming none, and the location column (see `write_locations`).
fn read_locations(top: &Path) -> Result<(Vec<String>, u64, Option<String>), MultiError> {
    let refuse = |reason: String| MultiError::Resume {
        dir: top.to_path_buf(),
        reason,
    };
    let path = top.join(LOCATIONS_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| refuse(format!("cannot read {}: {e}", path.display())))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| refuse(format!("{} is not JSON: {e}", path.display())))?;
    let ids: Vec<String> = json["locations"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let unassigned = json["unassigned_rows"].as_u64().unwrap_or(0);
    // A file of rows that all name unknown locations has no location to continue.
    if (ids.is_empty() && unassigned == 0) || ids.iter().any(|id| !usable_id(id)) {
        return Err(refuse(format!(
            "{} does not list usable location ids",
            path.display()
        )));
    }
    let column = json["location_column"].as_str().map(str::to_string);
    Ok((ids, unassigned, column))
}

/// The staged ledger, copied into a location's folder. Staging has closed its connection, so
/// the file is whole (a write-ahead log left beside it is copied too, to be safe). Each file
/// is copied under a temporary name and renamed, the log first: a crash mid-copy leaves no
/// half ledger under the name a resume opens.
fn copy_ledger(top: &Path, sub: &Path) -> Result<(), MultiError> {
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| MultiError::Write { path, source }
    };
    std::fs::create_dir_all(sub).map_err(write_error(sub))?;
    for name in ["ledger.db-wal", "ledger.db"] {
        let from = top.join(name);
        if from.is_file() {
            let to = sub.join(name);
            let partial = sub.join(format!("{name}.partial"));
            std::fs::copy(&from, &partial).map_err(write_error(&partial))?;
            std::fs::rename(&partial, &to).map_err(write_error(&to))?;
        }
    }
    Ok(())
}
