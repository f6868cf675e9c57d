//! The connection pool: r2d2 over [`DbConn`], with per-backend session settings.

use super::classify::DbError;
use super::connection::{Backend, DbConn};
use super::settings::DbSettings;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use prometheus::IntCounter;
use std::sync::Mutex;
use std::time::Duration;

/// A pooled connection plus a flag set when an error showed the connection is dead.
pub struct PooledConn {
    /// The connection itself.
    pub conn: DbConn,
    /// Set when the connection must be discarded instead of returned to the pool.
    pub broken: bool,
}

/// Opens connections for the pool and checks them when they come back.
pub struct Manager {
    url: String,
    backend: Backend,
    statement_timeout_ms: u64,
    busy_timeout_ms: u64,
}

impl Manager {
    fn open(&self) -> Result<DbConn, DbError> {
        let connect_err = |e: diesel::ConnectionError| DbError::Connect(e.to_string());
        match self.backend {
            Backend::Postgres => {
                let url = super::pg_url::without_loopback_tls(&self.url);
                let mut conn = PgConnection::establish(&url).map_err(connect_err)?;
                if self.statement_timeout_ms > 0 {
                    let sql = format!("SET statement_timeout = {}", self.statement_timeout_ms);
                    conn.batch_execute(&sql)?;
                }
                Ok(DbConn::Pg(conn))
            }
            Backend::Sqlite => {
                let path = sqlite_path(&self.url);
                let mut conn = SqliteConnection::establish(path).map_err(connect_err)?;
                let pragmas = format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                    self.busy_timeout_ms
                );
                conn.batch_execute(&pragmas)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// Accepts both a bare path and a `sqlite://` URL.
fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").unwrap_or(url)
}

impl ManageConnection for Manager {
    type Connection = PooledConn;
    type Error = DbError;

    fn connect(&self) -> Result<PooledConn, DbError> {
        Ok(PooledConn {
            conn: self.open()?,
            broken: false,
        })
    }

    fn is_valid(&self, conn: &mut PooledConn) -> Result<(), DbError> {
        crate::with_conn!(&mut conn.conn, c => c.batch_execute("SELECT 1")).map_err(DbError::from)
    }

    fn has_broken(&self, conn: &mut PooledConn) -> bool {
        conn.broken || crate::with_conn!(&mut conn.conn, c => c.is_broken())
    }
}

/// The longest a health check waits for a pooled connection. While the database is
/// unreachable a checkout waits the whole `pool_timeout_secs` (10 s by default), longer
/// than health probes wait for an answer; the 503 must come first.
pub const PING_CHECKOUT_TIMEOUT: Duration = Duration::from_secs(1);

/// The application's handle on its database: a pool plus retry settings.
pub struct Database {
    pool: r2d2::Pool<Manager>,
    backend: Backend,
    pub(super) attempts: u32,
    pub(super) retries: IntCounter,
    /// SQLite only: writers of this process queue here before `BEGIN IMMEDIATE`, so the
    /// lock passes straight to the next writer instead of through SQLite's sleeping
    /// busy handler (which waits whole milliseconds). Other processes still contend
    /// through `busy_timeout`.
    pub(super) sqlite_writer: Mutex<()>,
}

impl Database {
    /// Builds a pool for `settings.database_url`, opening one connection to prove it works.
    pub fn connect(settings: &DbSettings) -> Result<Database, DbError> {
        let backend = Backend::from_url(&settings.database_url).map_err(DbError::Connect)?;
        let manager = Manager {
            url: settings.database_url.clone(),
            backend,
            statement_timeout_ms: settings.statement_timeout_ms,
            busy_timeout_ms: settings.sqlite_busy_timeout_ms,
        };
        // Fail fast with the real reason instead of r2d2's generic timeout.
        manager.connect()?;
        let pool = r2d2::Pool::builder()
            .max_size(settings.pool_size.max(1))
            // No background top-ups: r2d2 opens connections on its worker threads, and a
            // libpq/OpenSSL connect still running there when the process exits (e.g. after
            // a refused start) crashes it with SIGSEGV in the exit handlers. Connections
            // are opened on demand and kept until idle for 10 minutes.
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(settings.pool_timeout_secs.max(1)))
            .test_on_check_out(false)
            .build_unchecked(manager);
        let retries = IntCounter::new(
            "replichat_transaction_retries_total",
            "Transactions rerun after a transient failure.",
        )
        .map_err(|e| DbError::Connect(format!("retry counter: {e}")))?;
        Ok(Database {
            pool,
            backend,
            attempts: settings.transaction_attempts.max(1),
            retries,
            sqlite_writer: Mutex::new(()),
        })
    }

    /// The counter of transactions rerun after a transient failure.
    pub fn retry_counter(&self) -> IntCounter {
        self.retries.clone()
    }

    /// The backend this database runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks a connection out of the pool.
    pub fn get(&self) -> Result<r2d2::PooledConnection<Manager>, DbError> {
        self.pool.get().map_err(|e| DbError::Pool(e.to_string()))
    }

    /// Connections currently open and idle, for metrics.
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }

    /// Runs `SELECT 1` on a pooled connection. A connection found dead (after a database
    /// restart every idle one is) is discarded and the next one tried, so the answer is
    /// about the database, not about stale connections in the pool. Waits at most
    /// [`PING_CHECKOUT_TIMEOUT`] for a connection.
    pub fn ping(&self) -> Result<(), DbError> {
        let timeout = self.pool.connection_timeout().min(PING_CHECKOUT_TIMEOUT);
        let mut tries = self.pool.max_size() + 1;
        loop {
            let checkout = self.pool.get_timeout(timeout);
            let mut pooled = checkout.map_err(|e| DbError::Pool(e.to_string()))?;
            let result = crate::with_conn!(&mut pooled.conn, c => c.batch_execute("SELECT 1"));
            if let Err(e) = &result {
                pooled.broken = super::classify::is_connection_loss(e);
            }
            match result {
                Err(_) if pooled.broken && tries > 1 => tries -= 1,
                result => return result.map_err(DbError::from),
            }
        }
    }
}
