//! Turns what the user typed into validated configurations: loads the mapping, merges reader
//! options (flags over the mapping's `[source]`), picks the run folder, checks the region.

use std::path::{Path, PathBuf};

use anyhow::bail;

use super::client_config::client_config;
use super::{Context, ImportArgs, RunArgs};
use crate::config::Settings;
use crate::contact::Region;
use crate::mapping::{self, spec::SourceSpec};
use crate::pipeline::ValidateConfig;
use crate::source::SourceOptions;

/// The configuration of `validate` / `import --dry-run`.
/// `human`: progress and the summary on stderr (not with `--quiet` or JSON logs).
pub(crate) fn validate_config(
    args: &RunArgs,
    command: &str,
    human: bool,
) -> anyhow::Result<ValidateConfig> {
    let loaded = mapping::load(&args.mapping)?;
    if let Some(region) = &args.source.region {
        check_region(region)?;
    }
    let mut source = source_options(&loaded.spec.source, &args.mapping)?;
    if args.source.sheet.is_some() {
        source.sheet = args.source.sheet.clone();
    }
    match args.source.header_row {
        Some(0) => bail!("--header-row is 1-based; 0 is not a row"),
        Some(row) => {
            source.header_row = row as usize;
            source.header_row_forced = true;
        }
        None => {}
    }
    let run_dir = match &args.source.run_dir {
        Some(dir) => dir.clone(),
        None => default_run_dir(&args.file),
    };
    let options_json = serde_json::json!({
        "command": command,
        "file": args.file.display().to_string(),
        "mapping": args.mapping.display().to_string(),
        "sheet": args.source.sheet,
        "header_row": args.source.header_row,
        "region": args.source.region,
        "run_dir": run_dir.display().to_string(),
    })
    .to_string();
    Ok(ValidateConfig {
        input: args.file.clone(),
        mapping: loaded,
        source,
        region: args.source.region.clone(),
        run_dir,
        progress: human,
        print_summary: human,
        command: command.to_string(),
        options_json,
        location_column: None,
        stop: crate::pipeline::stop_requested,
    })
}

pub(crate) fn check_region(region: &str) -> anyhow::Result<()> {
    if Region::from_code(region).is_none() {
        bail!(
            "region \"{region}\" is not an ISO alpha-2 code with phone numbering (e.g. US, GB, DE)"
        );
    }
    Ok(())
}

fn source_options(spec: &SourceSpec, mapping_path: &Path) -> anyhow::Result<SourceOptions> {
    let delimiter = match spec.delimiter.as_deref() {
        None => None,
        Some("\t") | Some("tab") | Some("\\t") => Some(b'\t'),
        Some(d) if d.len() == 1 && d.is_ascii() => Some(d.as_bytes()[0]),
        Some(d) => bail!(
            "{}: [source] delimiter \"{d}\" must be one ASCII character (or \"\\t\")",
            mapping_path.display()
        ),
    };
    let header_row = match spec.header_row {
        None => 1,
        Some(0) => bail!("{}: [source] header_row is 1-based", mapping_path.display()),
        Some(n) => n as usize,
    };
    Ok(SourceOptions {
        encoding: spec.encoding.clone(),
        delimiter,
        sheet: spec.sheet.clone(),
        header_row,
        header_row_forced: false,
    })
}

/// `runs/<UTC timestamp>-<input stem>`, with `-2`, `-3`… if two runs start in the same second.
fn default_run_dir(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "input".into());
    let stamp = crate::run::clock::now().format("%Y%m%dT%H%M%SZ");
    let base = PathBuf::from("runs").join(format!("{stamp}-{stem}"));
    let mut candidate = base.clone();
    let mut n = 2;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{}-{n}", base.display()));
        n += 1;
    }
    candidate
}

/// The `RunArgs` of an import (file and mapping are required unless resuming; clap checks).
pub(crate) fn run_args(args: &ImportArgs) -> anyhow::Result<RunArgs> {
    let (Some(file), Some(mapping)) = (&args.file, &args.mapping) else {
        bail!("import needs a FILE and --mapping (or --resume RUN_DIR)");
    };
    Ok(RunArgs {
        file: file.clone(),
        mapping: mapping.clone(),
        source: args.source.clone(),
    })
}

/// Validates an import's options and builds its configuration.
pub(crate) fn import_config(
    ctx: &Context,
    args: &ImportArgs,
) -> anyhow::Result<crate::import::ImportConfig> {
    use crate::import::{ImportConfig, Start, Target};

    let settings = import_settings(ctx, args)?;
    let target = if args.sandbox {
        Target::Sandbox
    } else {
        Target::Api(Box::new(client_config(&settings)?))
    };
    let human = ctx.log.human_output();
    let start = match (&args.resume, &args.plan) {
        (Some(dir), _) => {
            if !dir.join("ledger.db").is_file() {
                bail!("{} is not a run folder (no ledger.db in it)", dir.display());
            }
            Start::Resume(dir.clone())
        }
        (None, Some(dir)) => {
            if !dir.join("ledger.db").is_file() {
                bail!(
                    "{} is not a plan's run folder (no ledger.db in it); write one with \
                     `ghl-bulk plan FILE --mapping M`",
                    dir.display()
                );
            }
            Start::Plan(dir.clone())
        }
        (None, None) => Start::New(Box::new(validate_config(
            &run_args(args)?,
            if args.dry_run {
                "import --dry-run"
            } else {
                "import"
            },
            human,
        )?)),
    };
    if args.tag_batch == 0 {
        bail!("--tag-batch must be at least 1");
    }
    let concurrency = settings.concurrency.value;
    let engine = crate::delivery::EngineConfig {
        concurrency: concurrency.unwrap_or(16),
        tag_batch: args.tag_batch,
        mode: delivery_mode(args)?,
        undoable: args.undoable,
        on_conflict: on_conflict(args.on_conflict),
        ..crate::delivery::EngineConfig::default()
    };
    Ok(ImportConfig {
        start,
        target,
        engine,
        concurrency_fixed: concurrency.is_some(),
        progress: human,
        delta: crate::import::DeltaOptions {
            state: sandbox_state(args.sandbox, args.state.as_ref(), &settings),
            full: args.full,
        },
        dry_run: args.dry_run,
        blind: args.blind,
        board: None,
    })
}

/// An import over many locations (`--locations`, `--location-column`, or `--resume` of such a
/// run's top folder):
/// the import's settings with a stand-in location (each location's replaces it), the file to
/// stage and the choice of locations.
pub(crate) fn multi_config(
    ctx: &Context,
    args: &ImportArgs,
) -> anyhow::Result<crate::multi::MultiConfig> {
    use crate::multi::{Choice, MultiConfig, MultiStart};
    if args.api.location.is_some() {
        bail!(
            "--location names one location; with --locations, name them all there (with \
             --location-column, the file's column names them)"
        );
    }
    let mut single = args.clone();
    // Never sent: each location's client gets its own id before anything is sent.
    single.api.location = Some(super::client_config::MANY_LOCATIONS.into());
    let import = import_config(ctx, &single)?;
    let start = match (&import.start, &args.locations, &args.location_column) {
        (crate::import::Start::Resume(top), _, _) => MultiStart::Resume(top.clone()),
        (crate::import::Start::New(validate), Some(list), None) => MultiStart::New {
            validate: validate.clone(),
            choice: Choice::parse(list)?,
        },
        (crate::import::Start::New(validate), None, Some(column)) => {
            if column.trim().is_empty() {
                bail!("--location-column names no column");
            }
            MultiStart::New {
                validate: validate.clone(),
                choice: Choice::Column(column.clone()),
            }
        }
        _ => bail!(
            "--locations, --location-column or --resume of a run over many locations is needed"
        ),
    };
    Ok(MultiConfig { start, import })
}

/// The settings of an import that continues a run (`--resume`) or carries out a plan
/// (`--plan`), with the run folder's recorded target filling a location and base URL that no
/// flag, environment variable or settings file gave: the folder says where its rows go, so
/// the command `plan` prints (`ghl-bulk import --plan DIR`) works as printed. A value given
/// anywhere is kept, and checked against the record later (refused if it differs). The token
/// is never recorded.
fn import_settings(ctx: &Context, args: &ImportArgs) -> anyhow::Result<Settings> {
    let settings_of = |api: &super::ApiArgs| {
        super::config::command_settings(
            ctx,
            api,
            args.concurrency,
            args.daily_reserve.as_deref(),
            args.state.as_deref(),
        )
    };
    let settings = settings_of(&args.api)?;
    let Some(dir) = args.resume.as_ref().or(args.plan.as_ref()) else {
        return Ok(settings);
    };
    if args.sandbox || settings.location.value.is_some() {
        return Ok(settings);
    }
    let Some(recorded) = crate::ledger::listing::target(&dir.join("ledger.db")) else {
        return Ok(settings);
    };
    // The in-process sandbox's port changes every start: nothing to reuse.
    if recorded.base_url == "sandbox" {
        return Ok(settings);
    }
    let mut api = args.api.clone();
    api.location = Some(recorded.location);
    if matches!(settings.base_url.source, crate::config::Source::Default) {
        api.base_url = Some(recorded.base_url);
    }
    settings_of(&api)
}

/// `--on-conflict` (import and plan), `reject` when not given.
pub(super) fn on_conflict(arg: Option<super::OnConflictArg>) -> crate::delivery::OnConflict {
    match arg {
        None | Some(super::OnConflictArg::Reject) => crate::delivery::OnConflict::Reject,
        Some(super::OnConflictArg::Update) => crate::delivery::OnConflict::Update,
        Some(super::OnConflictArg::Skip) => crate::delivery::OnConflict::Skip,
    }
}

fn delivery_mode(args: &ImportArgs) -> anyhow::Result<crate::delivery::Mode> {
    use super::{ModeArg, OnDuplicateArg};
    use crate::delivery::{Mode, OnDuplicate};
    Ok(match (args.mode, args.on_duplicate) {
        (ModeArg::Upsert, None) => Mode::Upsert,
        (ModeArg::UpdateOnly, None) => Mode::UpdateOnly,
        (ModeArg::Create, None | Some(OnDuplicateArg::Update)) => Mode::Create(OnDuplicate::Update),
        (ModeArg::Create, Some(OnDuplicateArg::Skip)) => Mode::Create(OnDuplicate::Skip),
        (_, Some(_)) => bail!("--on-duplicate only applies to --mode create"),
    })
}

/// The state file a run uses. A sandbox run is a trial against another location: the config
/// file's `state` (the real location's memory) does not apply to it, only an explicit `--state`
/// (regression: `export --sandbox` refused to start beside a config file naming a state file).
pub(super) fn sandbox_state(
    sandbox: bool,
    flag: Option<&std::path::PathBuf>,
    settings: &crate::config::Settings,
) -> Option<std::path::PathBuf> {
    if sandbox {
        flag.cloned()
    } else {
        settings.state.value.clone()
    }
}

/// Whether `import` has an API to talk to (a location and credentials, from flags, the
/// settings file or the environment); `import --dry-run` stages only without one.
pub(super) fn has_target(ctx: &Context, args: &ImportArgs) -> anyhow::Result<bool> {
    let settings = super::config::command_settings(
        ctx,
        &args.api,
        args.concurrency,
        args.daily_reserve.as_deref(),
        args.state.as_deref(),
    )?;
    let located = settings
        .location
        .value
        .as_deref()
        .is_some_and(|l| !l.trim().is_empty());
    let credentials = settings.token.value.is_some()
        || super::client_config::oauth_app(&settings).is_some()
        || (located
            && super::config::stored_login(&settings, settings.location.value.as_deref())?
                .is_some());
    if !located || !credentials {
        return Ok(false);
    }
    // A target is given: whatever else is wrong with it (a refused base URL, a bad daily
    // reserve, an unreadable token file) is said as it is, not as "no token or location"
    // (issue 13 item 11).
    client_config(&settings).map(|_| true)
}
