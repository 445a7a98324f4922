//! `config show`, and the settings of every command that talks to HighLevel: the flags it was
//! given, the settings file (`--config`, `GHL_BULK_CONFIG`, `./ghl-bulk.toml`, the user's
//! `ghl-bulk/config.toml`) and the environment, merged by `crate::config` (which states the
//! precedence). This is the one place that reads those environment variables.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};

use super::{ApiArgs, Context, RunEnd};
use crate::api::Secret;
use crate::config::{self, file::Choice, EnvSecrets, Layer, Settings, ShowNotes};

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the settings import and export would run with, each with where it came from
    /// (flag, config file, environment, default); secrets are masked. Takes the same flags.
    Show(ShowArgs),
}

/// `config show` options: the settings flags of import and export.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The API connection.
    #[command(flatten)]
    pub api: ApiArgs,
    /// Requests in flight at most.
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Daily request budget to keep: a percentage ("1%") or a number of requests.
    #[arg(long)]
    pub daily_reserve: Option<String>,
    /// The state file.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

/// How the settings file is chosen: `--no-config`, `--config`, `GHL_BULK_CONFIG`, else a
/// search of the working folder and the user's config folder.
pub(crate) fn choice(no_config: bool, explicit: Option<&Path>) -> Choice {
    if no_config {
        return Choice::None;
    }
    if let Some(path) = explicit {
        return Choice::Explicit(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os("GHL_BULK_CONFIG").filter(|p| !p.is_empty()) {
        return Choice::Explicit(PathBuf::from(path));
    }
    Choice::Search {
        cwd: PathBuf::from("."),
        user: dirs::config_dir(),
    }
}

/// The flags of a command, as a layer.
pub(crate) fn flag_layer(
    api: &ApiArgs,
    concurrency: Option<usize>,
    daily_reserve: Option<&str>,
    state: Option<&Path>,
) -> Layer {
    Layer {
        location: api.location.clone(),
        base_url: api.base_url.clone(),
        state: state.map(Path::to_path_buf),
        concurrency,
        daily_reserve: daily_reserve.map(str::to_string),
        timeout: api.timeout,
        token_file: api.token_file.clone(),
        client_id: api.client_id.clone(),
        refresh_token_file: api.refresh_token_file.clone(),
    }
}

/// The settings of a command that talks to the API, from its connection flags: a concurrency
/// of 0 (from any layer) is refused here, once for every command.
pub(crate) fn command_settings(
    ctx: &Context,
    api: &ApiArgs,
    concurrency: Option<usize>,
    daily_reserve: Option<&str>,
    state: Option<&Path>,
) -> anyhow::Result<Settings> {
    let settings = settings(ctx, &flag_layer(api, concurrency, daily_reserve, state))?;
    if settings.concurrency.value == Some(0) {
        anyhow::bail!(
            "concurrency must be at least 1 (from {})",
            settings.concurrency.source
        );
    }
    Ok(settings)
}

/// The settings of `delete` and `undo`, which work from a finished run (no state file of
/// their own), and their requests in flight: 8 unless a flag or the config file says.
pub(super) fn rerun_settings(
    ctx: &Context,
    api: &ApiArgs,
    concurrency: Option<usize>,
    daily_reserve: Option<&str>,
) -> anyhow::Result<(Settings, usize)> {
    let settings = command_settings(ctx, api, concurrency, daily_reserve, None)?;
    let concurrency = settings.concurrency.value.unwrap_or(8);
    Ok((settings, concurrency))
}

/// The settings a command runs with: its flags over the file and the environment.
pub(crate) fn settings(ctx: &Context, flags: &Layer) -> anyhow::Result<Settings> {
    let path = config::file::locate(&ctx.config)?;
    let file = match &path {
        Some(path) => Some(config::file::load(path)?),
        None => None,
    };
    if let Some(path) = &path {
        tracing::debug!(file = %path.display(), "Reading settings from the config file.");
    }
    let (env, secrets) = environment();
    Ok(config::resolve(
        flags,
        path.as_deref().zip(file.as_ref()),
        &env,
        &secrets,
    ))
}

/// The environment's layer and secrets. An empty variable counts as unset (`GHL_TOKEN=` in a
/// unit file must not become an empty token).
fn environment() -> (Layer, EnvSecrets) {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let env = Layer {
        location: var("GHL_LOCATION_ID"),
        base_url: var("GHL_BASE_URL"),
        client_id: var("GHL_CLIENT_ID"),
        refresh_token_file: var("GHL_REFRESH_TOKEN_FILE").map(PathBuf::from),
        ..Layer::default()
    };
    let secrets = EnvSecrets {
        token: var("GHL_TOKEN").map(Secret::new),
        client_secret: var("GHL_CLIENT_SECRET").map(Secret::new),
    };
    (env, secrets)
}

/// The credentials file `auth login` writes: `flag`, else `GHL_CREDENTIALS_FILE` (`None`: the
/// default under the user's config folder).
pub(crate) fn credentials_file(flag: Option<&Path>) -> Option<PathBuf> {
    flag.map(Path::to_path_buf).or_else(|| {
        std::env::var_os("GHL_CREDENTIALS_FILE")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    })
}

/// The login of the credentials file for `location` (its own, else a company's approved for
/// it), as OAuth credentials; `None` without a file or a matching entry. GHL_CLIENT_SECRET,
/// when set, wins over the stored secret.
pub(crate) fn stored_login(
    settings: &Settings,
    location: Option<&str>,
) -> anyhow::Result<Option<crate::api::OAuthConfig>> {
    use crate::api::credentials_file::CredentialsFile;
    let Some(path) = credentials_file(None).or_else(crate::api::credentials_file::default_path)
    else {
        return Ok(None);
    };
    if !path.exists() {
        return Ok(None);
    }
    let file = CredentialsFile::load(&path)?;
    let entry = match location {
        Some(location) => file.for_location(location),
        None => file.company(),
    };
    let Some(entry) = entry else {
        return Ok(None);
    };
    tracing::debug!(file = %path.display(), entry = %entry.key(), "Using the stored login.");
    Ok(Some(crate::api::OAuthConfig {
        client_id: entry.client_id.clone(),
        client_secret: settings
            .client_secret
            .value
            .clone()
            .unwrap_or_else(|| entry.client_secret()),
        refresh: crate::api::RefreshStore::Entry {
            file: path.clone(),
            key: entry.key(),
        },
        user_type: Some(entry.user_type),
    }))
}

/// Reads a token file: the token is its content, surrounding whitespace dropped. A file others
/// can read is used, with a warning (the token lets anyone write to the location).
pub(crate) fn read_token_file(path: &Path) -> anyhow::Result<Secret> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the token file {}", path.display()))?;
    let secret = Secret::new(text);
    if secret.is_empty() {
        bail!("the token file {} is empty", path.display());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    file = %path.display(),
                    "The token file can be read by other users; chmod 600 it."
                );
            }
        }
    }
    Ok(secret)
}

/// `config show`.
pub(crate) fn show(ctx: &Context, args: &ShowArgs) -> anyhow::Result<RunEnd> {
    let flags = flag_layer(
        &args.api,
        args.concurrency,
        args.daily_reserve.as_deref(),
        args.state.as_deref(),
    );
    let settings = settings(ctx, &flags)?;
    let searched = match &ctx.config {
        Choice::Search { cwd, user } => std::iter::once(cwd.join(config::file::LOCAL_NAME))
            .chain(user.iter().map(|dir| dir.join(config::file::USER_PATH)))
            .collect(),
        _ => Vec::new(),
    };
    let notes = ShowNotes {
        searched,
        default_state: settings
            .location
            .value
            .as_deref()
            .and_then(|location| crate::ledger::state::default_path(location).ok()),
        disabled: ctx.config == Choice::None,
    };
    super::completions::write_stdout(config::render(&settings, &notes).as_bytes())?;
    Ok(RunEnd::Ok)
}
