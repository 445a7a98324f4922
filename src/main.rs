//! The `ghl-bulk` binary: parse the command line, run it, turn the result into an exit code.

use clap::Parser;
use std::process::ExitCode;

// The pipeline allocates millions of small strings on several threads; glibc's allocator spent
// about a fifth of `validate`'s CPU time on that (locks, consolidation), mimalloc a fraction.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ghl_bulk::cli::main(ghl_bulk::cli::Cli::parse()).into()
}
