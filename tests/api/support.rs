//! `TestApp`: the application built over a fresh database for one test, plus the
//! shared helpers every test module uses.
//!
//! `TestApp::sqlite()` uses a new temporary file; `TestApp::postgres()` creates a new
//! database under the admin URL in `REPLICHAT_TEST_PG` and drops it afterwards (and
//! returns `None`, printing why, when that variable is unset). `on_both_databases!`
//! runs one test body on both.
//!
//! The multi-process and fault tests drive the built binary instead: `ServerProcess`
//! spawns and kills it, `Http` talks to it, `Writer` acts as a Replicache client.

// A helper library: not every test module uses every helper.
#![allow(dead_code)]

mod bodies;
mod db;
mod http;
mod process;
mod sse;
mod view;
mod workload;
mod writer;

pub use bodies::*;
pub use db::*;
pub use http::*;
pub use process::*;
pub use sse::*;
pub use view::*;
pub use workload::*;
pub use writer::*;

use rocket::figment::Figment;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// How long a poke may take to arrive (PostgreSQL pokes travel through NOTIFY/LISTEN).
pub const POKE_DELIVERY: Duration = Duration::from_secs(2);

/// The figment tests build the app from: `Rocket.toml`'s defaults, quiet logs, a small pool.
pub fn test_figment(database_url: &str) -> Figment {
    rocket::Config::figment()
        .merge(("database_url", database_url))
        .merge(("log_level", "off"))
        .merge(("cli_colors", false))
        .merge(("pool_size", 8))
}

/// A response read to the end.
#[derive(Debug)]
pub struct RawResponse {
    pub status: Status,
    pub content_type: Option<ContentType>,
    pub body: String,
}

impl RawResponse {
    /// The body as JSON; panics when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {}", self.body))
    }

    /// Asserts an HTTP error answered as `{"error": kind, ...}` JSON (never one of
    /// Replicache's two error bodies, which only count with status 200); returns `kind`.
    pub fn assert_json_error(&self, status: Status) -> String {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.content_type, Some(ContentType::JSON), "{}", self.body);
        let kind = self.json()["error"].as_str().map(str::to_string);
        let kind = kind.unwrap_or_else(|| panic!("no error kind in {}", self.body));
        assert!(
            kind != "ClientStateNotFound" && kind != "VersionNotSupported",
            "an HTTP error must not look like a Replicache error body: {kind}"
        );
        kind
    }
}

/// The application over a fresh database, driven through Rocket's local client.
pub struct TestApp {
    pub client: Client,
    pub db: Db,
    pub database_url: String,
    // Declared last: dropped after the client has closed its pool. Shared with siblings.
    database: Arc<TestDb>,
}

impl TestApp {
    /// The app on a fresh SQLite file.
    pub async fn sqlite() -> TestApp {
        Self::sqlite_with(|f| f).await
    }

    /// The app on a fresh SQLite file with extra configuration.
    pub async fn sqlite_with(configure: impl FnOnce(Figment) -> Figment) -> TestApp {
        let (database, url) = TestDb::sqlite();
        Self::launch(Db::Sqlite, Arc::new(database), url, configure).await
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
        Some(Self::launch(Db::Postgres, Arc::new(database), url, configure).await)
    }

    /// A second instance of the app (another configuration, e.g. another pull
    /// strategy) over this app's database.
    pub async fn sibling(&self, configure: impl FnOnce(Figment) -> Figment) -> TestApp {
        let url = self.database_url.clone();
        Self::launch(self.db, Arc::clone(&self.database), url, configure).await
    }

    async fn launch(
        db: Db,
        database: Arc<TestDb>,
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
            database,
        }
    }

    /// A connection of the test's own to the app's database.
    pub fn direct(&self) -> DirectConn {
        DirectConn::open(self.db, &self.database_url)
    }

    /// POSTs `body` to `path` with the given content type and extra headers.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: Option<ContentType>,
        headers: Vec<Header<'static>>,
        body: impl AsRef<[u8]>,
    ) -> RawResponse {
        let mut request = self.client.post(path).body(body);
        if let Some(content_type) = content_type {
            request = request.header(content_type);
        }
        for header in headers {
            request = request.header(header);
        }
        let response = request.dispatch().await;
        RawResponse {
            status: response.status(),
            content_type: response.content_type(),
            body: response.into_string().await.unwrap_or_default(),
        }
    }

    /// POSTs `body` as JSON to `path`; returns the status and the parsed JSON answer.
    pub async fn post_json(&self, path: &str, body: &Value) -> (Status, Value) {
        let response = self
            .post_raw(path, Some(ContentType::JSON), Vec::new(), body.to_string())
            .await;
        (response.status, response.json())
    }

    /// A push; returns status and body.
    pub async fn push(&self, body: &Value) -> (Status, Value) {
        self.post_json("/api/replicache-push", body).await
    }

    /// A pull; returns status and body.
    pub async fn pull(&self, body: &Value) -> (Status, Value) {
        self.post_json("/api/replicache-pull", body).await
    }

    /// Pushes `mutations` for `group` and asserts the plain success answer `{}`.
    pub async fn push_ok(&self, group: &str, mutations: Vec<Value>) {
        let (status, body) = self.push(&push_body(group, mutations)).await;
        assert_eq!((status, body), (Status::Ok, json!({})), "push to {group}");
    }

    /// Pulls for `group` from `cookie`; asserts a well-formed 200 pull response.
    pub async fn pull_ok(&self, group: &str, cookie: Value) -> Value {
        let (status, body) = self.pull(&pull_body(group, cookie.clone())).await;
        assert_eq!(status, Status::Ok, "pull {group} from {cookie}: {body}");
        assert_pull_response_shape(&body);
        body
    }

    /// The current cookie, as a fresh cache of an unused group would receive it.
    pub async fn current_cookie(&self) -> Value {
        self.pull_ok("probe-group", Value::Null).await["cookie"].clone()
    }

    /// Opens the poke stream at `uri` (e.g. `/api/replicache-poke?clientGroupID=g`).
    pub async fn poke_stream(&self, uri: &str) -> PokeStream<'_> {
        let uri = uri.to_string();
        PokeStream::new(self.client.get(uri).dispatch().await)
    }

    /// Opens a poke stream once pokes flow (see [`Self::wait_for_poke_listener`]) and
    /// reads its greeting, which must be a comment: connecting is not a data event.
    pub async fn subscribe_pokes(&self, uri: &str) -> PokeStream<'_> {
        self.wait_for_poke_listener().await;
        let mut stream = self.poke_stream(uri).await;
        match stream.next_item(Duration::from_secs(1)).await {
            Some(SseItem::Comment(_)) => stream,
            other => panic!("{uri} did not open with a comment: {other:?}"),
        }
    }

    /// On PostgreSQL, waits until this app's LISTEN connection is up, so that streams
    /// opened afterwards do not see the poke it sends when it (re)connects and no
    /// commit's NOTIFY is lost. No-op on SQLite, where pokes are in-process.
    pub async fn wait_for_poke_listener(&self) {
        if self.db != Db::Postgres {
            return;
        }
        let mut conn = self.direct();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let sql = "SELECT count(*) AS n FROM pg_stat_activity \
                   WHERE datname = current_database() AND query LIKE 'LISTEN %'";
        while conn.number(sql) == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the poke listener did not connect"
            );
            rocket::tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The listener pokes its hub right after LISTEN returns.
        rocket::tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs one async test body on SQLite and, when configured, on PostgreSQL; the
/// optional `config = |figment| ...` adjusts the app's configuration for both.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::on_both_databases!($name, config = |figment| figment, |$app| $body);
    };
    ($name:ident, config = $config:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[rocket::async_test]
            async fn sqlite() {
                let $app = $crate::support::TestApp::sqlite_with($config).await;
                $body
            }

            #[rocket::async_test]
            async fn postgres() {
                let Some($app) = $crate::support::TestApp::postgres_with(
                    concat!(module_path!(), "::postgres"),
                    $config,
                )
                .await
                else {
                    return;
                };
                $body
            }
        }
    };
}
