//! `ghl-bulk auth login|status|logout`: the flags, and where the client id, secret, API and
//! credentials file come from.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand, ValueEnum};

use super::completions::write_stdout;
use super::{Context, RunEnd};
use crate::api::UserType;
use crate::auth::login::{self, LoginConfig, Receive};
use crate::auth::{self, Forget};
use crate::config::Layer;

/// `auth` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Log in with HighLevel's OAuth page (authorization code): prints the address to open
    /// (and opens a browser when there is one), receives the redirect on
    /// http://127.0.0.1:PORT/callback, and stores the tokens in the credentials file. The app's
    /// redirect URI must be that address. Secret: GHL_CLIENT_SECRET.
    Login(LoginArgs),
    /// Show the logins in the credentials file: who, user type, company, locations, scopes,
    /// expiry. Never a token or secret.
    Status(StatusArgs),
    /// Forget a login (the entry is removed from the credentials file).
    Logout(LogoutArgs),
}

/// Whose token to ask for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UserTypeArg {
    /// An agency: location tokens are minted from it for each location.
    Company,
    /// One sub-account.
    Location,
}

/// `auth login` options.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The app's client id [env: GHL_CLIENT_ID].
    #[arg(long)]
    pub client_id: Option<String>,
    /// Scopes to ask for, space or comma separated [default: the contacts and location scopes
    /// an import needs; with --user-type company also oauth.readonly and oauth.write].
    #[arg(long)]
    pub scopes: Option<String>,
    /// The loopback port of the redirect (0: any free port).
    #[arg(long, default_value_t = 8976, value_name = "PORT")]
    pub redirect_port: u16,
    /// Log in as an agency (company) or one location.
    #[arg(long, value_enum, default_value = "location")]
    pub user_type: UserTypeArg,
    /// The authorization page [default: HighLevel's chooselocation page]; the white-label host
    /// or the sandbox's /oauth/chooselocation.
    #[arg(long, value_name = "URL")]
    pub authorize_url: Option<String>,
    /// The API's base URL (the token endpoint) [env: GHL_BASE_URL].
    #[arg(long)]
    pub base_url: Option<String>,
    /// Print the address without opening a browser (still listens for the redirect).
    #[arg(long)]
    pub no_open: bool,
    /// Read the code, or the whole redirected address, from stdin instead of listening.
    #[arg(long, conflicts_with = "no_open")]
    pub paste: bool,
    /// The credentials file [env: GHL_CREDENTIALS_FILE; default: ghl-bulk/credentials.json in
    /// the user's config folder].
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// Seconds to wait for the redirect.
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    pub wait: u64,
}

/// `auth status` options.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The credentials file.
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `auth logout` options.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Forget the login of this company.
    #[arg(long, conflicts_with_all = ["location", "all"])]
    pub company: Option<String>,
    /// Forget the login of this location.
    #[arg(long, conflicts_with = "all")]
    pub location: Option<String>,
    /// Forget every login.
    #[arg(long)]
    pub all: bool,
    /// The credentials file.
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
}

/// Runs an `auth` subcommand.
pub(crate) fn run(ctx: &Context, command: &AuthCommand) -> anyhow::Result<RunEnd> {
    match command {
        AuthCommand::Login(args) => login_command(ctx, args),
        AuthCommand::Status(args) => {
            let path =
                auth::resolve_path(super::config::credentials_file(args.credentials.as_deref()))?;
            let entries = auth::status(&path)?;
            let text = if args.json {
                format!("{}\n", serde_json::to_string_pretty(&entries)?)
            } else {
                auth::render_status(&path, &entries)
            };
            write_stdout(text.as_bytes())?;
            Ok(RunEnd::Ok)
        }
        AuthCommand::Logout(args) => {
            let path =
                auth::resolve_path(super::config::credentials_file(args.credentials.as_deref()))?;
            let which = match (&args.company, &args.location, args.all) {
                (Some(company), _, _) => Forget::Company(company.clone()),
                (_, Some(location), _) => Forget::Location(location.clone()),
                (_, _, true) => Forget::All,
                _ => Forget::Only,
            };
            let removed = auth::logout(&path, &which)?;
            if removed.is_empty() {
                bail!("nothing to log out: no such login in {}", path.display());
            }
            if ctx.log.human_output() {
                eprintln!("Logged out: {}.", removed.join(", "));
            }
            Ok(RunEnd::Ok)
        }
    }
}

fn login_command(ctx: &Context, args: &LoginArgs) -> anyhow::Result<RunEnd> {
    let flags = Layer {
        base_url: args.base_url.clone(),
        client_id: args.client_id.clone(),
        ..Layer::default()
    };
    let settings = super::config::settings(ctx, &flags)?;
    let Some(client_id) = settings.client_id.value.clone() else {
        bail!("no client id: pass --client-id or set GHL_CLIENT_ID");
    };
    let Some(client_secret) = settings.client_secret.value.clone() else {
        bail!("no client secret: set GHL_CLIENT_SECRET");
    };
    let user_type = match args.user_type {
        UserTypeArg::Company => UserType::Company,
        UserTypeArg::Location => UserType::Location,
    };
    let authorize_url = args
        .authorize_url
        .as_deref()
        .unwrap_or(login::DEFAULT_AUTHORIZE_URL);
    let authorize_url = url::Url::parse(authorize_url)
        .with_context(|| format!("--authorize-url {authorize_url}"))?;
    let loopback = matches!(
        authorize_url.host_str(),
        Some("127.0.0.1" | "localhost" | "[::1]")
    );
    if authorize_url.scheme() != "https" && !(authorize_url.scheme() == "http" && loopback) {
        bail!("--authorize-url must be https (or http to loopback)");
    }
    let config = LoginConfig {
        base_url: super::client_config::base_url(&settings)?,
        authorize_url,
        client_id,
        client_secret,
        scopes: scopes(args.scopes.as_deref(), user_type),
        redirect_port: args.redirect_port,
        user_type,
        receive: if args.paste {
            Receive::Paste
        } else {
            Receive::Listen {
                open: !args.no_open,
            }
        },
        credentials: auth::resolve_path(super::config::credentials_file(
            args.credentials.as_deref(),
        ))?,
        wait: std::time::Duration::from_secs(args.wait.max(1)),
        timeout: settings.request_timeout(),
    };
    let stdin = std::io::stdin();
    let mut stdin = stdin.lock();
    let mut stdout = std::io::stdout();
    let entry = login::login(&config, &mut stdin, &mut stdout)?;
    if ctx.log.human_output() {
        let who = match entry.user_type {
            UserType::Company => format!(
                "company {} ({} locations)",
                entry.company_id.as_deref().unwrap_or("?"),
                entry.locations.len()
            ),
            UserType::Location => {
                format!("location {}", entry.location_id.as_deref().unwrap_or("?"))
            }
        };
        eprintln!(
            "Logged in as {who}; saved to {} as {}.",
            config.credentials.display(),
            entry.key()
        );
    }
    Ok(RunEnd::Ok)
}

/// The scopes asked for: the flag's (space or comma separated), else what an import, an
/// export and (for an agency) minting location tokens need.
fn scopes(flag: Option<&str>, user_type: UserType) -> Vec<String> {
    if let Some(text) = flag {
        return text
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
    }
    let mut scopes: Vec<String> = [
        "contacts.readonly",
        "contacts.write",
        "locations.readonly",
        "locations/customFields.readonly",
        "locations/customFields.write",
    ]
    .map(str::to_string)
    .to_vec();
    if user_type == UserType::Company {
        scopes.extend(["oauth.readonly", "oauth.write"].map(str::to_string));
    }
    scopes
}
