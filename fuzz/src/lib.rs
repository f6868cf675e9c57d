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
//! - [`view`] and [`testdb`]: the integration suite's client model and scratch
//!   databases (`tests/api/support/{view,db}.rs`), compiled in here rather than copied.

pub mod app;
pub mod checks;
pub mod json;
pub mod session;

// Helpers of the integration suite, shared with it file for file.
#[allow(dead_code)]
#[path = "../../tests/api/support/db.rs"]
pub mod testdb;
#[allow(dead_code)]
#[path = "../../tests/api/support/view.rs"]
pub mod view;
