//! Database errors and which of them are worth retrying.

use diesel::result::{DatabaseErrorKind, Error as QueryError};
use std::fmt;

/// A failure while talking to the database.
#[derive(Debug)]
pub enum DbError {
    /// A statement (or BEGIN/COMMIT) failed.
    Query(QueryError),
    /// A new connection could not be opened.
    Connect(String),
    /// No pooled connection became free in time, or the pool could not reach the database.
    Pool(String),
    /// Migrations could not be applied, or the database is newer than this build.
    Migration(String),
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Query(e) => write!(f, "database error: {e}"),
            DbError::Connect(e) => write!(f, "cannot connect to the database: {e}"),
            DbError::Pool(e) => write!(f, "no database connection available: {e}"),
            DbError::Migration(e) => write!(f, "migration failed: {e}"),
        }
    }
}

impl std::error::Error for DbError {}

impl From<QueryError> for DbError {
    fn from(e: QueryError) -> Self {
        DbError::Query(e)
    }
}

/// Errors that a transaction runner may retry.
pub trait Transient {
    /// True when running the whole transaction again may succeed (serialization
    /// failure, deadlock, busy SQLite file, lost connection).
    fn is_transient(&self) -> bool;
    /// True when the connection that produced this error must not be reused.
    fn breaks_connection(&self) -> bool;
}

impl Transient for DbError {
    fn is_transient(&self) -> bool {
        match self {
            DbError::Query(e) => is_transient_query_error(e),
            DbError::Connect(_) | DbError::Pool(_) => true,
            DbError::Migration(_) => false,
        }
    }

    fn breaks_connection(&self) -> bool {
        match self {
            DbError::Query(e) => is_connection_loss(e),
            DbError::Connect(_) | DbError::Pool(_) | DbError::Migration(_) => false,
        }
    }
}

/// Message fragments of errors that mean the connection is gone or the server is
/// restarting (PostgreSQL 57P01/57P03, libpq transport errors).
const CONNECTION_LOSS: &[&str] = &[
    "terminating connection",
    "server closed the connection",
    "no connection to the server",
    "connection to server",
    "could not receive data from server",
    "could not send data to server",
    "SSL connection has been closed",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
];

/// Message fragments of errors that a rerun of the same transaction can cure.
const RETRYABLE: &[&str] = &[
    "deadlock detected",
    "could not serialize access",
    "database is locked",
    "database table is locked",
    "database schema has changed",
];

/// True when the statement failed because the connection is unusable.
pub fn is_connection_loss(e: &QueryError) -> bool {
    match e {
        QueryError::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
        | QueryError::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _)
        | QueryError::BrokenTransactionManager => true,
        QueryError::DatabaseError(_, info) => {
            CONNECTION_LOSS.iter().any(|m| info.message().contains(m))
        }
        _ => false,
    }
}

/// Message fragments of errors that say the database is short of a resource (time,
/// locks, disk, memory, connections) rather than that the transaction's data is wrong:
/// PostgreSQL 57014, 55P03, 53100, 53200, 53300 and SQLite's FULL, NOMEM, IOERR,
/// CANTOPEN, INTERRUPT. A mutation that meets one must not be put in error mode (that
/// would drop it for good): the transaction is retried and, if the shortage lasts, the
/// request answered 503 so that the client pushes again later.
const RESOURCE_SHORTAGE: &[&str] = &[
    "canceling statement due to",
    "could not obtain lock",
    "could not extend file",
    "No space left on device",
    "out of memory",
    "too many clients",
    "too many connections",
    "remaining connection slots are reserved",
    "database or disk is full",
    "disk I/O error",
    "unable to open database file",
    "interrupted",
];

/// True for serialization failures, deadlocks, busy SQLite files, resource shortages
/// and lost connections.
pub fn is_transient_query_error(e: &QueryError) -> bool {
    match e {
        QueryError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        QueryError::DatabaseError(_, info) => {
            let message = info.message();
            RETRYABLE
                .iter()
                .chain(RESOURCE_SHORTAGE)
                .any(|m| message.contains(m))
                || is_connection_loss(e)
        }
        _ => is_connection_loss(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::DatabaseErrorInformation;

    struct Info(&'static str);

    impl DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn error(kind: DatabaseErrorKind, message: &'static str) -> QueryError {
        QueryError::DatabaseError(kind, Box::new(Info(message)))
    }

    #[test]
    fn shortages_and_conflicts_are_retried_data_errors_are_not() {
        for message in [
            "canceling statement due to statement timeout",
            "canceling statement due to lock timeout",
            "could not extend file \"base/16384/16390\": No space left on device",
            "out of memory",
            "sorry, too many clients already",
            "database or disk is full",
            "disk I/O error",
            "database is locked",
            "could not serialize access due to concurrent update",
            "terminating connection due to administrator command",
        ] {
            assert!(
                is_transient_query_error(&error(DatabaseErrorKind::Unknown, message)),
                "{message}"
            );
        }
        for (kind, message) in [
            (
                DatabaseErrorKind::UniqueViolation,
                "duplicate key value violates unique constraint \"message_pkey\"",
            ),
            (
                DatabaseErrorKind::Unknown,
                "invalid byte sequence for encoding \"UTF8\": 0x00",
            ),
            (
                DatabaseErrorKind::CheckViolation,
                "CHECK constraint failed: id = 1",
            ),
        ] {
            assert!(
                !is_transient_query_error(&error(kind, message)),
                "{message}"
            );
        }
        assert!(is_transient_query_error(&error(
            DatabaseErrorKind::SerializationFailure,
            "anything"
        )));
    }
}
