//! Test support shared by replichat's integration tests (`tests/api`) and its fuzz
//! targets (`fuzz/`):
//!
//! - [`database`]: a fresh database per test (a SQLite file, or a PostgreSQL database
//!   under the admin URL in `REPLICHAT_TEST_PG`, required when asked for), and a
//!   direct connection to it for set-up the HTTP API cannot do;
//! - [`config`]: the application's configuration for a test, edited as a typed
//!   [`replichat::config::AppConfig`], and the figment that builds the app from it;
//! - [`bodies`]: request bodies and expected patch operations, spelled as the protocol
//!   spells them;
//! - [`view`]: a model of the client: cookie order, acceptance rules, patch format.

pub mod bodies;
pub mod config;
pub mod database;
pub mod view;
