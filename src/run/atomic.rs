//! The one way a file reaches its name: written to a temporary file in the same folder,
//! synced, renamed over the name, and the folder synced so the rename itself survives a power
//! cut. A reader (or a kill -9 at any instant) sees the previous file or the whole new one,
//! never half a file; a write abandoned before [`AtomicFile::commit`] (an error, an
//! interruption) removes its temporary file. Used for every file of the run folder besides the
//! ledger (CSV, XLSX, HTML, JSON), export's output and `--summary`, and the OAuth refresh-token
//! file.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file being written under a temporary name beside its final one.
#[derive(Debug)]
pub struct AtomicFile {
    temp: PathBuf,
    path: PathBuf,
    committed: bool,
}

impl AtomicFile {
    /// Starts writing `path`: creates (or truncates a stale) `.<name>.tmp` in its folder.
    pub fn create(path: &Path) -> std::io::Result<(AtomicFile, File)> {
        AtomicFile::create_as(path, temp_path(path), None)
    }

    /// Starts writing `path` under the temporary name `temp` (which must be in the same
    /// folder: a rename across file systems is not atomic), created with Unix permissions
    /// `mode` when given (a secret's file is never readable by others, not even while
    /// written).
    pub fn create_as(
        path: &Path,
        temp: PathBuf,
        mode: Option<u32>,
    ) -> std::io::Result<(AtomicFile, File)> {
        let mut options = OpenOptions::new();
        options.write(true).read(true).create(true).truncate(true);
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(mode);
        }
        #[cfg(not(unix))]
        let _ = mode;
        let file = options.open(&temp)?;
        Ok((
            AtomicFile {
                temp,
                path: path.to_path_buf(),
                committed: false,
            },
            file,
        ))
    }

    /// Where the content is written until the commit (for writers that open by path).
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// The final name.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Puts the written file in place: fsync the data, rename it over the final name, fsync
    /// the folder. `file` is the handle from [`AtomicFile::create`] (or `None` when a writer
    /// wrote by path: the file is opened to be synced).
    pub fn commit(mut self, file: Option<File>) -> std::io::Result<()> {
        let file = match file {
            Some(file) => file,
            None => File::open(&self.temp)?,
        };
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.temp, &self.path)?;
        self.committed = true;
        sync_dir(folder(&self.path))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Writes `bytes` to `path` atomically.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let (pending, mut file) = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    pending.commit(Some(file))
}

/// `<folder>/.<name>.tmp`: hidden, in the same folder (a rename across file systems is not
/// atomic), and one name per report, so a temporary file a kill left behind is reused.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    folder(path).join(format!(".{name}.tmp"))
}

/// The folder a file is in (`.` for a bare name).
pub fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Makes a rename in `dir` durable.
#[cfg(unix)]
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
pub fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    // Windows cannot open a folder as a file; its rename is durable once it returns.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_old_file_stays_until_the_commit_and_an_abandoned_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("success.csv");
        std::fs::write(&path, "old").unwrap();
        let (pending, mut file) = AtomicFile::create(&path).unwrap();
        file.write_all(b"half a rec").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        let temp = pending.temp_path().to_path_buf();
        drop(pending);
        assert!(
            !temp.exists(),
            "an abandoned write removes its temporary file"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");

        write(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["success.csv"], "nothing but the report is left");
    }
}
