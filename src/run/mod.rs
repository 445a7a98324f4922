//! What every command shares: the clock, the one atomic file write, progress on stderr (one
//! bar, or the board of a run over many locations), stop requests (Ctrl-C, SIGTERM), the operator's consent, how a run ends (and its exit code) and
//! the dispatch loop. Commands depend on this folder and on the stages, never on each other.

pub mod atomic;
pub mod board;
pub mod clock;
pub mod consent;
pub mod dispatch;
pub mod end;
pub mod progress;
pub mod signals;
pub mod summary;
