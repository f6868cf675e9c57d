//! Transactions with the isolation the protocol needs, and the one retry policy.
//!
//! **Retry policy** (every flow: push, pull, GC). A transaction whose body, BEGIN or
//! COMMIT fails with a transient error (see [`super::Transient`]: serialization
//! failures, deadlocks, a busy SQLite file, resource shortages, lost connections) is
//! rolled back and run again from its start on a fresh checkout, up to
//! `transaction_attempts` times, with capped exponential backoff and jitter; after the
//! last attempt the error is returned (the HTTP edge answers 503, nothing applied).
//! Nothing else is retried anywhere. A flow may *redo* a transaction with other inputs
//! after a permanent failure (the push's error mode); that is a protocol rule, not a
//! retry, and is documented with the flow.

use super::classify::{DbError, Transient};
use super::connection::{Backend, DbConn};
use super::pool::{Database, PooledConn};
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use std::sync::PoisonError;
use std::time::Duration;

/// The two kinds of transaction the services run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    /// Holds the global write lock from its first statement: PostgreSQL
    /// `SERIALIZABLE` plus `LOCK TABLE replicache_server IN EXCLUSIVE MODE` taken before
    /// the snapshot exists (writers queue instead of failing), SQLite `BEGIN IMMEDIATE`.
    Write,
    /// A consistent read-only snapshot: PostgreSQL `SERIALIZABLE READ ONLY`, SQLite
    /// deferred `BEGIN` (WAL readers see one snapshot and never block the writer).
    Read,
}

impl TxMode {
    fn begin_sql(self, conn: &DbConn) -> &'static str {
        match (self, conn) {
            (TxMode::Write, DbConn::Pg(_)) => {
                "BEGIN ISOLATION LEVEL SERIALIZABLE; LOCK TABLE replicache_server IN EXCLUSIVE MODE"
            }
            (TxMode::Read, DbConn::Pg(_)) => "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY",
            (TxMode::Write, DbConn::Sqlite(_)) => "BEGIN IMMEDIATE",
            (TxMode::Read, DbConn::Sqlite(_)) => "BEGIN",
        }
    }
}

/// How a transaction whose body succeeded ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// Keep its writes.
    Commit,
    /// Discard them (the body found nothing worth committing).
    Rollback,
}

impl Database {
    /// Runs `f` inside one transaction of kind `mode` and commits it.
    ///
    /// When `f`, BEGIN or COMMIT fails with a transient error the whole transaction is
    /// rolled back and run again on a fresh checkout, up to the configured number of
    /// attempts with capped exponential backoff. `f` must therefore be safe to rerun:
    /// everything it changed was rolled back. A checkout that times out is not retried:
    /// the pool already waited `pool_timeout_secs` for a connection.
    pub fn transaction<T, E>(
        &self,
        mode: TxMode,
        mut f: impl FnMut(&mut DbConn) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<DbError> + Transient,
    {
        self.transaction_with_finish(mode, |conn| f(conn).map(|value| (value, Finish::Commit)))
    }

    /// Like [`Database::transaction`], but the body also says whether to commit.
    pub fn transaction_with_finish<T, E>(
        &self,
        mode: TxMode,
        mut f: impl FnMut(&mut DbConn) -> Result<(T, Finish), E>,
    ) -> Result<T, E>
    where
        E: From<DbError> + Transient,
    {
        let mut attempt = 1;
        loop {
            // Queue before taking a connection, so waiting writers do not drain the pool.
            let writer = (mode == TxMode::Write && self.backend() == Backend::Sqlite).then(|| {
                self.sqlite_writer
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
            });
            let mut pooled = self.get()?;
            let result = attempt_on(&mut pooled, mode, &mut f);
            // Back in the pool (or discarded when broken) before any backoff.
            drop(pooled);
            drop(writer);
            match result {
                Err(e) if e.is_transient() && attempt < self.attempts => {
                    self.retries.inc();
                    std::thread::sleep(backoff(attempt));
                    attempt += 1;
                }
                result => return result,
            }
        }
    }
}

/// One attempt on a checked-out connection, which is marked broken when the error says so.
fn attempt_on<T, E>(
    pooled: &mut PooledConn,
    mode: TxMode,
    f: &mut impl FnMut(&mut DbConn) -> Result<(T, Finish), E>,
) -> Result<T, E>
where
    E: From<DbError> + Transient,
{
    let result = run_in_transaction(pooled, mode, f);
    if let Err(e) = &result {
        if e.breaks_connection() {
            pooled.broken = true;
        }
    }
    result
}

fn run_in_transaction<T, E>(
    pooled: &mut PooledConn,
    mode: TxMode,
    f: &mut impl FnMut(&mut DbConn) -> Result<(T, Finish), E>,
) -> Result<T, E>
where
    E: From<DbError>,
{
    let sql = mode.begin_sql(&pooled.conn);
    let begun = crate::with_conn!(&mut pooled.conn, c => AnsiTransactionManager::begin_transaction_sql(c, sql));
    if let Err(e) = begun {
        // A multi-statement BEGIN may have opened a transaction on the server that
        // Diesel does not know about: never reuse this connection.
        pooled.broken = true;
        return Err(DbError::from(e).into());
    }
    match f(&mut pooled.conn) {
        Ok((value, Finish::Commit)) => {
            let committed = crate::with_conn!(&mut pooled.conn, c => AnsiTransactionManager::commit_transaction(c));
            committed.map_err(|e| E::from(DbError::from(e)))?;
            Ok(value)
        }
        Ok((value, Finish::Rollback)) => {
            rollback(pooled);
            Ok(value)
        }
        Err(error) => {
            rollback(pooled);
            Err(error)
        }
    }
}

/// Rolls back; a connection that cannot roll back is never reused.
fn rollback(pooled: &mut PooledConn) {
    let rolled_back =
        crate::with_conn!(&mut pooled.conn, c => AnsiTransactionManager::rollback_transaction(c));
    if rolled_back.is_err() {
        pooled.broken = true;
    }
}

/// 5 ms doubling per attempt, capped at 320 ms, with up to 50 % jitter so that
/// writers that failed together do not retry together.
fn backoff(attempt: u32) -> Duration {
    let base = 5u64 << attempt.min(6);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    Duration::from_millis(base + nanos % (base / 2 + 1))
}
