//! The `plan` command's flags (the preview before an import; not to be confused with
//! `plan.rs`, which turns flags into validated configurations), and running it.

use clap::Args;

use super::{plan, ApiArgs, Context, RunArgs};
use crate::run::end::RunEnd;

/// `plan` options: the file and mapping as for `validate`, the location as for `import`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The file, the mapping and the run folder, as for `validate`.
    #[command(flatten)]
    pub run: RunArgs,
    /// The API connection.
    #[command(flatten)]
    pub api: ApiArgs,
}

/// Runs `plan`.
pub fn run(ctx: &Context, args: &PlanArgs) -> anyhow::Result<RunEnd> {
    let settings = super::config::command_settings(ctx, &args.api, None, None, None)?;
    let human = ctx.log.human_output();
    let config = crate::plan::PlanConfig {
        validate: Box::new(plan::validate_config(&args.run, "plan", human)?),
        client: Box::new(plan::client_config(&settings)?),
        print: human,
    };
    Ok(crate::plan::run(config)?)
}
