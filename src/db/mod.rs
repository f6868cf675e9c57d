//! Database access: one connection type for both backends, a pool, transactions with
//! retry, and embedded migrations.

mod classify;
mod connection;
mod migrate;
mod pg_url;
mod pool;
mod settings;
mod transaction;

pub use classify::{DbError, Transient};
pub use connection::{Backend, DbConn};
pub use migrate::run_migrations;
pub use pool::Database;
pub use settings::DbSettings;
pub use transaction::{Finish, TxMode};

/// Runs `$body` with `$c` bound to the concrete connection inside a [`DbConn`].
///
/// The body is compiled once per backend, so any Diesel query that both backends
/// support (including `ON CONFLICT` and `RETURNING`) can be written once.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}
