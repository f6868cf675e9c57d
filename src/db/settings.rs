//! The database's settings, with their defaults.

use serde::{Deserialize, Serialize};

/// Where the database is and how the pool and the transaction runner treat it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DbSettings {
    /// `postgres://` / `postgresql://` URL, or a SQLite file path.
    pub database_url: String,
    /// Maximum pooled database connections per process.
    pub pool_size: u32,
    /// Seconds a request waits for a pooled connection before answering 503.
    pub pool_timeout_secs: u64,
    /// PostgreSQL `statement_timeout` in milliseconds (0 disables it).
    pub statement_timeout_ms: u64,
    /// SQLite `busy_timeout` in milliseconds: how long a writer waits for the file lock.
    pub sqlite_busy_timeout_ms: u64,
    /// Attempts per transaction when the database reports a transient failure.
    pub transaction_attempts: u32,
}

impl Default for DbSettings {
    fn default() -> Self {
        DbSettings {
            database_url: "replichat.db".into(),
            pool_size: 16,
            pool_timeout_secs: 10,
            statement_timeout_ms: 30_000,
            sqlite_busy_timeout_ms: 5_000,
            transaction_attempts: 10,
        }
    }
}

impl DbSettings {
    /// The database URL with any password replaced by `***`, for logs.
    pub fn redacted_url(&self) -> String {
        let url = &self.database_url;
        match (url.find("://"), url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let credentials = &url[scheme + 3..at];
                match credentials.split_once(':') {
                    Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                    None => url.to_string(),
                }
            }
            _ => url.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_log() {
        let with = |url: &str| DbSettings {
            database_url: url.into(),
            ..DbSettings::default()
        };
        assert_eq!(
            with("postgres://u:secret@h/db").redacted_url(),
            "postgres://u:***@h/db"
        );
        assert_eq!(
            with("postgres://u@h/db").redacted_url(),
            "postgres://u@h/db"
        );
        assert_eq!(with("replichat.db").redacted_url(), "replichat.db");
    }
}
