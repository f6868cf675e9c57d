//! The application under test: four instances over one scratch database (each pull
//! strategy, with authentication off and with JWT users), built once per process and
//! driven through Rocket's blocking client.

use replichat::auth::AuthMode;
use replichat::config::AppConfig;
use replichat::service::{MutationLimits, PullStrategy};
use replichat_test_support::config::{figment, test_config};
use replichat_test_support::database::{Db, DirectConn, TestDb, PG_ENV};
use rocket::data::ByteUnit;
use rocket::http::{ContentType, Header, Status};
use rocket::local::blocking::Client;
use std::sync::{Mutex, PoisonError};

/// The push endpoint.
pub const PUSH: &str = "/api/replicache-push";
/// The pull endpoint.
pub const PULL: &str = "/api/replicache-pull";

/// The largest body the fuzzed app accepts: small, so that generated bodies reach the
/// 413 answer as well.
pub const BODY_LIMIT: ByteUnit = ByteUnit::Kibibyte(64);
/// Argument bounds, small so that short inputs reach them.
pub const MAX_ID_LEN: usize = 12;
/// See [`MAX_ID_LEN`].
pub const MAX_TEXT_LEN: usize = 24;

/// Empties every table and puts the global version back to its first value.
const RESET_SQL: &str = "DELETE FROM message; DELETE FROM replicache_client; \
    DELETE FROM replicache_client_group; DELETE FROM rejected_mutation; \
    DELETE FROM room_member; DELETE FROM room WHERE id <> 'general'; \
    UPDATE room SET version = 1, created_version = 1, name = 'general', deleted = FALSE; \
    UPDATE replicache_server SET version = 1, tombstone_horizon = 0, access_version = 1";

/// The users the instances with authentication know, with tokens from their
/// development login.
pub const USERS: [&str; 3] = ["u0", "u1", "u2"];
/// The HS256 secret of the instances with users.
const SECRET: &str = "fuzz-secret";

/// Which instance answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server {
    /// `pull_strategy = "reset"` (full views) instead of `"version"` (incremental pulls).
    pub reset: bool,
    /// `auth = "jwt"` (the users of [`USERS`]) instead of `"none"`.
    pub users: bool,
}

impl Server {
    /// The tutorial's setup: incremental pulls, no authentication.
    pub const TUTORIAL: Server = Server {
        reset: false,
        users: false,
    };
}

/// A response read to the end.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: Status,
    /// `Content-Type`, if any.
    pub content_type: Option<ContentType>,
    /// The body.
    pub body: Vec<u8>,
}

/// The two instances of the application, and a connection of the harness's own to
/// their database.
pub struct App {
    /// Indexed by [`App::index`].
    instances: [Client; 4],
    /// A token per user of [`USERS`].
    tokens: Vec<String>,
    direct: Mutex<DirectConn>,
}

/// The scratch database, dropped (file or PostgreSQL database removed) at exit.
static SCRATCH: Mutex<Option<TestDb>> = Mutex::new(None);

extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::os::raw::c_int;
}

extern "C" fn drop_scratch() {
    let scratch = SCRATCH
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    drop(scratch);
}

thread_local! {
    static APP: App = App::open();
}

impl App {
    /// Runs `f` with this process's application (libFuzzer calls targets on one thread).
    pub fn with<R>(f: impl FnOnce(&App) -> R) -> R {
        APP.with(f)
    }

    /// Builds both instances over a fresh database: SQLite in a temporary directory,
    /// or, when `REPLICHAT_TEST_PG` names an admin URL, a new PostgreSQL database.
    fn open() -> App {
        let db = if std::env::var_os(PG_ENV).is_some() {
            Db::Postgres
        } else {
            Db::Sqlite
        };
        let (scratch, url) = TestDb::new(db, "fuzz");
        *SCRATCH.lock().unwrap_or_else(PoisonError::into_inner) = Some(scratch);
        // SAFETY: registers a plain function without captured state; it only runs at exit.
        unsafe {
            atexit(drop_scratch);
        }
        let start = |server: Server| {
            Client::untracked(replichat::build(figment(&config(&url, server))))
                .unwrap_or_else(|e| panic!("the instance {server:?} does not start: {e}"))
        };
        let instances =
            [false, true].map(|users| [false, true].map(|reset| start(Server { reset, users })));
        let [tutorial, with_users] = instances;
        let tokens = USERS
            .iter()
            .map(|user| dev_login(&with_users[0], user))
            .collect();
        let [version, reset] = tutorial;
        let [users_version, users_reset] = with_users;
        App {
            instances: [version, reset, users_version, users_reset],
            tokens,
            direct: Mutex::new(DirectConn::open(db, &url)),
        }
    }

    fn index(server: Server) -> usize {
        usize::from(server.users) * 2 + usize::from(server.reset)
    }

    /// The token of user `USERS[user % USERS.len()]`.
    pub fn token(&self, user: u8) -> &str {
        &self.tokens[usize::from(user) % self.tokens.len()]
    }

    /// Empties the database before an input. Every input thus starts at version 1 with
    /// no messages, clients or groups, whatever earlier inputs did. (The in-memory
    /// full-view cache keeps the view of the highest version reached so far; later
    /// pulls at that same version may be answered with it. That changes which
    /// messages a patch lists, never its shape, status or cookie.)
    pub fn reset(&self) {
        let mut direct = self.direct.lock().unwrap_or_else(PoisonError::into_inner);
        direct.execute(&format!("BEGIN; {RESET_SQL}; COMMIT"));
    }

    /// POSTs `body` to `path` on `server`, with `content_type` and `authorization`
    /// when given. Only the instances with users may answer 401.
    pub fn post(
        &self,
        server: Server,
        path: &str,
        content_type: Option<ContentType>,
        authorization: Option<String>,
        body: &[u8],
    ) -> Answer {
        let client = &self.instances[Self::index(server)];
        let mut request = client.post(path.to_string()).body(body);
        if let Some(content_type) = content_type {
            request = request.header(content_type);
        }
        if let Some(authorization) = authorization {
            request = request.header(Header::new("Authorization", authorization));
        }
        let response = request.dispatch();
        assert!(
            server.users || response.status() != Status::Unauthorized,
            "401 with authentication off"
        );
        Answer {
            status: response.status(),
            content_type: response.content_type(),
            body: response.into_bytes().unwrap_or_default(),
        }
    }
}

/// A token for `user` from the instance's development login.
fn dev_login(client: &Client, user: &str) -> String {
    let body = format!("{{\"user\":\"{user}\"}}");
    let response = client
        .post("/api/dev-login")
        .header(ContentType::JSON)
        .body(body)
        .dispatch();
    let answer: serde_json::Value =
        serde_json::from_slice(&response.into_bytes().unwrap_or_default()).unwrap_or_default();
    match answer["token"].as_str() {
        Some(token) => format!("Bearer {token}"),
        None => panic!("the development login gave no token for {user}: {answer}"),
    }
}

/// The configuration of one instance: quiet, no background sweeper, small limits;
/// the instances with users sign their development logins with [`SECRET`]. Starts
/// from the defaults, not from `Rocket.toml` or the environment.
fn config(url: &str, server: Server) -> AppConfig {
    let mut config = test_config(url);
    config.protocol.pull_strategy = if server.reset {
        PullStrategy::Reset
    } else {
        PullStrategy::Version
    };
    if server.users {
        config.auth.auth = AuthMode::Jwt;
        config.auth.jwt_secret = SECRET.into();
        config.auth.dev_login = true;
    }
    config.logging.request_log = false;
    config.database.pool_size = 2;
    config.gc.gc_interval_secs = 0;
    config.http.body_limit = BODY_LIMIT;
    config.limits = MutationLimits {
        max_message_id_len: MAX_ID_LEN,
        max_sender_len: MAX_TEXT_LEN,
        max_content_len: MAX_TEXT_LEN,
    };
    config
}
