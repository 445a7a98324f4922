//! The `validate` command (and `import --dry-run` without a target): the staging pipeline
//! (`pipeline`, the very code an import stages with) run on its own, its summary printed, and
//! its end for the exit code: every row valid, some rejected, or interrupted.

use crate::pipeline::{self, PipelineError, Summary, ValidateConfig};
use crate::run::end::RunEnd;

/// Stages the file into its run folder, prints the summary (when asked) and says how the run
/// ended.
pub fn run(config: &ValidateConfig) -> Result<RunEnd, PipelineError> {
    let summary = match pipeline::run(config) {
        Err(PipelineError::Interrupted) => {
            eprintln!("Interrupted while the file was read and checked: the run folder says so.");
            return Ok(RunEnd::Interrupted);
        }
        other => other?,
    };
    if config.print_summary {
        eprint!("{}", summary.human());
    }
    Ok(end(&summary))
}

/// The end the staged outcomes stand for.
fn end(summary: &Summary) -> RunEnd {
    match summary.exit_code {
        0 => RunEnd::Ok,
        3 => RunEnd::Rejects,
        _ => RunEnd::Fatal,
    }
}
