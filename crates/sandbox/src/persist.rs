//! `--data FILE`: the store saved as one versioned JSON document, written atomically (tmp file,
//! fsync, rename, fsync of the folder) so a crash never leaves half a file behind.

use crate::server::AppState;
use crate::store::{Store, SNAPSHOT_VERSION};
use crate::Error;
use std::io::Write;
use std::path::{Path, PathBuf};

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Reads a saved store; `Ok(None)` if the file does not exist yet.
pub(crate) fn load(path: &Path) -> Result<Option<Store>, Error> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Data {
                path: path.into(),
                source,
            })
        }
    };
    let store: Store = serde_json::from_slice(&bytes).map_err(|e| Error::DataFormat {
        path: path.into(),
        reason: e.to_string(),
    })?;
    if store.version != SNAPSHOT_VERSION {
        return Err(Error::DataFormat {
            path: path.into(),
            reason: format!(
                "snapshot version {} is not {SNAPSHOT_VERSION}",
                store.version
            ),
        });
    }
    Ok(Some(store))
}

/// One save at a time: the periodic flush and the save at shutdown could otherwise share the
/// temporary file, or rename an older snapshot over a newer one.
static SAVING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Saves the store. Serialises under the read lock (brief), writes outside it.
pub(crate) async fn save(state: &AppState, path: &Path) -> Result<(), Error> {
    let _one_at_a_time = SAVING.lock().await;
    let bytes = serde_json::to_vec(&*state.read()).map_err(|e| Error::DataFormat {
        path: path.into(),
        reason: e.to_string(),
    })?;
    let path = path.to_path_buf();
    let res = tokio::task::spawn_blocking(move || {
        write_atomically(&path, &bytes).map_err(|source| Error::Data { path, source })
    })
    .await;
    match res {
        Ok(r) => r,
        Err(e) => Err(Error::Config(format!("saving task failed: {e}"))),
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = tmp_path(path);
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Makes the rename itself durable; not possible on every platform, so best effort.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_tmp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        write_atomically(&p, b"{\"a\":1}").unwrap();
        write_atomically(&p, b"{\"a\":2}").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"{\"a\":2}");
        assert!(!tmp_path(&p).exists());
        assert!(load(&dir.path().join("missing.json")).unwrap().is_none());
        assert!(matches!(load(&p), Err(Error::DataFormat { .. })));
    }
}
