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
    /// The backend a database URL selects: `postgres://` and `postgresql://` URLs
    /// PostgreSQL; a file path (or a `file:` URI) SQLite. Any other `scheme://` is an
    /// error naming the supported ones, so that `postgress://` or `mysql://` is not
    /// taken for a SQLite file name.
    pub fn from_url(url: &str) -> Result<Backend, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres);
        }
        match url.split_once("://") {
            Some((scheme, _)) if !scheme.is_empty() && scheme.chars().all(is_scheme_char) => {
                Err(format!(
                    "database_url: unsupported scheme {scheme:?}; use postgres:// (or \
                     postgresql://) for PostgreSQL, or a file path for SQLite"
                ))
            }
            _ if url.is_empty() => Err("database_url is empty".into()),
            _ => Ok(Backend::Sqlite),
        }
    }
}

/// A character of a URL scheme (RFC 3986 §3.1).
fn is_scheme_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_a_backend_or_name_the_supported_schemes() {
        for url in ["postgres://u@h/db", "postgresql://h/db"] {
            assert_eq!(Backend::from_url(url), Ok(Backend::Postgres));
        }
        for path in [
            "replichat.db",
            "/var/lib/replichat/chat.db",
            "file:chat.db?mode=rwc",
        ] {
            assert_eq!(Backend::from_url(path), Ok(Backend::Sqlite));
        }
        for url in ["postgress://h/db", "mysql://h/db", "sqlite://chat.db", ""] {
            let error = Backend::from_url(url).err().unwrap_or_default();
            assert!(error.starts_with("database_url"), "{url}: {error}");
        }
    }
}
