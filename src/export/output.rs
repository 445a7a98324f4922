//! The output file's safety for unattended runs: a lock per target so two exports to the same
//! file cannot overlap, and atomic replacement (a temporary file in the same folder, fsync,
//! rename, fsync of the folder), so a killed export leaves the previous file intact and never
//! a partial file under the final name.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::ExportError;
use crate::run::atomic::{folder, AtomicFile};

/// An exclusive OS advisory lock on `.<name>.lock` beside the output, held until dropped. The
/// kernel releases it when the process ends in any way (SIGKILL included), so a crash never
/// leaves a stale lock behind; the file itself stays and only carries the holder's pid.
#[derive(Debug)]
pub struct TargetLock {
    _file: File,
    path: PathBuf,
}

impl TargetLock {
    /// Takes the lock for `out`, or says who holds it.
    pub fn acquire(out: &Path) -> Result<TargetLock, ExportError> {
        let path = sibling(out, "", ".lock");
        let io = |source| ExportError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(ExportError::Locked {
                    out: out.to_path_buf(),
                    lock: path,
                    holder: holder.trim().to_string(),
                });
            }
            Err(std::fs::TryLockError::Error(source)) => return Err(io(source)),
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        Ok(TargetLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The temporary file an export writes (a [`AtomicFile`] named `.<name>.<pid>.tmp`); renamed
/// over the output by [`PendingFile::commit`], removed if dropped before that (an error or
/// Ctrl-C). A SIGKILL leaves it behind under its temporary name: the next run to the same
/// target removes it while holding the lock.
#[derive(Debug)]
pub struct PendingFile(AtomicFile);

impl PendingFile {
    /// Creates `.<name>.<pid>.tmp` beside `out` (same folder, so the rename is atomic), after
    /// removing what killed runs left. Call while holding the target's lock.
    pub fn create(out: &Path) -> Result<(PendingFile, File), ExportError> {
        remove_leftovers(out, ".tmp");
        let temp = sibling(out, &format!(".{}", std::process::id()), ".tmp");
        let (pending, file) = AtomicFile::create_as(out, temp.clone(), None)
            .map_err(|source| ExportError::Io { path: temp, source })?;
        Ok((PendingFile(pending), file))
    }

    /// The temporary path.
    pub fn temp_path(&self) -> &Path {
        self.0.temp_path()
    }

    /// Makes the written file the output: fsync the data, rename over the output, fsync the
    /// folder so the rename itself survives a power cut.
    pub fn commit(self, file: File) -> Result<(), ExportError> {
        let out = self.0.path().to_path_buf();
        self.0
            .commit(Some(file))
            .map_err(|source| ExportError::Io { path: out, source })
    }
}

/// The file an output path stands for: a symlink is followed to the file it names (through
/// every link), so that two exports through two names of one file take the same lock, and the
/// rename replaces the file the link points to rather than the link itself. A path that is not
/// a symlink is used as it is.
pub fn resolved(out: &Path) -> PathBuf {
    let is_link = std::fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return out.to_path_buf();
    }
    match std::fs::canonicalize(out) {
        Ok(target) => target,
        // A link to a file that does not exist yet: the export creates it where the link says.
        Err(_) => match std::fs::read_link(out) {
            Ok(target) if target.is_absolute() => target,
            Ok(target) => folder(out).join(target),
            Err(_) => out.to_path_buf(),
        },
    }
}

/// `<folder>/.<name><middle><suffix>`.
fn sibling(out: &Path, middle: &str, suffix: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    folder(out).join(format!(".{name}{middle}{suffix}"))
}

/// What earlier runs to the same output left when they were killed: `.<name>.<pid><suffix>`
/// beside `out`, a temporary file (`.tmp`) or a folder of parts (`.parts`). Only names whose
/// middle is a process id are touched.
pub(super) fn remove_leftovers(out: &Path, suffix: &str) {
    let Some(name) = out.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(folder(out)) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let pid = file
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(suffix));
        if pid.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
            tracing::info!(path = %entry.path().display(), "Removing what an interrupted export left.");
            let path = entry.path();
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_on_the_same_target_is_refused_with_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("contacts.csv");
        let held = TargetLock::acquire(&out).unwrap();
        match TargetLock::acquire(&out) {
            Err(ExportError::Locked { holder, .. }) => {
                assert_eq!(holder, std::process::id().to_string())
            }
            other => panic!("expected Locked, got {other:?}"),
        }
        // Another target is independent.
        TargetLock::acquire(&dir.path().join("other.csv")).unwrap();
        drop(held);
        TargetLock::acquire(&out).unwrap();
    }

    #[test]
    fn commit_replaces_and_drop_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("contacts.csv");
        std::fs::write(&out, "old").unwrap();
        let (pending, mut file) = PendingFile::create(&out).unwrap();
        file.write_all(b"half").unwrap();
        let temp = pending.temp_path().to_path_buf();
        assert!(temp.exists());
        drop(pending);
        assert!(!temp.exists());
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");

        let (pending, mut file) = PendingFile::create(&out).unwrap();
        file.write_all(b"new").unwrap();
        pending.commit(file).unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "only the output is left");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_to_the_output_takes_the_same_lock_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("contacts.csv");
        std::fs::write(&out, "old").unwrap();
        let link = dir.path().join("latest.csv");
        std::os::unix::fs::symlink("contacts.csv", &link).unwrap();
        let held = TargetLock::acquire(&resolved(&out)).unwrap();
        assert!(
            matches!(
                TargetLock::acquire(&resolved(&link)),
                Err(ExportError::Locked { .. })
            ),
            "the link's name must not get past the lock on the file it names"
        );
        drop(held);
        let (pending, mut file) = PendingFile::create(&resolved(&link)).unwrap();
        file.write_all(b"new").unwrap();
        pending.commit(file).unwrap();
        let meta = std::fs::symlink_metadata(&link).unwrap();
        assert!(meta.file_type().is_symlink(), "the link is still a link");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
    }

    #[test]
    fn stale_temporary_files_are_removed_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("c.csv");
        std::fs::write(dir.path().join(".c.csv.999999.tmp"), "x").unwrap();
        std::fs::write(dir.path().join(".c.csv.notes.tmp"), "keep").unwrap();
        let (pending, _file) = PendingFile::create(&out).unwrap();
        assert!(!dir.path().join(".c.csv.999999.tmp").exists());
        assert!(dir.path().join(".c.csv.notes.tmp").exists());
        drop(pending);
    }

    #[test]
    fn a_killed_run_s_parts_folder_is_removed_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("all.csv");
        let stale = dir.path().join(".all.csv.424242.parts");
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join("A.csv"), "x").unwrap();
        let kept = dir.path().join(".all.csv.mine.parts");
        std::fs::create_dir(&kept).unwrap();
        // A temporary file is not a parts folder, and the other way round.
        std::fs::write(dir.path().join(".all.csv.7.tmp"), "x").unwrap();
        remove_leftovers(&out, ".parts");
        assert!(!stale.exists());
        assert!(kept.exists());
        assert!(dir.path().join(".all.csv.7.tmp").exists());
    }
}
