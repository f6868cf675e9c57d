//! Typed application settings, extracted from Rocket's figment.
//!
//! Sources, lowest precedence first: built-in defaults, `Rocket.toml`, `ROCKET_*`
//! environment variables, then `DATABASE_URL` (the variable the diesel CLI reads too).

use crate::auth::{AuthMode, JwtSettings};
use crate::service::MutationLimits;
use rocket::data::ByteUnit;
use rocket::figment::providers::Env;
use rocket::figment::Figment;
use serde::Deserialize;
use std::path::PathBuf;

/// How a pull computes its patch (spec §7.1 and §7.2). Both use the global version as cookie.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PullStrategy {
    /// `clear` followed by every live message whenever the cookie changed (the seed's behaviour).
    Reset,
    /// Only rows and clients changed since the request's cookie.
    #[default]
    Version,
}

/// Everything the application reads from configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AppConfig {
    /// `postgres://` / `postgresql://` URL, or a SQLite file path.
    pub database_url: String,
    /// Pull strategy, `reset` or `version`.
    pub pull_strategy: PullStrategy,
    /// Maximum pooled database connections per process.
    pub pool_size: u32,
    /// Seconds a request waits for a pooled connection before answering 503.
    pub pool_timeout_secs: u64,
    /// PostgreSQL `statement_timeout` in milliseconds (0 disables it).
    pub statement_timeout_ms: u64,
    /// SQLite `busy_timeout` in milliseconds: how long a writer waits for the file lock.
    pub sqlite_busy_timeout_ms: u64,
    /// Attempts per transaction when the database reports a transient failure.
    pub transaction_attempts: u32,
    /// Seconds between SSE heartbeat comments on the poke stream.
    pub poke_heartbeat_secs: u64,
    /// Accepted `schemaVersion` values; empty accepts every version.
    pub schema_versions: Vec<String>,
    /// Value of `Access-Control-Allow-Origin`; empty disables CORS headers.
    pub cors_allow_origin: String,
    /// Largest accepted push or pull body (a client pushes all pending mutations at once).
    pub body_limit: ByteUnit,
    /// Authentication: `none` (everyone is anonymous) or `jwt`.
    pub auth: AuthMode,
    /// JWT algorithm: `HS256`, `RS256` or `ES256`.
    pub jwt_algorithm: String,
    /// HS256 shared secret.
    pub jwt_secret: String,
    /// RS256/ES256 public key: PEM text or a path to a PEM file.
    pub jwt_public_key: String,
    /// Required token issuer (`iss`); empty accepts any.
    pub jwt_issuer: String,
    /// Required token audience (`aud`); empty skips the check.
    pub jwt_audience: String,
    /// Clock skew tolerated on token expiry, in seconds.
    pub jwt_leeway_secs: u64,
    /// Seconds between garbage-collection sweeps; 0 disables the sweeper.
    pub gc_interval_secs: u64,
    /// Clients that have not pushed for this many seconds are deleted by GC.
    pub client_max_idle_secs: u64,
    /// Message tombstones older than this many seconds are purged by GC.
    pub tombstone_max_age_secs: u64,
    /// Print one line per request (method, path, status, latency, request id) to stdout.
    pub request_log: bool,
    /// Longest accepted message id, in characters.
    pub max_message_id_len: usize,
    /// Longest accepted `from`, in characters.
    pub max_sender_len: usize,
    /// Longest accepted message `content`, in characters.
    pub max_content_len: usize,
    /// Directory of the built chat page, served at `/` when it holds an `index.html`
    /// (relative paths are relative to the working directory).
    pub web_dir: PathBuf,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            database_url: "replichat.db".into(),
            pull_strategy: PullStrategy::default(),
            pool_size: 16,
            pool_timeout_secs: 10,
            statement_timeout_ms: 30_000,
            sqlite_busy_timeout_ms: 5_000,
            transaction_attempts: 10,
            poke_heartbeat_secs: 30,
            schema_versions: Vec::new(),
            cors_allow_origin: "*".into(),
            body_limit: ByteUnit::Mebibyte(32),
            auth: AuthMode::None,
            jwt_algorithm: "HS256".into(),
            jwt_secret: String::new(),
            jwt_public_key: String::new(),
            jwt_issuer: String::new(),
            jwt_audience: String::new(),
            jwt_leeway_secs: 30,
            gc_interval_secs: 3600,
            client_max_idle_secs: 30 * 24 * 3600,
            tombstone_max_age_secs: 30 * 24 * 3600,
            request_log: true,
            max_message_id_len: 128,
            max_sender_len: 255,
            max_content_len: 10_000,
            web_dir: PathBuf::from("web/dist"),
        }
    }
}

impl AppConfig {
    /// Reads the settings from `figment`.
    pub fn from_figment(figment: &Figment) -> Result<Self, Box<rocket::figment::Error>> {
        figment.extract().map_err(Box::new)
    }

    /// The JWT part of the settings.
    pub fn jwt_settings(&self) -> JwtSettings<'_> {
        JwtSettings {
            algorithm: &self.jwt_algorithm,
            secret: &self.jwt_secret,
            public_key: &self.jwt_public_key,
            issuer: &self.jwt_issuer,
            audience: &self.jwt_audience,
            leeway_secs: self.jwt_leeway_secs,
        }
    }

    /// The bounds mutators enforce on their arguments.
    pub fn mutation_limits(&self) -> MutationLimits {
        MutationLimits {
            max_id_len: self.max_message_id_len,
            max_sender_len: self.max_sender_len,
            max_content_len: self.max_content_len,
        }
    }

    /// True when `schema_version` is accepted by this server.
    pub fn accepts_schema_version(&self, schema_version: &str) -> bool {
        self.schema_versions.is_empty() || self.schema_versions.iter().any(|v| v == schema_version)
    }
}

/// Rocket's default figment with `DATABASE_URL` layered on top.
pub fn default_figment() -> Figment {
    rocket::Config::figment().merge(Env::raw().only(&["DATABASE_URL"]))
}
