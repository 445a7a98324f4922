//! The `ghl-bulk` binary: parse the command line, run it, turn the result into an exit code.

use clap::Parser;
use std::process::ExitCode;

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
