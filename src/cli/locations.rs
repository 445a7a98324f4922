//! `ghl-bulk locations`: the flags, where the agency's credentials come from, and the output.

use anyhow::bail;
use clap::Args;

use super::completions::write_stdout;
use super::{ApiArgs, Context, RunEnd};
use crate::api::OAuthConfig;
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
        base_url: super::client_config::base_url(&settings)?,
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

/// The agency's OAuth app and refresh token from the settings.
fn agency_oauth(settings: &Settings) -> anyhow::Result<OAuthConfig> {
    if let Some(app) = super::client_config::oauth_app(settings) {
        return Ok(app);
    }
    match super::config::stored_login(settings, None)? {
        Some(oauth) => Ok(oauth),
        None => bail!(
            "no agency credentials: log in with `ghl-bulk auth login --user-type company`, \
             or set GHL_CLIENT_ID, GHL_CLIENT_SECRET and GHL_REFRESH_TOKEN_FILE (a company \
             refresh token)"
        ),
    }
}
