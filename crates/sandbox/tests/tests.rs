//! The one integration test binary of the sandbox (`autotests = false` in its Cargo.toml):
//! every file below is a module of it, with the harness in `util/` (a sandbox on 127.0.0.1
//! port 0, a spec-checking client). Tests run on threads of this one process.

mod util;

mod agency;
mod code_grant;
mod conformance;
mod contacts;
mod faults;
mod locations;
mod matching;
mod persistence;
mod ratelimit;
mod related;
mod search;
