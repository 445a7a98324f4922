//! `mapping init`: reads the file (finding its header row below any title rows), drafts the
//! mapping from its headers and first rows, writes it, and says on the console what the draft
//! left out. A file with no email or phone column gets no mapping but an error.

use std::io::Write as _;
use std::path::Path;

use anyhow::{anyhow, bail, Context as _};

use super::plan::check_region;
use super::InitArgs;
use crate::mapping::init::{self, Sample, MAX_HEADER_ROW, ROWS_TO_JUDGE};
use crate::source::{self, RawRow, SourceError, SourceOptions};

/// Rows read to see which columns hold data and how (quoted tag lists, combined addresses).
const SAMPLE_ROWS: usize = 2_000;

/// `mapping init`: reads the headers and writes the draft (`human`: say where on stderr).
pub(crate) fn mapping_init(args: &InitArgs, human: bool) -> anyhow::Result<()> {
    let region = args.region.clone().unwrap_or_else(|| "US".to_string());
    check_region(&region)?;
    let base = SourceOptions {
        sheet: args.sheet.clone(),
        ..SourceOptions::default()
    };
    let header_row = find_header_row(&args.file, &base)?;
    let options = SourceOptions { header_row, ..base };
    let source = source::open(&args.file, &options)?;
    let headers = source.headers().to_vec();
    let mut rows = Vec::new();
    for row in source.take(SAMPLE_ROWS) {
        rows.push(row?.cells);
    }
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sample = Sample {
        headers: &headers,
        rows: &rows,
        header_row,
    };
    let drafted = init::draft_from(&sample, &region.to_uppercase(), &name);
    if !drafted.has_identity {
        let shown: Vec<String> = headers.iter().map(|h| format!("\"{h}\"")).collect();
        bail!(
            "no email or phone column found in {} (header row {header_row}: {}); a mapping \
             without one would reject every row. Write it by hand (see \
             mappings/example.toml) with email = \"<column>\" or phone = \"<column>\"",
            args.file.display(),
            shown.join(", ")
        );
    }
    match &args.out {
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is a normal end, not an error.
            match out.write_all(drafted.text.as_bytes()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                other => other.context("cannot write to stdout")?,
            }
        }
        Some(path) => {
            write_new(path, &drafted.text, args.force)?;
            if human {
                eprintln!("Wrote {}.", path.display());
            }
        }
    }
    if human && !drafted.unmapped.is_empty() {
        let shown: Vec<String> = drafted
            .unmapped
            .iter()
            .map(|h| format!("\"{h}\""))
            .collect();
        eprintln!(
            "Not mapped, though they hold data: {} (listed at the end of the mapping; add \
             any you need).",
            shown.join(", ")
        );
    }
    Ok(())
}

/// The first row within the first `MAX_HEADER_ROW` that looks like the header over data rows;
/// row 1 when none does (a file with a header and no data, or no header at all).
fn find_header_row(path: &Path, base: &SourceOptions) -> anyhow::Result<usize> {
    for header_row in 1..=MAX_HEADER_ROW {
        let options = SourceOptions {
            header_row,
            ..base.clone()
        };
        let source = match source::open(path, &options) {
            Ok(source) => source,
            // A blank row, or past the end: not this one.
            Err(SourceError::NoHeader { .. }) if header_row > 1 => continue,
            Err(e) => return Err(e.into()),
        };
        let headers = source.headers().to_vec();
        let rows: Vec<RawRow> = source.take(ROWS_TO_JUDGE).collect::<Result<_, _>>()?;
        if init::looks_like_header(&headers, &rows) {
            return Ok(header_row);
        }
    }
    Ok(1)
}

/// Writes `text` to `path`, creating its folder; an existing file only with `force`.
fn write_new(path: &Path, text: &str, force: bool) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow!(
                "{} exists already: pass --force to overwrite it",
                path.display()
            )
        } else {
            anyhow!("cannot write {}: {e}", path.display())
        }
    })?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}
