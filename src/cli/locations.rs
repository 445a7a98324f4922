//! `ghl-bulk locations`: the flags, where the agency's credentials come from, and the output.

use anyhow::{bail, Context as _};
use clap::Args;

use super::completions::write_stdout;
use super::{ApiArgs, Context, RunEnd};
use crate::api::{BaseUrl, OAuthConfig, RefreshStore};
use crate::config::Settings;
use crate::locations::{self, LocationsConfig};

/// `locations` options.
#[derive(Debug, Args)]
pub struct LocationsArgs {
    /// The API connection (an agency's: client id, GHL_CLIENT_SECRET and a refresh-token file
    /// holding a company refresh token).
    #[command(flatten)]
    pub api: ApiArgs,
    /// The marketplace app's id [default: the client id's part before its first '-'].
    #[arg(long)]
    pub app_id: Option<String>,
    /// JSON instead of text: an array of {id, name}.
    #[arg(long)]
    pub json: bool,
}

/// Runs `locations`.
pub(crate) fn run(ctx: &Context, args: &LocationsArgs) -> anyhow::Result<RunEnd> {
    let settings = super::config::command_settings(ctx, &args.api, None, None, None)?;
    let config = LocationsConfig {
        base_url: base_url(&settings)?,
        oauth: agency_oauth(&settings)?,
        app_id: args.app_id.clone(),
        timeout: settings.request_timeout(),
    };
    let list = locations::list(&config)?;
    let text = if args.json {
        locations::render_json(&list)
    } else {
        locations::render_text(&list)
    };
    write_stdout(text.as_bytes())?;
    Ok(RunEnd::Ok)
}

pub(super) fn base_url(settings: &Settings) -> anyhow::Result<BaseUrl> {
    let text = settings
        .base_url
        .value
        .as_deref()
        .unwrap_or(crate::api::DEFAULT_BASE_URL);
    BaseUrl::parse(text).with_context(|| format!("base_url (from {})", settings.base_url.source))
}

/// The agency's OAuth app and refresh token from the settings.
fn agency_oauth(settings: &Settings) -> anyhow::Result<OAuthConfig> {
    match (
        &settings.client_id.value,
        &settings.client_secret.value,
        &settings.refresh_token_file.value,
    ) {
        (Some(client_id), Some(client_secret), Some(file)) => Ok(OAuthConfig {
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
            refresh: RefreshStore::File(file.clone()),
            user_type: None,
        }),
        _ => match super::config::stored_login(settings, None)? {
            Some(oauth) => Ok(oauth),
            None => bail!(
                "no agency credentials: log in with `ghl-bulk auth login --user-type company`, \
                 or set GHL_CLIENT_ID, GHL_CLIENT_SECRET and GHL_REFRESH_TOKEN_FILE (a company \
                 refresh token)"
            ),
        },
    }
}
