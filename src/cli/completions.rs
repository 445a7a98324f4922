//! `completions <shell>` and `man`: the shell completion script and the roff manual pages,
//! generated from the same clap definitions as `--help`, so they never drift from the flags.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, CommandFactory as _};

use super::{Cli, RunEnd};

/// `completions` options.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `man` options.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write one page per command into this folder (ghl-bulk.1, ghl-bulk-import.1, …) instead
    /// of printing them all to stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Prints the completion script for a shell.
pub(crate) fn completions(args: &CompletionsArgs) -> anyhow::Result<RunEnd> {
    let mut script = Vec::new();
    // Generated into memory: clap_complete panics on a write error, and `| head` must not
    // make the tool panic.
    clap_complete::generate(args.shell, &mut Cli::command(), "ghl-bulk", &mut script);
    write_stdout(&script)?;
    Ok(RunEnd::Ok)
}

/// Prints the manual: the page of `ghl-bulk`, then one page per subcommand (depth first, as
/// `man -l -` renders them in turn), or writes each page to its own file with `--out`.
pub(crate) fn man(args: &ManArgs, human: bool) -> anyhow::Result<RunEnd> {
    let command = Cli::command();
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        clap_mangen::generate_to(command, dir)
            .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
        if human {
            eprintln!("Wrote the man pages into {}.", dir.display());
        }
        return Ok(RunEnd::Ok);
    }
    let mut roff = Vec::new();
    render_pages(command, &mut roff)?;
    write_stdout(&roff)?;
    Ok(RunEnd::Ok)
}

/// Renders a command's page and then its subcommands' pages. The command is built first so
/// that subcommands carry their full names (`ghl-bulk-mapping-init`), as `generate_to` does.
fn render_pages(command: clap::Command, out: &mut Vec<u8>) -> anyhow::Result<()> {
    fn walk(command: clap::Command, out: &mut Vec<u8>) -> anyhow::Result<()> {
        clap_mangen::Man::new(command.clone())
            .render(out)
            .context("cannot render the man page")?;
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub.clone(), out)?;
        }
        Ok(())
    }
    let mut command = command.disable_help_subcommand(true);
    command.build();
    walk(command, out)
}

/// Writes a command's product to stdout; a closed pipe (`| head`) is a normal end.
pub(crate) fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}
