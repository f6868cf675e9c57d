//! replichat: a Replicache (protocol v1) sync backend for the BYOB chat app.
//!
//! Layers: `routes` (HTTP) -> `service` (protocol rules, transactions) ->
//! `repository` (Diesel queries over `schema`/`models`); `dto` holds the wire types.

pub mod auth;
mod background;
pub mod config;
pub mod db;
pub mod dto;
pub mod error;
pub mod models;
pub mod observability;
pub mod poke;
pub mod repository;
pub mod routes;
pub mod schema;
pub mod service;

use config::AppConfig;
use db::Database;
use poke::PokeHub;
use rocket::fairing::{self, AdHoc};
use rocket::figment::Figment;
use rocket::{Build, Rocket};
use service::Services;
use std::sync::Arc;

/// The application as configured by `Rocket.toml`, `ROCKET_*` and `DATABASE_URL`.
pub fn rocket() -> Rocket<Build> {
    build(config::default_figment())
}

/// The application over an explicit figment: the one way it is built (tests use it).
pub fn build(figment: Figment) -> Rocket<Build> {
    // An invalid configuration is reported by the database fairing at ignite.
    let web_dir = AppConfig::from_figment(&figment)
        .map(|config| config.web_dir)
        .unwrap_or_else(|_| AppConfig::default().web_dir);
    rocket::custom(figment)
        .attach(AdHoc::try_on_ignite("replichat database", open_database))
        .attach(AdHoc::on_liftoff("replichat background tasks", |rocket| {
            Box::pin(background::start(rocket))
        }))
        .attach(routes::Cors)
        .attach(observability::RequestLog)
        .mount("/", routes::all())
        .mount("/", routes::web_files(&web_dir))
        .register("/", routes::catchers())
}

/// Reads the settings, connects, migrates and puts [`Services`] in managed state.
async fn open_database(rocket: Rocket<Build>) -> fairing::Result {
    let config = match AppConfig::from_figment(rocket.figment()) {
        Ok(config) => config,
        Err(e) => {
            rocket::error!("invalid replichat configuration: {e}");
            return Err(rocket);
        }
    };
    let setup = rocket::tokio::task::spawn_blocking(move || {
        let db = Database::connect(&config)?;
        let applied = db::run_migrations(&db)?;
        Ok::<_, db::DbError>((db, config, applied))
    })
    .await;
    match setup {
        Ok(Ok((db, config, applied))) => {
            for version in &applied {
                rocket::info!("applied migration {version}");
            }
            rocket::info!(
                "replichat on {:?} ({}), pull strategy {:?}",
                db.backend(),
                redact(&config.database_url),
                config.pull_strategy
            );
            match Services::new(db, config, PokeHub::new()) {
                Ok(services) => Ok(rocket.manage(Arc::new(services))),
                Err(e) => {
                    rocket::error!("invalid replichat configuration: {e}");
                    Err(rocket)
                }
            }
        }
        Ok(Err(e)) => {
            rocket::error!("cannot open the database: {e}");
            Err(rocket)
        }
        Err(e) => {
            rocket::error!("database set-up task failed: {e}");
            Err(rocket)
        }
    }
}

/// A database URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
