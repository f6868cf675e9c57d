//! The connection enum shared by both backends.

use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;

/// Which database engine a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL: the production and scale-out backend.
    Postgres,
    /// SQLite: the embedded single-process default.
    Sqlite,
}

impl Backend {
    /// `postgres://` and `postgresql://` URLs select PostgreSQL; anything else is a SQLite path.
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// A live connection to either backend. Repository functions take `&mut DbConn`
/// and use [`crate::with_conn!`] to reach the concrete connection.
pub enum DbConn {
    /// A PostgreSQL connection.
    Pg(PgConnection),
    /// A SQLite connection.
    Sqlite(SqliteConnection),
}

impl DbConn {
    /// The backend of this connection.
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Pg(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}
