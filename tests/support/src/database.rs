//! Databases for tests: a fresh one per test, and direct SQL access to it (for set-up
//! the HTTP API cannot do, such as fault-injection triggers or a foreign group owner).

use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use std::sync::atomic::{AtomicU32, Ordering};

/// Environment variable holding a PostgreSQL admin URL for the PostgreSQL variants.
pub const PG_ENV: &str = "REPLICHAT_TEST_PG";

/// Which database a test app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// A database created for one test, removed on drop.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh database of kind `db`, for the test named `test`; returns it and its URL.
    pub fn new(db: Db, test: &str) -> (TestDb, String) {
        match db {
            Db::Sqlite => Self::sqlite(),
            Db::Postgres => Self::postgres(test),
        }
    }

    /// A fresh SQLite file in a new temporary directory.
    pub fn sqlite() -> (TestDb, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir
            .path()
            .join("replichat.db")
            .to_string_lossy()
            .into_owned();
        (TestDb::Sqlite(dir), path)
    }

    /// A fresh PostgreSQL database under the admin URL in [`PG_ENV`], for `test`.
    /// Panics when the variable is unset or the server cannot be reached: a test that
    /// asked for PostgreSQL never passes without it (builds without the variable report
    /// the PostgreSQL variants as ignored instead of running them).
    pub fn postgres(test: &str) -> (TestDb, String) {
        let admin_url = std::env::var(PG_ENV)
            .unwrap_or_else(|_| panic!("{test} needs {PG_ENV}: a PostgreSQL admin URL"));
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "replichat_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        let mut admin = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("{PG_ENV}={admin_url} is unreachable: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let url = database_url(&admin_url, &name);
        (TestDb::Postgres { admin_url, name }, url)
    }
}

/// `admin_url` with its database name replaced by `name`.
pub fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].rfind('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// A connection of the test's own, beside the app's pool.
pub enum DirectConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

impl DirectConn {
    /// Opens a connection to the test database at `url` (as the app would read it).
    pub fn open(db: Db, url: &str) -> DirectConn {
        match db {
            Db::Postgres => DirectConn::Pg(PgConnection::establish(url).expect("connect to pg")),
            Db::Sqlite => {
                let mut conn = SqliteConnection::establish(url).expect("open sqlite file");
                conn.batch_execute("PRAGMA busy_timeout = 5000")
                    .expect("set busy timeout");
                DirectConn::Sqlite(conn)
            }
        }
    }

    /// Runs one or more statements; panics on failure.
    pub fn execute(&mut self, sql: &str) {
        let result = match self {
            DirectConn::Pg(c) => c.batch_execute(sql),
            DirectConn::Sqlite(c) => c.batch_execute(sql),
        };
        result.unwrap_or_else(|e| panic!("test SQL failed: {e}\n{sql}"));
    }

    /// Runs `postgres` or `sqlite`, whichever matches this connection's database.
    pub fn execute_either(&mut self, postgres: &str, sqlite: &str) {
        let sql = match self {
            DirectConn::Pg(_) => postgres,
            DirectConn::Sqlite(_) => sqlite,
        };
        self.execute(sql);
    }

    /// Runs a query returning one row with one BIGINT column named `n`.
    pub fn number(&mut self, sql: &str) -> i64 {
        let query = diesel::sql_query(sql);
        let row: Number = match self {
            DirectConn::Pg(c) => query.get_result(c),
            DirectConn::Sqlite(c) => query.get_result(c),
        }
        .unwrap_or_else(|e| panic!("test query failed: {e}\n{sql}"));
        row.n
    }
}

const PG_WRITE_AUDIT: &str = "
    CREATE TABLE test_writes (id BIGSERIAL PRIMARY KEY, message_id TEXT NOT NULL);
    CREATE FUNCTION test_audit_write() RETURNS trigger AS $$ BEGIN
        INSERT INTO test_writes (message_id) VALUES (NEW.id); RETURN NULL;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER test_audit_write AFTER INSERT OR UPDATE ON message
        FOR EACH ROW EXECUTE FUNCTION test_audit_write();";

const SQLITE_WRITE_AUDIT: &str = "
    CREATE TABLE test_writes (id INTEGER PRIMARY KEY, message_id TEXT NOT NULL);
    CREATE TRIGGER test_audit_insert AFTER INSERT ON message
        BEGIN INSERT INTO test_writes (message_id) VALUES (NEW.id); END;
    CREATE TRIGGER test_audit_update AFTER UPDATE ON message
        BEGIN INSERT INTO test_writes (message_id) VALUES (NEW.id); END;";

impl DirectConn {
    /// Records every committed row write to `message` (insert or update) in
    /// `test_writes`. Writes of rolled-back transactions vanish with them, so the count
    /// is the number of mutator effects that really happened: a mutation applied twice
    /// shows up even when its second run leaves the same data behind.
    pub fn install_write_audit(&mut self) {
        let sql = match self {
            DirectConn::Pg(_) => PG_WRITE_AUDIT,
            DirectConn::Sqlite(_) => SQLITE_WRITE_AUDIT,
        };
        self.execute(sql);
    }

    /// Number of committed row writes to `message` since [`Self::install_write_audit`].
    pub fn audited_writes(&mut self) -> i64 {
        self.number("SELECT count(*) AS n FROM test_writes")
    }

    /// Inserts a client group owned by `user` (with authentication off every caller is
    /// the anonymous user `""`, so this is the only way to get a foreign group).
    pub fn insert_foreign_group(&mut self, group: &str, user: &str) {
        self.execute(&format!(
            "INSERT INTO replicache_client_group (id, user_id, last_seen) \
             VALUES ('{group}', '{user}', CURRENT_TIMESTAMP)"
        ));
    }
}
