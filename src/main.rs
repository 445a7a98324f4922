//! The `ghl-bulk` binary: parse the command line, run it, turn how it ended into the process's
//! exit code. The only place the process exits.

use clap::Parser;
use ghl_bulk::run::end::RunEnd;
use std::process::ExitCode;

// The pipeline allocates millions of small strings on several threads; glibc's allocator spent
// about a fifth of `validate`'s CPU time on that (locks, consolidation), mimalloc a fraction.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let end = ghl_bulk::cli::main(ghl_bulk::cli::Cli::parse(), forced_stop);
    ExitCode::from(end.code())
}

/// The third Ctrl-C or SIGTERM, for a command stuck where it cannot look: the process ends at
/// once as interrupted (the ledger stays consistent: it is written in transactions). Called
/// from the signal handler, so `_exit`: async-signal-safe, no destructors, no buffers flushed.
fn forced_stop() -> ! {
    signal_hook::low_level::exit(RunEnd::Interrupted.code().into())
}
