//! replichat: a Replicache (protocol v1) sync backend for the BYOB chat app.
//!
//! This file is the composition root: the one place that reads the configuration and
//! builds every component from its own settings, handing each route stage, fairing and
//! background task only what it uses. Below it the layers point one way:
//! `routes` (HTTP) → `service` (protocol rules, transactions) → `repository` (Diesel
//! queries) → `models`/`schema`, with `db`, `dto`, `domain`, `poke`, `auth`, `error`
//! and `observability` underneath. README.md has the code map.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod dto;
pub mod error;
pub mod models;
pub mod observability;
mod page_build;
pub mod poke;
pub mod repository;
pub mod routes;
pub mod schema;
pub mod service;

use auth::{Authenticator, DevLogin};
use config::AppConfig;
use db::{Backend, Database};
use observability::{Metrics, RequestLog};
use poke::{PgPokeChannel, PokeHub, Poker};
use rocket::fairing::{self, AdHoc};
use rocket::figment::Figment;
use rocket::{Build, Rocket};
use routes::BodyLimit;
use service::{GcService, PullService, PushService};
use std::sync::Arc;

/// This build's version, as `Cargo.toml` gives it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The application as configured by `Rocket.toml`, `ROCKET_*` and `DATABASE_URL`.
pub fn rocket() -> Rocket<Build> {
    build(config::default_figment())
}

/// Serves the application configured by `figment` until a graceful shutdown, on a
/// runtime with Rocket's `workers` and `max_blocking` settings.
pub fn serve(figment: Figment) -> Result<(), String> {
    let config = check_config(&figment)?;
    let rocket_config =
        rocket::Config::try_from(&figment).map_err(|e| format!("invalid configuration: {e}"))?;
    observability::install_logger(config.logging.log_format, rocket_config.log_level);
    if figment.profile() == rocket::Config::DEBUG_PROFILE {
        page_build::ensure_built(&config.http.web_dir);
    }
    let runtime = rocket::tokio::runtime::Builder::new_multi_thread()
        .worker_threads(rocket_config.workers.max(1))
        .max_blocking_threads(rocket_config.max_blocking.max(1))
        .thread_name("rocket-worker-thread")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        match build(figment).launch().await {
            Ok(_) => {
                rocket::info!("graceful shutdown completed");
                Ok(())
            }
            Err(error) => Err(error.pretty_print().to_string()),
        }
    })
}

/// Checks the configuration without opening the database: every key known, every
/// value of its type, a supported database URL, usable authentication and development
/// login settings, and Rocket's own settings.
pub fn check_config(figment: &Figment) -> Result<AppConfig, String> {
    let invalid = |e: String| format!("invalid configuration: {e}");
    let config = AppConfig::from_figment(figment).map_err(invalid)?;
    rocket::Config::try_from(figment).map_err(|e| invalid(e.to_string()))?;
    Backend::from_url(&config.database.database_url).map_err(invalid)?;
    config.http.metrics_placement().map_err(invalid)?;
    Authenticator::new(&config.auth).map_err(invalid)?;
    DevLogin::new(&config.auth).map_err(invalid)?;
    Ok(config)
}

/// The checked configuration as JSON, secrets redacted: the profile, Rocket's
/// settings and replichat's.
pub fn effective_config(figment: &Figment) -> Result<serde_json::Value, String> {
    let config = check_config(figment)?;
    let rocket_config =
        rocket::Config::try_from(figment).map_err(|e| format!("invalid configuration: {e}"))?;
    Ok(serde_json::json!({
        "version": VERSION,
        "profile": figment.profile().as_str().as_str(),
        "rocket": rocket_config,
        "replichat": config.redacted(),
    }))
}

/// Applies pending migrations to the configured database; returns their versions.
pub fn migrate(figment: &Figment) -> Result<Vec<String>, String> {
    let config = check_config(figment)?;
    let db = Database::connect(&config.database)
        .map_err(|e| format!("cannot open the database: {e}"))?;
    db::run_migrations(&db).map_err(|e| format!("cannot migrate the database: {e}"))
}

/// The application over an explicit figment: the one way it is built (tests use it).
/// The configuration is read, the database opened and migrated, and everything else
/// assembled when Rocket ignites; a failure there stops the launch with its reason.
pub fn build(figment: Figment) -> Rocket<Build> {
    rocket::custom(figment).attach(AdHoc::try_on_ignite("replichat", assemble))
}

async fn assemble(rocket: Rocket<Build>) -> fairing::Result {
    let config = match check_config(rocket.figment()) {
        Ok(config) => config,
        Err(e) => {
            rocket::error!("{e}");
            return Err(rocket);
        }
    };
    let release = rocket.figment().profile() == rocket::Config::RELEASE_PROFILE;
    if release && config.auth.auth == auth::AuthMode::None {
        rocket::warn!(
            "auth = \"none\": every caller is the same anonymous user, so private rooms are \
             shared by everyone; set auth = \"jwt\" for a real deployment"
        );
    }
    match rocket::tokio::task::spawn_blocking(move || App::open(config)).await {
        Ok(Ok(app)) => Ok(app.install(rocket)),
        Ok(Err(e)) => {
            rocket::error!("{e}");
            Err(rocket)
        }
        Err(e) => {
            rocket::error!("replichat set-up task failed: {e}");
            Err(rocket)
        }
    }
}

/// Every component, built from the configuration.
struct App {
    config: AppConfig,
    db: Arc<Database>,
    metrics: Arc<Metrics>,
    hub: PokeHub,
    channel: Option<PgPokeChannel>,
    authenticator: Authenticator,
    dev_login: Option<DevLogin>,
    push: PushService,
    pull: PullService,
    gc: GcService,
}

impl App {
    /// Connects and migrates the database, then builds the services on it.
    fn open(config: AppConfig) -> Result<App, String> {
        let db = Database::connect(&config.database)
            .map_err(|e| format!("cannot open the database: {e}"))?;
        let applied =
            db::run_migrations(&db).map_err(|e| format!("cannot open the database: {e}"))?;
        for version in &applied {
            rocket::info!("applied migration {version}");
        }
        rocket::info!(
            "replichat {VERSION} on {:?} ({}), pull strategy {:?}",
            db.backend(),
            config.database.redacted_url(),
            config.protocol.pull_strategy
        );
        let invalid = |e: String| format!("invalid replichat configuration: {e}");
        let authenticator = Authenticator::new(&config.auth).map_err(invalid)?;
        let dev_login = DevLogin::new(&config.auth).map_err(invalid)?;
        let metrics = Metrics::new(db.retry_counter()).map_err(|e| format!("metrics: {e}"))?;
        let (db, metrics, hub) = (Arc::new(db), Arc::new(metrics), PokeHub::new());
        let (poker, channel) = match db.backend() {
            Backend::Postgres => {
                let url = config.database.database_url.clone();
                let (poker, channel) = Poker::over_postgres(hub.clone(), url);
                (poker, Some(channel))
            }
            Backend::Sqlite => (Poker::in_process(hub.clone()), None),
        };
        let protocol = config.protocol.clone();
        Ok(App {
            push: PushService::new(
                Arc::clone(&db),
                protocol.clone(),
                config.limits,
                poker,
                Arc::clone(&metrics),
            ),
            pull: PullService::new(Arc::clone(&db), protocol),
            gc: GcService::new(Arc::clone(&db), config.gc.clone()),
            config,
            db,
            metrics,
            hub,
            channel,
            authenticator,
            dev_login,
        })
    }

    /// Mounts every stage, attaches the fairings and schedules the background tasks.
    fn install(self, rocket: Rocket<Build>) -> Rocket<Build> {
        let config = self.config;
        let body_limit = BodyLimit(config.http.body_limit);
        let pokes_sent = self.metrics.pokes_sent.clone();
        let sync = routes::replicache::stage(self.push, self.pull, body_limit);
        let (channel, gc) = (self.channel, self.gc);
        let listener = channel.as_ref().map(PgPokeChannel::status);
        // Checked with the rest of the configuration before the application was built.
        let placement = config
            .http
            .metrics_placement()
            .unwrap_or(routes::MetricsPlacement::MainPort);
        rocket
            .manage(self.authenticator)
            .attach(sync)
            .attach(routes::poke::stage(
                self.hub.clone(),
                &config.pokes,
                pokes_sent,
            ))
            .attach(routes::health::stage(
                self.db,
                listener,
                Arc::clone(&self.metrics),
                self.hub,
                placement,
            ))
            .attach(routes::limits::stage(config.limits, config.http.body_limit))
            .attach(routes::cors::stage(config.http.cors_allow_origin))
            .attach(routes::root::stage(config.http.web_dir))
            .attach(routes::dev_login::stage(self.dev_login))
            .attach(routes::catchers::stage())
            .attach(routes::version::stage())
            .attach(RequestLog::new(&config.logging, self.metrics))
            .attach(AdHoc::on_liftoff("replichat background tasks", |rocket| {
                Box::pin(async move {
                    let (address, port) = (rocket.config().address, rocket.config().port);
                    rocket::info!("replichat {VERSION} listening on http://{address}:{port}");
                    if let Some(channel) = channel {
                        channel.spawn();
                    }
                    gc.spawn_sweeper(rocket.shutdown());
                })
            }))
    }
}
