//! `TestApp`: the application built over a fresh database for one test.
//!
//! `TestApp::sqlite()` uses a new temporary file; `TestApp::postgres()` creates a new
//! database under the admin URL in `REPLICHAT_TEST_PG` and drops it afterwards (and
//! returns `None`, printing why, when that variable is unset).

// A helper library: not every test module uses every helper.
#![allow(dead_code)]

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use rocket::figment::Figment;
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};

/// Environment variable holding a PostgreSQL admin URL for the Postgres variants.
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

    /// A fresh PostgreSQL database, or `None` when `REPLICHAT_TEST_PG` is unset.
    /// Panics when it is set but the server cannot be reached: CI must not skip silently.
    pub fn postgres(test: &str) -> Option<(TestDb, String)> {
        let Ok(admin_url) = std::env::var(PG_ENV) else {
            eprintln!("skipped {test} on PostgreSQL: {PG_ENV} is not set");
            return None;
        };
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
        Some((TestDb::Postgres { admin_url, name }, url))
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

/// The figment tests build the app from: `Rocket.toml`'s defaults, quiet logs, a small pool.
pub fn test_figment(database_url: &str) -> Figment {
    rocket::Config::figment()
        .merge(("database_url", database_url))
        .merge(("log_level", "off"))
        .merge(("cli_colors", false))
        .merge(("pool_size", 8))
}

/// The application over a fresh database, driven through Rocket's local client.
pub struct TestApp {
    pub client: Client,
    pub db: Db,
    pub database_url: String,
    // Declared last: dropped after the client has closed its pool.
    _database: TestDb,
}

impl TestApp {
    /// The app on a fresh SQLite file.
    pub async fn sqlite() -> TestApp {
        Self::sqlite_with(|f| f).await
    }

    /// The app on a fresh SQLite file with extra configuration.
    pub async fn sqlite_with(configure: impl FnOnce(Figment) -> Figment) -> TestApp {
        let (database, url) = TestDb::sqlite();
        Self::launch(Db::Sqlite, database, url, configure).await
    }

    /// The app on a fresh PostgreSQL database, or `None` (printed) when not configured.
    pub async fn postgres(test: &str) -> Option<TestApp> {
        Self::postgres_with(test, |f| f).await
    }

    /// The app on a fresh PostgreSQL database with extra configuration.
    pub async fn postgres_with(
        test: &str,
        configure: impl FnOnce(Figment) -> Figment,
    ) -> Option<TestApp> {
        let (database, url) = TestDb::postgres(test)?;
        Some(Self::launch(Db::Postgres, database, url, configure).await)
    }

    async fn launch(
        db: Db,
        database: TestDb,
        url: String,
        configure: impl FnOnce(Figment) -> Figment,
    ) -> TestApp {
        let figment = configure(test_figment(&url));
        let client = Client::untracked(replichat::build(figment))
            .await
            .expect("the app starts");
        TestApp {
            client,
            db,
            database_url: url,
            _database: database,
        }
    }

    /// POSTs `body` as JSON to `path`; returns the status and the parsed JSON answer.
    pub async fn post_json(&self, path: &str, body: &Value) -> (Status, Value) {
        let response = self
            .client
            .post(path)
            .header(ContentType::JSON)
            .body(body.to_string())
            .dispatch()
            .await;
        let status = response.status();
        let text = response.into_string().await.unwrap_or_default();
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{path} answered non-JSON ({e}): {text}"));
        (status, value)
    }

    /// A push; returns status and body.
    pub async fn push(&self, body: &Value) -> (Status, Value) {
        self.post_json("/api/replicache-push", body).await
    }

    /// A pull; returns status and body.
    pub async fn pull(&self, body: &Value) -> (Status, Value) {
        self.post_json("/api/replicache-pull", body).await
    }
}

/// A v1 push body for `group` with `mutations`.
pub fn push_body(group: &str, mutations: Vec<Value>) -> Value {
    json!({
        "pushVersion": 1,
        "clientGroupID": group,
        "mutations": mutations,
        "profileID": "ptestprofile",
        "schemaVersion": "",
    })
}

/// A `createMessage` mutation.
pub fn create_message(client: &str, id: i64, message_id: &str, content: &str, order: i64) -> Value {
    json!({
        "clientID": client,
        "id": id,
        "name": "createMessage",
        "args": {"id": message_id, "from": "tester", "content": content, "order": order},
        "timestamp": 1234.567,
    })
}

/// A v1 pull body for `group` with `cookie`.
pub fn pull_body(group: &str, cookie: Value) -> Value {
    json!({
        "pullVersion": 1,
        "clientGroupID": group,
        "cookie": cookie,
        "profileID": "ptestprofile",
        "schemaVersion": "",
    })
}

/// Runs one async test body on SQLite and, when configured, on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[rocket::async_test]
            async fn sqlite() {
                let $app = $crate::support::TestApp::sqlite().await;
                $body
            }

            #[rocket::async_test]
            async fn postgres() {
                let Some($app) =
                    $crate::support::TestApp::postgres(concat!(module_path!(), "::postgres")).await
                else {
                    return;
                };
                $body
            }
        }
    };
}
