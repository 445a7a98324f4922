//! ghl-bulk: bulk import and export of HighLevel contacts. The binary is a thin shell over this
//! library; docs/ARCHITECTURE.md maps the folders and the path of one row.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod contact;
pub mod dedupe;
pub mod delete;
pub mod delivery;
pub mod export;
pub mod format;
pub mod import;
pub mod ledger;
pub mod locations;
pub mod mapping;
pub mod pipeline;
pub mod plan;
pub mod report;
pub mod run;
pub mod runs;
pub mod sandbox_seed;
pub mod source;
pub mod undo;
pub mod validate;
pub mod view;
