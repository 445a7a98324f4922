//! The `plan` command's flags (the preview before an import; not to be confused with
//! `plan.rs`, which turns flags into validated configurations), and running it.

use clap::Args;

use super::{plan, ApiArgs, Context, OnConflictArg, RunArgs};
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
    /// What carrying the plan out does with a row whose email and phone point at different
    /// contacts: `reject` (the default), `update` as HighLevel would, or `skip`. Recorded in
    /// the plan: `import --plan` keeps it.
    #[arg(long, value_enum)]
    pub on_conflict: Option<OnConflictArg>,
}

/// Runs `plan`.
pub fn run(ctx: &Context, args: &PlanArgs) -> anyhow::Result<RunEnd> {
    let settings = super::config::command_settings(ctx, &args.api, None, None, None)?;
    let human = ctx.log.human_output();
    let config = crate::plan::PlanConfig {
        validate: Box::new(plan::validate_config(&args.run, "plan", human)?),
        client: Box::new(super::client_config::client_config(&settings)?),
        print: human,
        on_conflict: plan::on_conflict(args.on_conflict),
    };
    Ok(crate::plan::run(config)?)
}
