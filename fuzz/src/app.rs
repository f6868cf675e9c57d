//! The application under test: two instances (one per pull strategy) over one scratch
//! database, built once per process and driven through Rocket's blocking client.

use replichat::config::AppConfig;
use replichat::service::{MutationLimits, PullStrategy};
use replichat_test_support::config::{figment, test_config};
use replichat_test_support::database::{Db, DirectConn, TestDb, PG_ENV};
use rocket::data::ByteUnit;
use rocket::http::{ContentType, Status};
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

/// Which instance answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// `pull_strategy = "version"` (incremental pulls).
    Version,
    /// `pull_strategy = "reset"` (full views).
    Reset,
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
    version: Client,
    reset: Client,
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
        let start = |strategy: PullStrategy| {
            Client::untracked(replichat::build(figment(&config(&url, strategy))))
                .unwrap_or_else(|e| panic!("the {strategy:?} instance does not start: {e}"))
        };
        App {
            version: start(PullStrategy::Version),
            reset: start(PullStrategy::Reset),
            direct: Mutex::new(DirectConn::open(db, &url)),
        }
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

    /// POSTs `body` to `path` on `server`, with `content_type` when given.
    pub fn post(
        &self,
        server: Server,
        path: &str,
        content_type: Option<ContentType>,
        body: &[u8],
    ) -> Answer {
        let client = match server {
            Server::Version => &self.version,
            Server::Reset => &self.reset,
        };
        let mut request = client.post(path.to_string()).body(body);
        if let Some(content_type) = content_type {
            request = request.header(content_type);
        }
        let response = request.dispatch();
        Answer {
            status: response.status(),
            content_type: response.content_type(),
            body: response.into_bytes().unwrap_or_default(),
        }
    }
}

/// The configuration of one instance: quiet, no background sweeper, small limits.
/// Starts from the defaults, not from `Rocket.toml` or the environment.
fn config(url: &str, strategy: PullStrategy) -> AppConfig {
    let mut config = test_config(url);
    config.protocol.pull_strategy = strategy;
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
