//! `export`: its flags, and the validated [`ExportConfig`] built from them.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail};
use clap::{Args, ValueEnum};

use super::client_config::client_config;
use super::plan::sandbox_state;
use super::{ApiArgs, Context, RunEnd};
use crate::api::location_choice::Choice;
use crate::export::{
    parse_user_date, ExportConfig, ManyConfig, ManyOutput, OutputFormat, Query, Since, Source,
    StateChoice,
};

/// `export` options.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The file to write; replaced atomically when the export is complete. With --locations:
    /// one file for every location, a first column `location_id`, written only when every
    /// location is complete.
    #[arg(
        long,
        short = 'o',
        value_name = "FILE",
        required_unless_present = "out_dir"
    )]
    pub out: Option<PathBuf>,
    /// With --locations: one file per location in this folder, `<location_id>.<ext>` (the
    /// extension from --format, csv by default), each written when its location is complete.
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with = "out",
        requires = "locations"
    )]
    pub out_dir: Option<PathBuf>,
    /// Export several locations in one run: ids separated by commas, or `all` (every location
    /// the agency's app is installed in; needs the agency's app and company token). Each
    /// location has its own limits and state file; the exit code is the worst of the
    /// locations'.
    #[arg(long, value_name = "ID,ID,…|all")]
    pub locations: Option<String>,
    /// csv, xlsx or jsonl [default: from the extension of --out].
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// An import mapping read in reverse: the file gets the columns the mapping reads, so it
    /// imports back (after edits) with the same mapping. CSV and XLSX only.
    #[arg(long, short = 'm')]
    pub mapping: Option<PathBuf>,
    /// `last`: only contacts updated since the last complete export to the same file (every
    /// contact the first time); or a date (YYYY-MM-DD, UTC) or instant (RFC 3339).
    #[arg(long, value_name = "last|DATE")]
    pub since: Option<String>,
    /// Only contacts updated after this date or instant (a filter; see also --since).
    #[arg(long, value_name = "DATE")]
    pub updated_after: Option<String>,
    /// Only contacts with this tag (repeat for contacts having every one of them).
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Free-text search (at most 75 characters), as HighLevel's search box.
    #[arg(long, value_name = "TEXT")]
    pub query: Option<String>,
    /// Add each contact's notes (one extra request per contact: a large location takes hours).
    #[arg(long)]
    pub with_notes: bool,
    /// Add each contact's tasks: a nested array in JSONL; a count and the next open task due
    /// in CSV/XLSX (one extra request per contact).
    #[arg(long)]
    pub with_tasks: bool,
    /// Add each contact's appointments: a nested array in JSONL; a count and the next one
    /// ahead in CSV/XLSX (one extra request per contact).
    #[arg(long)]
    pub with_appointments: bool,
    /// Print only the estimate (requests, and time at the limit the API reports) and stop:
    /// no file is written. Sends two small requests (custom fields, and a one-contact search
    /// that learns the total and the limits).
    #[arg(long)]
    pub dry_run: bool,
    /// Write a JSON summary here (counts, requests, watermark, exit code).
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// The state file holding the --since watermark [default: per location in the user's data
    /// folder; none with --sandbox]. Not with --locations (each location keeps its own).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// How far below the watermark `--since last` looks again (search indexes changes a few
    /// seconds late); contacts already exported are left out by id: 30s, 10m, 2h.
    #[arg(long, default_value = "10m", value_parser = parse_overlap)]
    pub overlap: Duration,
    /// Read from a sandbox started in this process (1,000 generated contacts) instead of
    /// HighLevel: no token, no network.
    #[arg(long)]
    pub sandbox: bool,
    /// The API connection (ignored with --sandbox).
    #[command(flatten)]
    pub api: ApiArgs,
    /// Requests in flight at most: notes, and search cursors over slices of the contacts
    /// (at most 8) [default: sized from the rate the API allows].
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Stop (exit 75) when the daily request budget left falls to this: a percentage of the
    /// daily limit ("1%") or a number of requests [default: 1%].
    #[arg(long)]
    pub daily_reserve: Option<String>,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Comma-separated, UTF-8 with a BOM (opens cleanly in Excel).
    Csv,
    /// An Excel workbook.
    Xlsx,
    /// One JSON object per line.
    Jsonl,
}

/// Runs `export` and says how the process should exit. A run that cannot start still writes
/// a failed `--summary`; a resumable stop (another run holds the target, the daily budget,
/// the API unreachable) is exit 75 with the reason on stderr.
pub(crate) fn run(ctx: &Context, args: &ExportArgs) -> anyhow::Result<RunEnd> {
    let failed = |err: anyhow::Error| {
        if let Some(path) = &args.summary {
            let out = args.out.as_ref().or(args.out_dir.as_ref());
            let out = out.cloned().unwrap_or_default();
            let _ = crate::export::write_failed_summary(path, &out, &super::describe(&err));
        }
        err
    };
    if args.locations.is_some() {
        let config = many_config(ctx, args).map_err(failed)?;
        return match crate::export::run_many(config) {
            Ok(end) => Ok(end),
            // Another export holds the combined file: nothing was read, run again later.
            Err(err) if err.is_resumable() => {
                eprintln!("error: {err}");
                Ok(RunEnd::Resumable)
            }
            Err(err) => Err(failed(err.into())),
        };
    }
    let config = export_config(ctx, args).map_err(failed)?;
    match crate::export::run(config) {
        Ok(end) => Ok(end.run_end()),
        Err(err) if err.is_resumable() => {
            eprintln!("error: {err}");
            Ok(RunEnd::Resumable)
        }
        Err(err) => Err(err.into()),
    }
}

/// An export over many locations (`--locations`): one location's settings with a stand-in
/// location (each location's replaces it before anything is sent), the choice and the output.
pub(crate) fn many_config(ctx: &Context, args: &ExportArgs) -> anyhow::Result<ManyConfig> {
    let Some(list) = &args.locations else {
        bail!("--locations is needed");
    };
    if args.api.location.is_some() {
        bail!("--location names one location; with --locations, name them all there");
    }
    if args.sandbox {
        bail!(
            "--locations reads from HighLevel (or a sandbox served apart with `ghl-bulk sandbox \
             --locations N`); the in-process --sandbox has one location"
        );
    }
    let choice = Choice::parse(list)?;
    let mut single = args.clone();
    // Never sent: each location's client gets its own id first.
    single.api.location = Some(super::client_config::MANY_LOCATIONS.into());
    let output = match (&args.out, &args.out_dir) {
        (_, Some(dir)) => {
            if !dir.is_dir() {
                bail!("--out-dir {}: no such folder", dir.display());
            }
            // The per-location file names stand in for --out while checking the rest.
            single.out = Some(dir.join(format!("many.{}", format_name(args.format))));
            ManyOutput::PerLocation(dir.clone())
        }
        (Some(out), None) => ManyOutput::OneFile(out.clone()),
        (None, None) => bail!("--out FILE or --out-dir DIR is needed"),
    };
    let base = export_config(ctx, &single)?;
    if let StateChoice::File(path) = &base.state {
        bail!(
            "a state file ({}) belongs to one location: with --locations, each location keeps \
             its own in the data folder; remove --state (or `state` in the settings)",
            path.display()
        );
    }
    Ok(ManyConfig {
        base,
        choice,
        output,
    })
}

/// The extension of `--format` for `--out-dir` files (csv when not given).
fn format_name(format: Option<FormatArg>) -> &'static str {
    match format {
        None | Some(FormatArg::Csv) => "csv",
        Some(FormatArg::Xlsx) => "xlsx",
        Some(FormatArg::Jsonl) => "jsonl",
    }
}

/// Validates the flags and builds the export's configuration.
pub(crate) fn export_config(ctx: &Context, args: &ExportArgs) -> anyhow::Result<ExportConfig> {
    let Some(out) = &args.out else {
        bail!("--out FILE is needed (or, with --locations, --out-dir DIR)");
    };
    let format = match args.format {
        Some(FormatArg::Csv) => OutputFormat::Csv,
        Some(FormatArg::Xlsx) => OutputFormat::Xlsx,
        Some(FormatArg::Jsonl) => OutputFormat::Jsonl,
        None => OutputFormat::from_path(out).ok_or_else(|| {
            anyhow!(
                "cannot tell the format of {} from its extension: name it .csv, .xlsx or \
                 .jsonl, or pass --format",
                out.display()
            )
        })?,
    };
    if out.is_dir() {
        bail!("--out {} is a folder; name a file", out.display());
    }
    if let Some(folder) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !folder.is_dir() {
            bail!(
                "--out {}: the folder {} does not exist",
                out.display(),
                folder.display()
            );
        }
    }
    let mapping = match &args.mapping {
        Some(path) if format == OutputFormat::Jsonl => bail!(
            "--mapping {} shapes a spreadsheet for re-import; write .csv or .xlsx with it",
            path.display()
        ),
        Some(path) => Some(crate::mapping::load(path)?),
        None => None,
    };
    let since = match args.since.as_deref().map(str::trim) {
        None => Since::Full,
        Some("last") => Since::Last,
        Some(text) => Since::Date(parse_user_date(text).ok_or_else(|| {
            anyhow!("--since {text}: use `last`, a date (2026-11-20) or an instant (2026-11-20T08:00:00Z)")
        })?),
    };
    let updated_after = match &args.updated_after {
        None => None,
        Some(text) => Some(parse_user_date(text).ok_or_else(|| {
            anyhow!("--updated-after {text}: use a date (2026-11-20) or an instant (2026-11-20T08:00:00Z)")
        })?),
    };
    if let Some(text) = &args.query {
        if text.chars().count() > 75 {
            bail!("--query is limited to 75 characters by HighLevel's search");
        }
    }
    if args.tag.iter().any(|t| t.trim().is_empty()) {
        bail!("--tag needs a tag name");
    }
    let settings = super::config::command_settings(
        ctx,
        &args.api,
        args.concurrency,
        args.daily_reserve.as_deref(),
        args.state.as_deref(),
    )?;
    let source = if args.sandbox {
        Source::Sandbox
    } else {
        Source::Api(Box::new(client_config(&settings)?))
    };
    Ok(ExportConfig {
        out: out.clone(),
        format,
        mapping,
        since,
        query: Query {
            text: args.query.clone().filter(|q| !q.trim().is_empty()),
            // HighLevel stores tags lower-cased.
            tags: args.tag.iter().map(|t| t.trim().to_lowercase()).collect(),
            since: None,
            updated_after,
        },
        with_notes: args.with_notes,
        with_tasks: args.with_tasks,
        with_appointments: args.with_appointments,
        dry_run: args.dry_run,
        summary: args.summary.clone(),
        state: match sandbox_state(args.sandbox, args.state.as_ref(), &settings) {
            Some(path) => StateChoice::File(path),
            None => StateChoice::Default,
        },
        overlap: args.overlap,
        source,
        concurrency: settings.concurrency.value,
        progress: ctx.log.human_output(),
        label: None,
        slot: None,
    })
}

/// `30s`, `10m`, `2h`, or a number of seconds.
fn parse_overlap(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text}: a duration such as 30s, 10m or 2h"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("{text}: a duration such as 30s, 10m or 2h")),
    };
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlaps() {
        assert_eq!(parse_overlap("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_overlap("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_overlap("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_overlap("0"), Ok(Duration::ZERO));
        assert!(parse_overlap("10 minutes").is_err());
        assert!(parse_overlap("m").is_err());
    }
}
