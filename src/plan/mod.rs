//! The `plan` command: the preview a user reads before a big import. It stages the file as
//! `validate` does, reads what the location holds for the file's identities (the view stage:
//! reads only, never a write), records one decision per staged row in the ledger, writes
//! `plan.csv`, `plan.xlsx` and `report.html`, and prints the rows per action and what
//! carrying the plan out costs. `ghl-bulk import --plan RUN_DIR` carries it out.
//!
//! Exit codes: 0 the plan was written (whatever it holds: conflicts and rejected rows are
//! listed in it, not failures of the preview), 1 fatal, 130 interrupted.

pub mod cost;

use std::path::{Path, PathBuf};

use crate::api::{ApiError, Client, ClientConfig, Estimate};
use crate::delivery::CustomFieldResolver;
use crate::ledger::{Action, Ledger, LedgerError};
use crate::mapping::{Mapping, MappingError};
use crate::pipeline::failure::{self, Stage};
use crate::pipeline::{self, PipelineError, ValidateConfig};
use crate::report::html::HtmlError;
use crate::report::plan::PlanFileError;
use crate::run::end::RunEnd;
use crate::view::{ViewOptions, ViewSummary};
use cost::CarryOut;

/// The ledger `meta` key `import --plan` sets when it starts carrying a plan out: a plan is
/// carried out once.
pub const CARRIED_OUT: &str = "plan_carried_out";

/// Everything one `plan` needs, validated by the command line.
#[derive(Debug, Clone)]
pub struct PlanConfig {
    /// Staging the file (the run folder, the mapping, reader options).
    pub validate: Box<ValidateConfig>,
    /// The location to read.
    pub client: Box<ClientConfig>,
    /// The counts and the estimate on stderr.
    pub print: bool,
    /// `--on-conflict`, recorded in the ledger for `import --plan`.
    pub on_conflict: crate::delivery::OnConflict,
}

/// What stops a plan.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Summary(#[from] crate::run::summary::SummaryError),
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error("cannot read the location: {0}")]
    Api(#[from] ApiError),
    #[error(transparent)]
    View(#[from] crate::view::ViewError),
    #[error(transparent)]
    CustomFields(#[from] crate::delivery::DeliveryError),
    #[error(transparent)]
    Files(#[from] PlanFileError),
    #[error(transparent)]
    Html(#[from] HtmlError),
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
    #[error("another ghl-bulk process is working on the run in {0}")]
    Locked(PathBuf),
    #[error("cannot start the runtime: {0}")]
    Runtime(String),
}

/// Stages the file, reads the location, writes the plan files and says how the run ended.
pub fn run(config: PlanConfig) -> Result<RunEnd, PlanError> {
    let summary = match pipeline::run(&config.validate) {
        Err(PipelineError::Interrupted) => {
            eprintln!("Interrupted while the file was read and checked; nothing was sent.");
            return Ok(RunEnd::Interrupted);
        }
        other => other?,
    };
    if config.print {
        eprint!("{}", summary.human());
    }
    let run_dir = config.validate.run_dir.clone();
    let secret = secret_of(&config.client);
    match after_staging(&config, &run_dir) {
        Ok(end) => Ok(end),
        Err(error) => {
            let text = failure::redact(&error.to_string(), &[secret.as_str()]);
            failure::record(&run_dir, Stage::Connect, &text, 1);
            Err(error)
        }
    }
}

fn secret_of(client: &ClientConfig) -> String {
    match &client.credentials {
        crate::api::Credentials::Token(token) => token.expose().to_string(),
        crate::api::Credentials::OAuth(oauth) => oauth.client_secret.expose().to_string(),
    }
}

fn after_staging(config: &PlanConfig, run_dir: &Path) -> Result<RunEnd, PlanError> {
    let mut ledger = Ledger::open_exclusive(&run_dir.join("ledger.db"))?
        .ok_or_else(|| PlanError::Locked(run_dir.to_path_buf()))?;
    let record = ledger.run_record()?;
    let mapping = config
        .validate
        .mapping
        .compile(&record.headers, config.validate.region.as_deref())?;
    // `import --plan` sends to the location the plan read, and checks it as a resume does.
    ledger.set_target(&crate::ledger::Target::of_api(&config.client))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| PlanError::Runtime(e.to_string()))?;
    let client = Client::new((*config.client).clone())?;
    let view = runtime.block_on(read_and_decide(&mut ledger, &client, &mapping, config))?;

    let mut carry = CarryOut::new(view.on_conflict);
    let files = crate::report::plan::write(
        &ledger,
        &record.headers,
        &|field| mapping.column_for(field),
        &mut |decision| carry.add(decision),
        run_dir,
    )?;
    carry.set_setup(ledger.undelivered()?, !mapping.custom_refs.is_empty());
    let estimate = Estimate::new(carry.total(), client.limiter());
    let counts: Vec<(Action, u64)> = ledger.decision_counts()?.into_iter().collect();
    write_summary(
        &ledger, run_dir, &counts, &view, &carry, &estimate, files.rows,
    )?;
    crate::report::html::write_after_delivery(&ledger, run_dir, &client, "finished")?;
    if config.print {
        eprint!(
            "{}",
            human(
                &counts,
                &view,
                &carry,
                &estimate,
                run_dir,
                client.stats().snapshot().total
            )
        );
    }
    Ok(RunEnd::Ok)
}

/// The view stage (`view`), as `import` runs it before delivery: reads the location for the
/// staged rows and records their decisions (and the `--on-conflict` they are carried out with).
async fn read_and_decide(
    ledger: &mut Ledger,
    client: &Client,
    mapping: &Mapping,
    config: &PlanConfig,
) -> Result<ViewSummary, PlanError> {
    // Custom values are compared with the contact's too, so the view needs the definitions.
    let custom = if mapping.custom_refs.is_empty() || ledger.undelivered()? == 0 {
        CustomFieldResolver::default()
    } else {
        let defs = client.custom_fields().await?;
        CustomFieldResolver::new(&mapping.custom_refs, &defs)
            .map_err(crate::delivery::DeliveryError::from)?
    };
    let options = ViewOptions {
        on_conflict: config.on_conflict,
        custom,
    };
    // A location of a million contacts takes a while to read: a bar on a terminal, a line
    // every ten seconds otherwise.
    let show = config.print;
    let progress = crate::run::progress::Progress::bar(
        crate::run::progress::Progress::on_terminal(show),
        show,
        0,
        "Reading the location {bar:30} {pos}/{len} requests  ETA {eta}",
    );
    let on_progress = |p: &crate::view::ViewProgress| {
        progress.set_length(p.planned);
        progress.set_position(p.requests);
        if progress.line_due() {
            eprintln!(
                "Reading the location: {} of {} requests.",
                p.requests, p.planned
            );
        }
    };
    let summary = crate::view::read_and_decide(ledger, client, &options, &on_progress).await;
    progress.finish();
    Ok(summary?)
}

/// summary.json and the ledger's copy of it: the staging summary with the plan added.
fn write_summary(
    ledger: &Ledger,
    run_dir: &Path,
    counts: &[(Action, u64)],
    view: &ViewSummary,
    carry: &CarryOut,
    estimate: &Estimate,
    rows: u64,
) -> Result<(), PlanError> {
    let mut summary = crate::run::summary::recorded(ledger)?;
    let actions: serde_json::Map<String, serde_json::Value> = counts
        .iter()
        .map(|(a, n)| (a.as_str().to_string(), (*n).into()))
        .collect();
    summary["command"] = "plan".into();
    summary["exit_code"] = 0.into();
    summary["plan"] = serde_json::json!({
        "rows": rows,
        "actions": actions,
        "view": {
            "method": view.method.map(|m| m.to_string()),
            "requests": view.requests,
            "location_total": view.location_total,
            "on_conflict": view.on_conflict.as_str(),
        },
        "carry_out": {
            "creates": carry.creates,
            "field_updates": carry.field_updates,
            "tag_adds": carry.tag_adds(),
            "conflict_upserts": carry.conflict_upserts,
            "writes": carry.writes(),
            "checked_contacts": carry.checked_contacts,
            "checks": carry.checks(),
            "setup": carry.setup,
            "requests": carry.total(),
            "duration_ms": estimate.duration().as_millis() as u64,
            "line": estimate.to_string(),
        },
        "files": [crate::report::plan::PLAN_CSV, crate::report::plan::PLAN_XLSX],
        "command": format!("ghl-bulk import --plan {}", run_dir.display()),
    });
    crate::run::summary::save(ledger, run_dir, 0, &summary)?;
    Ok(())
}

/// What the user reads: rows per action, what the reading cost, what carrying it out costs.
fn human(
    counts: &[(Action, u64)],
    view: &ViewSummary,
    carry: &CarryOut,
    estimate: &Estimate,
    run_dir: &Path,
    sent: u64,
) -> String {
    let n = crate::format::thousands;
    let get = |action: Action| {
        counts
            .iter()
            .find(|(a, _)| *a == action)
            .map_or(0, |(_, c)| *c)
    };
    let mut text = format!(
        "Plan: {} create, {} update, {} unchanged, {} conflict.\n",
        n(get(Action::Create)),
        n(get(Action::Update)),
        n(get(Action::Unchanged)),
        n(get(Action::Conflict)),
    );
    text.push_str(&format!(
        "{} This plan sent {}, all reads.\n",
        view.line(),
        crate::format::counted(sent, "request", "requests"),
    ));
    let setup = if carry.setup > 0 {
        ", 1 read before the first write (custom fields, or the API's limits)"
    } else {
        ""
    };
    text.push_str(&format!(
        "Carrying it out: {} ({} create, {} field update, {} bulk tag add, {} conflict upsert), {} checking that no \
         planned contact changed since{setup}; notes and tasks on top.\n{estimate}\n",
        crate::format::counted(carry.writes(), "write", "writes"),
        n(carry.creates),
        n(carry.field_updates),
        n(carry.tag_adds()),
        n(carry.conflict_upserts),
        crate::format::counted(carry.checks(), "search", "searches"),
    ));
    text.push_str(&format!(
        "Wrote plan.csv, plan.xlsx and report.html in {}.\nCarry it out with:\n  ghl-bulk import --plan {}\n",
        run_dir.display(),
        run_dir.display()
    ));
    text
}
