//! Reading a delete file into a new run ledger, through the import's reader, mapping and
//! normalisation: a row names its contact by the mapping's `contact_id` column, or else by its
//! email and phone (normalised as on import, so `ANN@example.com ` and `(415) 555-0100` find
//! the contacts an import wrote). A row with neither, or with an invalid email or phone and no
//! id, is rejected here with the import's own codes.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::DeleteError;
use crate::contact::normalise;
use crate::ledger::{Ledger, Rejection, RowState, RunMeta, StagedRow};
use crate::mapping::{Headers, LoadedMapping, Mapping};
use crate::source::{self, SourceOptions};

/// What staging needs.
#[derive(Debug, Clone)]
pub struct NewDelete {
    /// The file.
    pub input: PathBuf,
    /// The loaded mapping.
    pub mapping: LoadedMapping,
    /// Reader options.
    pub source: SourceOptions,
    /// Overrides the mapping's `default_region`.
    pub region: Option<String>,
    /// The run folder (created; must not hold a ledger yet).
    pub run_dir: PathBuf,
    /// The options, recorded in the ledger.
    pub options_json: String,
}

/// Rows staged per transaction.
const CHUNK: usize = 4096;

/// Reads the file into `run_dir/ledger.db`; returns the ledger (durable), the compiled mapping
/// and the number of rows read.
pub fn stage(config: &NewDelete) -> Result<(Ledger, Mapping, u64), DeleteError> {
    let started_at = crate::run::clock::now_rfc3339();
    let source = source::open(&config.input, &config.source)?;
    let headers = source.headers().to_vec();
    let mut mapping = config.mapping.compile(&headers, config.region.as_deref())?;
    mapping.rules.today = Some(crate::run::clock::today());
    let id_column = id_column(&config.mapping, &headers)?;
    std::fs::create_dir_all(&config.run_dir).map_err(|e| write_err(&config.run_dir, e))?;
    crate::pipeline::failure::replace_unsent(&config.run_dir);
    let mut ledger = Ledger::create(&config.run_dir.join("ledger.db"))?;
    let (size, digest) =
        crate::pipeline::fingerprint(&config.input).map_err(|e| write_err(&config.input, e))?;
    ledger.write_run(
        &RunMeta {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            started_at,
            input_path: config.input.display().to_string(),
            input_size: size,
            input_blake3: digest,
            mapping_path: config.mapping.path.display().to_string(),
            mapping_blake3: config.mapping.hash.clone(),
            options_json: config.options_json.clone(),
            headers_json: serde_json::to_string(&headers).unwrap_or_default(),
        },
        None,
    )?;
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut read = 0u64;
    for raw in source {
        if crate::run::signals::requested() {
            return Err(crate::pipeline::PipelineError::Interrupted.into());
        }
        let raw = raw?;
        read += 1;
        chunk.push(stage_row(
            &mapping,
            id_column,
            raw.row,
            raw.cells,
            // A warning (`encoding_mixed`) does not stop a row naming a contact.
            raw.defect
                .filter(|d| d.blocking)
                .map(|d| (d.code, d.message)),
        ));
        if chunk.len() == CHUNK {
            ledger.stage(&chunk)?;
            chunk.clear();
        }
    }
    ledger.stage(&chunk)?;
    ledger.make_durable()?;
    Ok((ledger, mapping, read))
}

/// The column of `contact_id`, when the mapping names one.
fn id_column(mapping: &LoadedMapping, headers: &[String]) -> Result<Option<usize>, DeleteError> {
    let Some(spec) = &mapping.spec.contact_id else {
        return Ok(None);
    };
    let Some(column) = &spec.0.column else {
        return Err(DeleteError::Usage(format!(
            "{}: contact_id must name a column (contact_id = \"Contact Id\")",
            mapping.path.display()
        )));
    };
    Headers::new(headers)
        .find(column)
        .map(Some)
        .map_err(|m| DeleteError::Usage(format!("{}: contact_id: {m}", mapping.path.display())))
}

/// One row as staged: pending with `{"id"}` or `{"email", "phone"}`, or rejected.
pub fn stage_row(
    mapping: &Mapping,
    id_column: Option<usize>,
    row: u64,
    cells: Vec<String>,
    defect: Option<(&str, String)>,
) -> StagedRow {
    let cells_json = serde_json::to_string(&cells).unwrap_or_default();
    let reject = |code: &str, field: &str, message: String| {
        StagedRow::rejected(
            row,
            Rejection::new("read", code, field, message),
            None,
            cells_json.clone(),
        )
    };
    if let Some((code, message)) = defect {
        return reject(code, "row", message);
    }
    let id = id_column
        .and_then(|c| cells.get(c))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    if let Some(id) = id {
        return StagedRow {
            row,
            state: RowState::Pending,
            payload_json: Some(json!({ "id": id }).to_string()),
            email: None,
            phone: None,
            rejection: None,
            issues_json: None,
            cells_json,
        };
    }
    let normalised = normalise(mapping.apply(row, &cells), &mapping.rules);
    if let Some(issue) = normalised.rejection() {
        let mut rejected = reject(issue.code.as_str(), &issue.field, issue.message.clone());
        if let Some(r) = rejected.rejection.as_mut() {
            r.stage = "validate".into();
        }
        return rejected;
    }
    let (email, phone) = (normalised.contact.std.email, normalised.contact.std.phone);
    StagedRow {
        row,
        state: RowState::Pending,
        payload_json: Some(json!({ "email": email, "phone": phone }).to_string()),
        email,
        phone,
        rejection: None,
        issues_json: None,
        cells_json,
    }
}

fn write_err(path: &Path, e: impl std::fmt::Display) -> DeleteError {
    DeleteError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}
