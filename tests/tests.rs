//! The one integration test binary of ghl-bulk (`autotests = false` in Cargo.toml): every
//! file below is a module of it, so the crate is linked once instead of once per file. The
//! shared harness is `util/`: a sandbox guard on 127.0.0.1 port 0, work folders, and the one
//! builder of `ghl-bulk` commands. Tests run on threads of this one process, so none of them
//! may change process-wide state (environment, current folder, signals to itself).

mod util;

mod api_client;
mod api_hostile;
mod api_hostile_memory;
mod auth_agency;
mod auth_login;
mod cli_completions;
mod cli_config;
mod cli_logging;
// First among the long tests on purpose: libtest starts tests in name order, and walking the
// README (over a minute, mostly waiting on rate limits) set the suite's end when it started last.
mod cli_readme;
mod cli_runs;
mod cli_wording;
mod delete_file;
mod delivery_batching;
mod delivery_engine;
mod delivery_in_doubt;
mod delivery_modes;
mod export_full;
mod export_incremental;
mod export_locations;
mod export_related;
mod import_delta;
mod import_estimate;
mod import_exits;
mod import_faults;
mod import_followups;
mod import_identities;
mod import_kill_resume;
mod import_location_column;
mod import_locations;
mod import_secrets;
mod import_view;
mod ledger_size;
mod mapping_cli;
mod mapping_init;
mod mapping_parser;
mod phone_reference;
mod pipeline_samples;
mod plan_command;
mod report_files;
mod report_html;
mod run_lifecycle;
mod sandbox_cli;
mod source_csv;
mod source_hostile;
mod source_rows;
mod source_samples;
mod source_workbook;
mod undo_import;
mod undo_kill_resume;
mod warnings_readable;
