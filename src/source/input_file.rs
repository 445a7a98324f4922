//! The input as a file that holds still: refused at once when it is not a regular file (a
//! folder, a named pipe, a device), and watched while it is read, so that a file still being
//! written by another program ends the read with one clear error instead of rows read from
//! two versions of it.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::SourceError;

/// What the input looked like when it was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Seen {
    /// Its length in bytes.
    pub len: u64,
    /// Its modification time, where the platform has one.
    pub modified: Option<SystemTime>,
}

impl Seen {
    fn of(metadata: &Metadata) -> Seen {
        Seen {
            len: metadata.len(),
            modified: metadata.modified().ok(),
        }
    }
}

/// Refuse anything but a regular file (or a link to one). The input is read more than once (a
/// fingerprint for `--resume`, then its rows), which a pipe cannot do: reading one would hang
/// or read half of it.
pub(super) fn check(path: &Path) -> Result<Seen, SourceError> {
    let metadata = std::fs::metadata(path).map_err(|source| SourceError::Io {
        path: path.to_owned(),
        source,
    })?;
    let what = if metadata.is_file() {
        return Ok(Seen::of(&metadata));
    } else if metadata.is_dir() {
        "a folder, not a file: name the spreadsheet file to read"
    } else if is_fifo(&metadata) {
        "a named pipe (FIFO), not a file: the input is read more than once, so save what the \
         pipe sends to a file and read that"
    } else {
        "a device or a socket, not a file: save what it holds to a file and read that"
    };
    Err(SourceError::NotAFile {
        path: path.to_owned(),
        what,
    })
}

#[cfg(unix)]
fn is_fifo(metadata: &Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    metadata.file_type().is_fifo()
}

#[cfg(not(unix))]
fn is_fifo(_: &Metadata) -> bool {
    false
}

/// The error a [`Watched`] read returns once the file is not the one that was opened.
#[derive(Debug)]
pub(super) struct InputChanged;

impl std::fmt::Display for InputChanged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the input changed while it was read")
    }
}

impl std::error::Error for InputChanged {}

/// Whether an I/O error (as the CSV parser passes it on) is a [`Watched`] file's change.
pub(super) fn is_change(error: &std::io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.is::<InputChanged>())
}

fn changed() -> std::io::Error {
    std::io::Error::other(InputChanged)
}

/// A file read up to the length it had when it was opened, never past it: bytes appended
/// meanwhile, a shorter file or a new modification time make the read fail with
/// [`InputChanged`] (the ledger numbers rows once, and a resume checks the fingerprint of the
/// file as it was).
pub(super) struct Watched {
    file: File,
    path: PathBuf,
    seen: Seen,
    position: u64,
}

impl Watched {
    /// Watch `file`, positioned at byte `position`, against what `seen` recorded.
    pub(super) fn new(file: File, path: &Path, seen: Seen, position: u64) -> Watched {
        Watched {
            file,
            path: path.to_owned(),
            seen,
            position,
        }
    }

    /// At the length seen at open: one more byte, or other metadata, means it changed.
    fn at_end(&mut self) -> std::io::Result<usize> {
        let mut probe = [0u8; 1];
        let more = loop {
            match self.file.read(&mut probe) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        let now = std::fs::metadata(&self.path).map(|m| Seen::of(&m))?;
        if more > 0 || now != self.seen {
            return Err(changed());
        }
        Ok(0)
    }
}

impl Read for Watched {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let left = self.seen.len.saturating_sub(self.position);
        if left == 0 {
            return self.at_end();
        }
        let room = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        let n = self.file.read(&mut buf[..room])?;
        if n == 0 {
            // Shorter than at open: cut or rewritten.
            return Err(changed());
        }
        self.position += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn watched(path: &Path) -> Watched {
        let seen = check(path).unwrap_or_else(|e| panic!("{e}"));
        let file = File::open(path).unwrap_or_else(|e| panic!("{e}"));
        Watched::new(file, path, seen, 0)
    }

    #[test]
    fn an_unchanged_file_reads_whole() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("a.csv");
        std::fs::write(&path, b"a,b\n1,2\n").unwrap_or_else(|e| panic!("{e}"));
        let mut text = String::new();
        watched(&path)
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(text, "a,b\n1,2\n");
    }

    #[test]
    fn bytes_appended_after_open_are_a_change() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("a.csv");
        std::fs::write(&path, b"a,b\n1,2\n").unwrap_or_else(|e| panic!("{e}"));
        let mut reader = watched(&path);
        let mut appender = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("{e}"));
        appender
            .write_all(b"3,4\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let mut text = Vec::new();
        let err = reader.read_to_end(&mut text).err();
        assert!(err.as_ref().is_some_and(is_change), "{err:?}");
        assert_eq!(text, b"a,b\n1,2\n", "nothing past the length seen at open");
    }

    #[test]
    fn a_file_cut_short_is_a_change() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("a.csv");
        std::fs::write(&path, b"a,b\n1,2\n").unwrap_or_else(|e| panic!("{e}"));
        let mut reader = watched(&path);
        std::fs::write(&path, b"a,b\n").unwrap_or_else(|e| panic!("{e}"));
        let err = reader.read_to_end(&mut Vec::new()).err();
        assert!(err.as_ref().is_some_and(is_change), "{err:?}");
    }

    #[test]
    fn folders_and_pipes_are_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let err = check(dir.path()).err().map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("a folder")),
            "{err:?}"
        );
    }
}
