//! `delete`: its arguments and the configuration built from them.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use super::config::rerun_settings;
use super::{plan, ApiArgs, Context, RunArgs, RunEnd, SourceArgs};

/// `delete` options.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The file naming the contacts: an id column (`contact_id` in the mapping), or emails
    /// and phones (CSV, XLSX, XLSM, XLSB, XLS or ODS).
    #[arg(required_unless_present = "resume")]
    pub file: Option<PathBuf>,
    /// The mapping file (TOML): `contact_id = "Contact Id"` and/or [fields] email, phone.
    #[arg(long, short = 'm', required_unless_present = "resume")]
    pub mapping: Option<PathBuf>,
    /// Worksheet to read (name, or 1-based index).
    #[arg(long)]
    pub sheet: Option<String>,
    /// 1-based row holding the headers; overrides the mapping's [source] header_row.
    #[arg(long, value_name = "N")]
    pub header_row: Option<u32>,
    /// Phone region for numbers without +country; overrides the mapping's default_region.
    #[arg(long)]
    pub region: Option<String>,
    /// The run folder [default: runs/<UTC timestamp>-<input stem>].
    #[arg(long)]
    pub run_dir: Option<PathBuf>,
    /// Read the file and look the contacts up, print what would be deleted; delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask: needed when stdin is not a terminal.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Continue a delete run that stopped.
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["file", "mapping", "run_dir", "sheet", "header_row", "region"])]
    pub resume: Option<PathBuf>,
    /// The API connection.
    #[command(flatten)]
    pub api: ApiArgs,
    /// Requests in flight at most [default: 8, or the config file's `concurrency`].
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Stop (exit 75, resumable) when the daily request budget left falls to this (a share
    /// such as `1%`, or a number of requests) [default: 1%, or the config file's].
    #[arg(long)]
    pub daily_reserve: Option<String>,
}

/// Runs `delete`.
pub fn run(ctx: &Context, args: &DeleteArgs) -> anyhow::Result<RunEnd> {
    use crate::delete::{DeleteConfig, DeleteError, DeleteStart, NewDelete};
    let reserve = args.daily_reserve.as_deref();
    let (settings, concurrency) = rerun_settings(ctx, &args.api, args.concurrency, reserve)?;
    let start = match (&args.resume, &args.file, &args.mapping) {
        (Some(dir), _, _) => DeleteStart::Resume(dir.clone()),
        (None, Some(file), Some(mapping)) => {
            let run = RunArgs {
                file: file.clone(),
                mapping: mapping.clone(),
                source: SourceArgs {
                    sheet: args.sheet.clone(),
                    header_row: args.header_row,
                    region: args.region.clone(),
                    run_dir: args.run_dir.clone(),
                },
            };
            let validated = plan::validate_config(&run, "delete", ctx.log.human_output())?;
            DeleteStart::New(Box::new(NewDelete {
                input: validated.input,
                mapping: validated.mapping,
                source: validated.source,
                region: validated.region,
                run_dir: validated.run_dir,
                options_json: validated.options_json,
            }))
        }
        _ => bail!("delete needs a FILE and --mapping (or --resume RUN_DIR)"),
    };
    let config = DeleteConfig {
        start,
        client: super::client_config::client_config(&settings)?,
        dry_run: args.dry_run,
        yes: args.yes,
        progress: ctx.log.human_output(),
        concurrency,
    };
    match crate::delete::run(config) {
        Ok(end) => Ok(end),
        Err(DeleteError::Usage(message)) => {
            eprintln!("error: {message}");
            Ok(RunEnd::Usage)
        }
        Err(e) => Err(e.into()),
    }
}
