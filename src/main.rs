//! The `ghl-bulk` binary: parse the command line, run it, turn the result into an exit code.

use clap::Parser;
use std::process::ExitCode;

// The pipeline allocates millions of small strings on several threads; glibc's allocator spent
// about a fifth of `validate`'s CPU time on that (locks, consolidation), mimalloc a fraction.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = ghl_bulk::cli::Cli::parse();
    match ghl_bulk::cli::run(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("error: {err:#}");
            ghl_bulk::cli::Exit::Fatal.into()
        }
    }
}
