//! Report files (placeholder until the writers land).
