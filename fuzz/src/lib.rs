//! The harness shared by replichat's fuzz targets.
//!
//! - [`app`]: the application, built once per process over a scratch database and
//!   driven through Rocket's blocking local client, emptied before every input so
//!   that an input replays the same way in a fresh process.
//! - [`checks`]: what every answer must satisfy, whatever the request.
//! - [`json`]: JSON text generated from `arbitrary` data, including what `serde_json`
//!   never writes (out-of-range literals, lone surrogates, deep nesting).
//! - [`session`]: sequences of near-valid push and pull requests with honest clients
//!   among them.
//!
//! The client model, scratch databases and the typed configuration come from the
//! crate the integration suite uses too, `replichat-test-support` (`tests/support/`).

pub mod app;
pub mod checks;
pub mod json;
pub mod session;
