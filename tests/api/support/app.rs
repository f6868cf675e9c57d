//! `TestApp`: the application built over a fresh database for one test, driven
//! through Rocket's local client, with a typed builder for its configuration.

use super::sse::{PokeStream, SseItem};
use replichat::config::AppConfig;
use replichat::poke::LISTENER_APPLICATION_NAME;
use replichat_test_support::bodies::{normalized, pull_body, push_body};
use replichat_test_support::config::{figment, test_config};
use replichat_test_support::database::{Db, DirectConn, TestDb};
use replichat_test_support::view::assert_pull_response_shape;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// How long a poke may take to arrive (PostgreSQL pokes travel through NOTIFY/LISTEN).
pub const POKE_DELIVERY: Duration = Duration::from_secs(2);

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
    /// The configuration it was built with.
    pub config: AppConfig,
    // Declared last: dropped after the client has closed its pool. Shared with siblings.
    database: Arc<TestDb>,
}

/// A [`TestApp`] being configured: a fresh database, and the configuration to edit.
pub struct TestAppBuilder {
    db: Db,
    database: Arc<TestDb>,
    config: AppConfig,
}

impl TestAppBuilder {
    /// Edits the configuration (e.g. `|c| c.protocol.pull_strategy = PullStrategy::Reset`).
    pub fn configure(mut self, edit: impl FnOnce(&mut AppConfig)) -> Self {
        edit(&mut self.config);
        self
    }

    /// The configuration as edited so far.
    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// Builds and ignites the app.
    pub async fn start(self) -> TestApp {
        let client = Client::untracked(replichat::build(figment(&self.config)))
            .await
            .expect("the app starts");
        TestApp {
            client,
            db: self.db,
            database_url: self.config.database.database_url.clone(),
            config: self.config,
            database: self.database,
        }
    }
}

impl TestApp {
    /// An app on a fresh database of kind `db` for the test `test`, configured with
    /// [`test_config`] until edited.
    pub fn builder(db: Db, test: &str) -> TestAppBuilder {
        let (database, url) = TestDb::new(db, test);
        TestAppBuilder {
            db,
            database: Arc::new(database),
            config: test_config(&url),
        }
    }

    /// The app with the test configuration on a fresh SQLite file.
    pub async fn sqlite() -> TestApp {
        Self::builder(Db::Sqlite, "sqlite").start().await
    }

    /// A second instance of the app over this app's database, from the test
    /// configuration with `edit` applied (e.g. another pull strategy).
    pub async fn sibling(&self, edit: impl FnOnce(&mut AppConfig)) -> TestApp {
        let builder = TestAppBuilder {
            db: self.db,
            database: Arc::clone(&self.database),
            config: test_config(&self.database_url),
        };
        builder.configure(edit).start().await
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

    /// [`Self::pull_ok`], normalized (see `bodies::normalized`) for comparison with a
    /// literal.
    pub async fn pull_normalized(&self, group: &str, cookie: Value) -> Value {
        normalized(&self.pull_ok(group, cookie).await)
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
        let sql = format!(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = '{LISTENER_APPLICATION_NAME}'"
        );
        while conn.number(&sql) == 0 {
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
