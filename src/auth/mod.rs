//! `ghl-bulk auth`: logging in to HighLevel from a terminal (`login`), what the credentials
//! file holds (`status`, never a secret) and forgetting a login (`logout`).

pub mod login;

use std::path::{Path, PathBuf};

use crate::api::credentials_file::{CredentialsError, CredentialsFile, Entry};
use crate::api::{AuthError, UserType};

/// Why an `auth` command failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthCommandError {
    #[error("{0}")]
    Io(String),
    #[error("no redirect within {}s: run `auth login` again (or use --paste)", .0.as_secs())]
    TimedOut(std::time::Duration),
    #[error("the redirect's state does not match this login's: ignored, no token was asked for (an old or foreign link?); run `auth login` again")]
    StateMismatch,
    #[error("no authorization code: {0}")]
    NoCode(String),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error("{0}")]
    Which(String),
}

/// One entry as `auth status` shows it: who, and nothing secret.
#[derive(Debug, serde::Serialize)]
pub struct EntryStatus {
    pub key: String,
    pub user_type: UserType,
    pub company_id: Option<String>,
    pub location_id: Option<String>,
    pub locations: Vec<String>,
    pub scopes: Vec<String>,
    pub client_id: String,
    pub user_id: Option<String>,
    pub access_expires_at: Option<String>,
    pub base_url: Option<String>,
}

impl From<&Entry> for EntryStatus {
    fn from(entry: &Entry) -> Self {
        EntryStatus {
            key: entry.key(),
            user_type: entry.user_type,
            company_id: entry.company_id.clone(),
            location_id: entry.location_id.clone(),
            locations: entry.locations.clone(),
            scopes: entry.scopes.clone(),
            client_id: entry.client_id.clone(),
            user_id: entry.user_id.clone(),
            access_expires_at: entry.access_expires_at.clone(),
            base_url: entry.base_url.clone(),
        }
    }
}

/// The entries of `path`, for `auth status`.
pub fn status(path: &Path) -> Result<Vec<EntryStatus>, AuthCommandError> {
    let file = CredentialsFile::load(path)?;
    Ok(file.entries.iter().map(EntryStatus::from).collect())
}

/// `auth status` as text.
pub fn render_status(path: &Path, entries: &[EntryStatus]) -> String {
    let mut out = format!("Credentials file: {}\n", path.display());
    if entries.is_empty() {
        out.push_str("No login: run `ghl-bulk auth login`.\n");
        return out;
    }
    for entry in entries {
        out.push_str(&format!("\n{}\n", entry.key));
        out.push_str(&format!("  user type:  {}\n", entry.user_type.as_str()));
        if let Some(company) = &entry.company_id {
            out.push_str(&format!("  company:    {company}\n"));
        }
        if let Some(location) = &entry.location_id {
            out.push_str(&format!("  location:   {location}\n"));
        }
        if !entry.locations.is_empty() {
            out.push_str(&format!(
                "  locations:  {} ({})\n",
                entry.locations.len(),
                entry.locations.join(", ")
            ));
        }
        out.push_str(&format!("  client id:  {}\n", entry.client_id));
        if let Some(user) = &entry.user_id {
            out.push_str(&format!("  user:       {user}\n"));
        }
        out.push_str(&format!("  scopes:     {}\n", entry.scopes.join(" ")));
        if let Some(at) = &entry.access_expires_at {
            out.push_str(&format!(
                "  expiry:     the login's access token: {at} (a new one is had from the refresh token when needed)\n"
            ));
        }
        if let Some(base) = &entry.base_url {
            out.push_str(&format!("  api:        {base}\n"));
        }
    }
    out
}

/// Which entry `auth logout` removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forget {
    Company(String),
    Location(String),
    All,
    /// The only one.
    Only,
}

/// Removes entries from `path`; returns the keys removed. HighLevel documents no way to revoke
/// a token, so a logout forgets it here; uninstalling the app in HighLevel revokes it there.
pub fn logout(path: &Path, which: &Forget) -> Result<Vec<String>, AuthCommandError> {
    let mut file = CredentialsFile::load(path)?;
    let keys: Vec<String> = match which {
        Forget::All => file.entries.iter().map(Entry::key).collect(),
        Forget::Company(id) => vec![format!("company:{id}")],
        Forget::Location(id) => vec![format!("location:{id}")],
        Forget::Only => match file.entries.as_slice() {
            [only] => vec![only.key()],
            [] => Vec::new(),
            many => {
                let keys: Vec<String> = many.iter().map(Entry::key).collect();
                return Err(AuthCommandError::Which(format!(
                    "several logins ({}): say which with --company, --location or --all",
                    keys.join(", ")
                )));
            }
        },
    };
    let removed: Vec<String> = keys.into_iter().filter(|k| file.remove(k)).collect();
    if !removed.is_empty() {
        file.save(path)?;
    }
    Ok(removed)
}

/// The credentials file: the flag, else `GHL_CREDENTIALS_FILE` (read by `cli/`), else the
/// default under the user's config folder.
pub fn resolve_path(explicit: Option<PathBuf>) -> Result<PathBuf, AuthCommandError> {
    explicit
        .or_else(crate::api::credentials_file::default_path)
        .ok_or_else(|| {
            AuthCommandError::Io(
                "no config folder on this system: name the credentials file with --credentials"
                    .into(),
            )
        })
}
