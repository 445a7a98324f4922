//! The `ghl-bulk sandbox` command line: flags turned into a [`Config`], then served until Ctrl-C.

use crate::Config;
use std::net::SocketAddr;

/// Flags of `ghl-bulk sandbox`.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
}

/// Runs the sandbox until Ctrl-C.
pub async fn run(args: SandboxArgs) -> Result<(), crate::Error> {
    let handle = crate::spawn(Config {
        listen: Some(args.listen),
    })
    .await?;
    println!("{{\"base_url\":\"http://{}\"}}", handle.addr);
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}
