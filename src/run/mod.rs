//! What every command shares.

pub mod dispatch;
