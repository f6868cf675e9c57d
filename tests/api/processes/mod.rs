//! Multi-process and fault tests (checklist item 39 of docs/protocol.md, and the
//! scale-out and reliability requirements in README.md "Running several processes"):
//! the built server binary in several processes on one database, killed with SIGKILL,
//! stopped with SIGTERM, cut off from its database. Tests that only make sense on
//! PostgreSQL use `on_postgres!`.

mod cli;
mod crash;
mod faults;
mod logs;
mod pokes;
mod probes;
mod scale_out;
mod shutdown;
mod startup;

use crate::support::process::ServerProcess;
use replichat::config::AppConfig;
use replichat::poke::LISTENER_APPLICATION_NAME;
use replichat_test_support::config::test_config;
use replichat_test_support::database::{Db, DirectConn, TestDb};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A database that server processes share, removed when the test ends.
pub struct ProcDb {
    pub db: Db,
    pub url: String,
    database: TestDb,
    /// When sessions were last terminated (µs since the epoch, PostgreSQL's clock):
    /// listeners connected before that are gone or going.
    terminated_at: Mutex<i64>,
}

impl ProcDb {
    /// A fresh database of kind `db` for the test `test`.
    pub fn new(db: Db, test: &str) -> ProcDb {
        let (database, url) = TestDb::new(db, test);
        ProcDb {
            db,
            url,
            database,
            terminated_at: Mutex::new(0),
        }
    }

    /// A fresh PostgreSQL database (the test must be an `on_postgres!` one).
    pub fn postgres(test: &str) -> ProcDb {
        Self::new(Db::Postgres, test)
    }

    /// Migrates the database from the test process, as a first server would.
    pub fn migrate(&self) {
        let config: AppConfig = test_config(&self.url);
        let db = replichat::db::Database::connect(&config.database).expect("connect to migrate");
        replichat::db::run_migrations(&db).expect("migrate");
    }

    /// A connection of the test's own to this database.
    pub fn direct(&self) -> DirectConn {
        DirectConn::open(self.db, &self.url)
    }

    /// A connection to the PostgreSQL admin database (outside this one).
    pub fn admin(&self) -> DirectConn {
        match &self.database {
            TestDb::Postgres { admin_url, .. } => DirectConn::open(Db::Postgres, admin_url),
            TestDb::Sqlite(_) => panic!("SQLite has no admin database"),
        }
    }

    /// The PostgreSQL database name.
    pub fn name(&self) -> &str {
        match &self.database {
            TestDb::Postgres { name, .. } => name,
            TestDb::Sqlite(_) => panic!("a SQLite database has no name"),
        }
    }

    /// `pg_terminate_backend` on every session of this database (the servers' pools and
    /// LISTEN connections); returns how many there were.
    pub fn terminate_sessions(&self) -> i64 {
        let mut admin = self.admin();
        let now = "SELECT (extract(epoch FROM clock_timestamp()) * 1e6)::bigint AS n";
        *self.terminated_at.lock().unwrap() = admin.number(now);
        admin.number(&format!(
            "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
             WHERE datname = '{}' AND pid <> pg_backend_pid()",
            self.name()
        ))
    }

    /// Waits up to `within` until `n` poke listeners hold a LISTEN session on this
    /// database (opened after the last [`Self::terminate_sessions`]), plus the moment
    /// each takes to poke its streams once after connecting.
    pub fn wait_for_listeners(&self, n: i64, within: Duration) {
        let mut admin = self.admin();
        let sql = format!(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = '{}' AND application_name = '{LISTENER_APPLICATION_NAME}' \
             AND extract(epoch FROM backend_start) * 1e6 > {}",
            self.name(),
            *self.terminated_at.lock().unwrap()
        );
        let deadline = Instant::now() + within;
        while admin.number(&sql) != n {
            let late = Instant::now() > deadline;
            assert!(!late, "{n} poke listeners not connected within {within:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Holds the global write lock from another connection (PostgreSQL: the version table
/// in EXCLUSIVE mode; SQLite: `BEGIN EXCLUSIVE`, which in WAL mode blocks writers
/// only) until [`release`] is called.
pub fn hold_write_lock(database: &ProcDb) -> DirectConn {
    let mut conn = database.direct();
    match database.db {
        Db::Postgres => conn.execute("BEGIN; LOCK TABLE replicache_server IN EXCLUSIVE MODE"),
        Db::Sqlite => conn.execute("BEGIN EXCLUSIVE"),
    }
    conn
}

/// Ends the transaction [`hold_write_lock`] opened.
pub fn release(mut lock: DirectConn) {
    lock.execute("ROLLBACK");
}

/// Waits until `server` has a database connection checked out (a request is in
/// flight and holds it), judged by its pool gauges.
pub fn wait_in_flight(server: &ServerProcess) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let open = server.http.metric("replichat_db_pool_connections");
        let idle = server.http.metric("replichat_db_pool_idle_connections");
        if open > idle {
            return;
        }
        assert!(Instant::now() < deadline, "no request got in flight");
        std::thread::sleep(Duration::from_millis(10));
    }
}
