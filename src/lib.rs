//! ghl-bulk: bulk import and export of HighLevel contacts. The binary is a thin shell over this
//! library; see `design.md` in the docs for the data flow.

pub mod api;
pub mod cli;
pub mod config;
pub mod contact;
pub mod dedupe;
pub mod delete;
pub mod delivery;
pub mod export;
pub mod import;
pub mod ledger;
pub mod mapping;
pub mod pipeline;
pub mod report;
pub mod run;
pub mod runs;
pub mod sandbox_seed;
pub mod source;
pub mod state;
pub mod stop;
pub mod undo;
