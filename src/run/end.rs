//! How a run ends, and the one table from that to the process's exit code (as the README
//! documents it). Every command's end is a [`RunEnd`]; only `main.rs` turns it into the
//! process's exit.

/// How a run ended, as the scheduler sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// Every row ended `created`, `updated`, `unchanged` or `merged` (or the command had no
    /// rows: it did what was asked).
    Ok,
    /// Configuration, mapping, authentication, unreadable input or I/O.
    Fatal,
    /// Command-line usage error (clap exits with this code itself).
    Usage,
    /// Finished, but some rows were `rejected` or `failed`.
    Rejects,
    /// `import --plan` refused to carry out a plan: the file or the mapping changed since,
    /// it was carried out already, or the folder holds none. Nothing was sent.
    PlanRefused,
    /// Stopped early and resumable (daily budget, API unreachable, lock held).
    Resumable,
    /// Interrupted by Ctrl-C or SIGTERM; resumable.
    Interrupted,
}

impl RunEnd {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            RunEnd::Ok => 0,
            RunEnd::Fatal => 1,
            RunEnd::Usage => 2,
            RunEnd::Rejects => 3,
            RunEnd::PlanRefused => 4,
            RunEnd::Resumable => 75,
            RunEnd::Interrupted => 130,
        }
    }

    /// The end a recorded exit code stands for (an unknown code is a fatal end).
    pub fn from_code(code: u8) -> RunEnd {
        match code {
            0 => RunEnd::Ok,
            2 => RunEnd::Usage,
            3 => RunEnd::Rejects,
            4 => RunEnd::PlanRefused,
            75 => RunEnd::Resumable,
            130 => RunEnd::Interrupted,
            _ => RunEnd::Fatal,
        }
    }
}

/// How bad an end is, for the worst of many: a fatal error is worst, then an interruption,
/// a stop to resume, a refused plan, rows rejected, and a clean end.
fn severity(end: RunEnd) -> u8 {
    match end {
        RunEnd::Ok => 0,
        RunEnd::Rejects => 1,
        RunEnd::PlanRefused => 2,
        RunEnd::Resumable => 3,
        RunEnd::Interrupted => 4,
        RunEnd::Usage => 5,
        RunEnd::Fatal => 6,
    }
}

/// The worst of the ends (a run with no location ends fatal: it did nothing asked).
pub fn worst(ends: impl IntoIterator<Item = RunEnd>) -> RunEnd {
    ends.into_iter()
        .max_by_key(|end| severity(*end))
        .unwrap_or(RunEnd::Fatal)
}

/// Why a run that sends stopped before its end, or that it got there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Every step or row has a result.
    Finished,
    /// Ctrl-C: in-flight requests finished, the rest waits for a resume.
    Interrupted,
    /// The daily budget, or the API stayed unreachable: resumable.
    Resumable(String),
}

#[cfg(test)]
mod tests {
    use super::RunEnd;

    /// The table the README documents; a recorded code reads back as the same end.
    #[test]
    fn every_end_has_its_documented_code() {
        let table = [
            (RunEnd::Ok, 0),
            (RunEnd::Fatal, 1),
            (RunEnd::Usage, 2),
            (RunEnd::Rejects, 3),
            (RunEnd::PlanRefused, 4),
            (RunEnd::Resumable, 75),
            (RunEnd::Interrupted, 130),
        ];
        for (end, code) in table {
            assert_eq!(end.code(), code);
            assert_eq!(RunEnd::from_code(code), end);
        }
    }
}
