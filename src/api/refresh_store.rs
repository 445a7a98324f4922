//! Where a rotating refresh token is kept: a file of its own (`GHL_REFRESH_TOKEN_FILE`) or an
//! entry of the credentials file. HighLevel refresh tokens are single-use, so each new one is
//! written back atomically (temporary file with mode 0600, fsync, rename) before the access
//! token that came with it is used: a crash never leaves only a dead refresh token.

use super::credentials_file;
use super::oauth::AuthError;
use super::secret::Secret;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the current refresh token lives; each rotated one is written back there at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshStore {
    /// A file holding the refresh token alone (`GHL_REFRESH_TOKEN_FILE`).
    File(PathBuf),
    /// An entry (`company:ID`, `location:ID`) of the credentials file `auth login` writes.
    Entry { file: PathBuf, key: String },
}

impl RefreshStore {
    pub(crate) fn read(&self) -> Result<Secret, AuthError> {
        match self {
            RefreshStore::File(path) => read_refresh_token(path),
            RefreshStore::Entry { file, key } => {
                credentials_file::read_refresh(file, key).map_err(AuthError::Credentials)
            }
        }
    }

    pub(crate) fn write(&self, token: &Secret) -> Result<(), AuthError> {
        match self {
            RefreshStore::File(path) => write_refresh_token(path, token),
            RefreshStore::Entry { file, key } => {
                credentials_file::write_refresh(file, key, token).map_err(AuthError::Credentials)
            }
        }
    }
}

fn read_refresh_token(path: &Path) -> Result<Secret, AuthError> {
    let text = std::fs::read_to_string(path).map_err(|source| AuthError::ReadFile {
        path: path.to_path_buf(),
        source,
    })?;
    let token = Secret::new(text);
    if token.is_empty() {
        return Err(AuthError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    Ok(token)
}

/// Replaces the token file atomically: a temporary file in the same folder, mode 0600, synced,
/// renamed over the old one, and the folder synced so the rename survives a power cut.
pub(crate) fn write_refresh_token(path: &Path, token: &Secret) -> Result<(), AuthError> {
    let fail = |source| AuthError::WriteFile {
        path: path.to_path_buf(),
        source,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "refresh-token".into());
    let tmp = crate::run::atomic::folder(path).join(format!(".{name}.tmp-{}", std::process::id()));
    let (pending, mut file) =
        crate::run::atomic::AtomicFile::create_as(path, tmp, Some(0o600)).map_err(fail)?;
    file.write_all(token.expose().as_bytes()).map_err(fail)?;
    file.write_all(b"\n").map_err(fail)?;
    pending.commit(Some(file)).map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_file_is_replaced_atomically_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("refresh-token");
        std::fs::write(&path, "old\n").unwrap();
        write_refresh_token(&path, &Secret::new("new-token")).unwrap();
        assert_eq!(read_refresh_token(&path).unwrap().expose(), "new-token");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn an_empty_token_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rt");
        std::fs::write(&path, "  \n").unwrap();
        assert!(matches!(
            read_refresh_token(&path),
            Err(AuthError::EmptyFile { .. })
        ));
    }
}
