//! The credentials file `ghl-bulk auth login` writes and every command reads when no token is
//! given: one entry per company or location, each with its OAuth app, refresh token, scopes and
//! who it speaks for. Mode 0600, rewritten atomically; a rotated refresh token is written back
//! at once. Nothing here prints a secret: entries have no `Debug` showing them.

use super::oauth_http::UserType;
use super::secret::Secret;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the file lives unless `--credentials` or `GHL_CREDENTIALS_FILE` says otherwise: beside
/// the settings file, in the user's config folder (`$XDG_CONFIG_HOME/ghl-bulk/` on Linux).
pub const DEFAULT_NAME: &str = "ghl-bulk/credentials.json";

/// The default path, when the system has a config folder.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join(DEFAULT_NAME))
}

/// Why the file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("cannot read the credentials file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the credentials file {path} is not valid: {detail}")]
    Invalid { path: PathBuf, detail: String },
    #[error("cannot write the credentials file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the credentials file {path} has no entry {key}")]
    NoEntry { path: PathBuf, key: String },
}

/// One login: a company (agency) or a location.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub user_type: UserType,
    #[serde(default)]
    pub company_id: Option<String>,
    #[serde(default)]
    pub location_id: Option<String>,
    /// The locations a company token was approved for (`approvedLocations`).
    #[serde(default)]
    pub locations: Vec<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    pub client_id: String,
    /// Kept so that a refresh needs nothing but this file (the file is the user's alone,
    /// mode 0600, like the refresh token beside it); GHL_CLIENT_SECRET overrides it.
    client_secret: String,
    refresh_token: String,
    /// When the access token had at login expires (UTC, RFC 3339); for `auth status`.
    #[serde(default)]
    pub access_expires_at: Option<String>,
    /// The API the login was made against.
    #[serde(default)]
    pub base_url: Option<String>,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("key", &self.key())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl Entry {
    /// A new entry; `company_id` for a company, `location_id` for a location.
    pub fn new(
        user_type: UserType,
        company_id: Option<String>,
        location_id: Option<String>,
        client_id: String,
        client_secret: &Secret,
        refresh_token: &Secret,
    ) -> Entry {
        Entry {
            user_type,
            company_id,
            location_id,
            locations: Vec::new(),
            scopes: Vec::new(),
            user_id: None,
            client_id,
            client_secret: client_secret.expose().to_string(),
            refresh_token: refresh_token.expose().to_string(),
            access_expires_at: None,
            base_url: None,
        }
    }

    /// `company:ID` or `location:ID`: one entry per company or location.
    pub fn key(&self) -> String {
        match self.user_type {
            UserType::Company => format!("company:{}", self.company_id.as_deref().unwrap_or("")),
            UserType::Location => {
                format!("location:{}", self.location_id.as_deref().unwrap_or(""))
            }
        }
    }

    pub fn client_secret(&self) -> Secret {
        Secret::new(&self.client_secret)
    }

    pub fn refresh_token(&self) -> Secret {
        Secret::new(&self.refresh_token)
    }

    /// Whether this login can act for `location`: its own location, or a company that was
    /// approved for it (or whose approval list is unknown).
    pub fn serves(&self, location: &str) -> bool {
        match self.user_type {
            UserType::Location => self.location_id.as_deref() == Some(location),
            UserType::Company => {
                self.locations.is_empty() || self.locations.iter().any(|l| l == location)
            }
        }
    }
}

/// The whole file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CredentialsFile {
    #[serde(default)]
    pub entries: Vec<Entry>,
}

impl CredentialsFile {
    /// Reads `path`; a missing file is an empty one.
    pub fn load(path: &Path) -> Result<CredentialsFile, CredentialsError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(CredentialsFile::default())
            }
            Err(source) => {
                return Err(CredentialsError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        // serde_json's message names a line and column, never the value.
        serde_json::from_slice(&bytes).map_err(|e| CredentialsError::Invalid {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })
    }

    /// Replaces `path` atomically (temporary file, mode 0600, fsync, rename), creating its
    /// folder if needed.
    pub fn save(&self, path: &Path) -> Result<(), CredentialsError> {
        let fail = |source| CredentialsError::Write {
            path: path.to_path_buf(),
            source,
        };
        let folder = crate::run::atomic::folder(path);
        std::fs::create_dir_all(folder).map_err(fail)?;
        let bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| fail(std::io::Error::other(e.to_string())))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "credentials.json".into());
        let tmp = folder.join(format!(".{name}.tmp-{}", std::process::id()));
        let (pending, mut file) =
            crate::run::atomic::AtomicFile::create_as(path, tmp, Some(0o600)).map_err(fail)?;
        file.write_all(&bytes).map_err(fail)?;
        file.write_all(b"\n").map_err(fail)?;
        pending.commit(Some(file)).map_err(fail)
    }

    /// Adds `entry`, replacing the one with the same key.
    pub fn upsert(&mut self, entry: Entry) {
        let key = entry.key();
        match self.entries.iter_mut().find(|e| e.key() == key) {
            Some(slot) => *slot = entry,
            None => self.entries.push(entry),
        }
    }

    /// Removes the entry `key`; whether there was one.
    pub fn remove(&mut self, key: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.key() != key);
        self.entries.len() != before
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key() == key)
    }

    /// The entry to use for `location`: its own location login first, else a company login
    /// approved for it.
    pub fn for_location(&self, location: &str) -> Option<&Entry> {
        let own = format!("location:{location}");
        self.get(&own).or_else(|| {
            self.entries
                .iter()
                .find(|e| e.user_type == UserType::Company && e.serves(location))
        })
    }

    /// The company login, when there is exactly one (or the first, for `locations`).
    pub fn company(&self) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.user_type == UserType::Company)
    }
}

/// Reads the refresh token of entry `key`.
pub(crate) fn read_refresh(path: &Path, key: &str) -> Result<Secret, CredentialsError> {
    let file = CredentialsFile::load(path)?;
    file.get(key)
        .map(Entry::refresh_token)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| CredentialsError::NoEntry {
            path: path.to_path_buf(),
            key: key.to_string(),
        })
}

/// Writes a rotated refresh token into entry `key` (read, change, atomic rewrite).
pub(crate) fn write_refresh(
    path: &Path,
    key: &str,
    token: &Secret,
) -> Result<(), CredentialsError> {
    let mut file = CredentialsFile::load(path)?;
    let Some(entry) = file.entries.iter_mut().find(|e| e.key() == key) else {
        return Err(CredentialsError::NoEntry {
            path: path.to_path_buf(),
            key: key.to_string(),
        });
    };
    entry.refresh_token = token.expose().to_string();
    file.save(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn company() -> Entry {
        let mut entry = Entry::new(
            UserType::Company,
            Some("C1".into()),
            None,
            "app-client".into(),
            &Secret::new("the-client-secret"),
            &Secret::new("the-refresh-token"),
        );
        entry.locations = vec!["L1".into(), "L2".into()];
        entry
    }

    #[test]
    fn entries_are_kept_one_per_key_rotated_in_place_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("credentials.json");
        let mut file = CredentialsFile::load(&path).unwrap();
        file.upsert(company());
        file.upsert(company());
        let location = Entry::new(
            UserType::Location,
            Some("C1".into()),
            Some("L9".into()),
            "app-client".into(),
            &Secret::new("s"),
            &Secret::new("r"),
        );
        file.upsert(location);
        file.save(&path).unwrap();
        write_refresh(&path, "company:C1", &Secret::new("rotated")).unwrap();
        let again = CredentialsFile::load(&path).unwrap();
        assert_eq!(again.entries.len(), 2);
        assert_eq!(
            read_refresh(&path, "company:C1").unwrap().expose(),
            "rotated"
        );
        assert_eq!(again.for_location("L9").unwrap().key(), "location:L9");
        assert_eq!(again.for_location("L2").unwrap().key(), "company:C1");
        assert!(again.for_location("L3").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!format!("{:?}", again).contains("the-client-secret"));
        assert!(!format!("{:?}", again).contains("rotated"));
        let mut again = again;
        assert!(again.remove("location:L9"));
        assert!(!again.remove("location:L9"));
    }
}
