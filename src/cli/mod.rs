//! What the user typed (clap types) and the dispatch from a subcommand to the code that runs it.

mod exit;

pub use exit::Exit;

use clap::{Parser, Subcommand};

/// Bulk import and export of HighLevel contacts.
#[derive(Debug, Parser)]
#[command(name = "ghl-bulk", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the local simulator of the HighLevel Contacts API (for tests and trials).
    Sandbox(ghl_sandbox::cli::SandboxArgs),
}

/// Runs one command to its end and says how the process should exit.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Sandbox(args) => {
            runtime.block_on(ghl_sandbox::cli::run(args))?;
            Ok(Exit::Ok)
        }
    }
}
