//! Probes and metrics: what operators and orchestrators read.
//! - `GET /livez`: the process answers (no database involved);
//! - `GET /healthz`: the database answers;
//! - `GET /readyz`: ready for traffic: migrated (the process only serves once it has
//!   migrated), the database answers, and on PostgreSQL the poke listener is connected;
//! - `GET /metrics`: on the main port, on a listener of its own, or nowhere
//!   (`metrics_address`).

use super::blocking;
use super::settings::MetricsPlacement;
use crate::db::Database;
use crate::error::ApiError;
use crate::observability::{Metrics, Snapshot};
use crate::poke::{ListenerStatus, PokeHub};
use rocket::config::{LogLevel, Shutdown as ShutdownConfig};
use rocket::fairing::AdHoc;
use rocket::http::ContentType;
use rocket::serde::json::{json, Value};
use rocket::{Shutdown, State};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// What `/healthz` and `/readyz` check: the database, and the poke listener of a
/// PostgreSQL process (`None` on SQLite, which has none).
pub struct Health {
    db: Arc<Database>,
    listener: Option<ListenerStatus>,
}

/// What `/metrics` samples: the metrics, and the pool and poke hub for the gauges.
#[derive(Clone)]
pub struct MetricsPage {
    metrics: Arc<Metrics>,
    db: Arc<Database>,
    hub: PokeHub,
}

/// Mounts the probes, and `/metrics` where `placement` says.
pub fn stage(
    db: Arc<Database>,
    listener: Option<ListenerStatus>,
    metrics: Arc<Metrics>,
    hub: PokeHub,
    placement: MetricsPlacement,
) -> AdHoc {
    let health = Health {
        db: Arc::clone(&db),
        listener,
    };
    let page = MetricsPage { metrics, db, hub };
    AdHoc::on_ignite("probes and metrics", move |rocket| async move {
        let rocket = rocket
            .manage(health)
            .mount("/", rocket::routes![livez, healthz, readyz]);
        match placement {
            MetricsPlacement::MainPort => rocket.manage(page).mount("/", rocket::routes![metrics]),
            MetricsPlacement::Off => rocket,
            MetricsPlacement::Own(address) => {
                let (start, stop) = metrics_listener(address, page);
                rocket.attach(start).attach(stop)
            }
        }
    })
}

/// 200 whenever the process can answer at all.
#[rocket::get("/livez")]
pub fn livez() -> Value {
    json!({"status": "alive", "version": crate::VERSION})
}

/// 200 when a pooled connection answers `SELECT 1`, otherwise 503 with a JSON error.
#[rocket::get("/healthz")]
pub async fn healthz(health: &State<Health>) -> Result<Value, ApiError> {
    let db = Arc::clone(&health.db);
    blocking(move || {
        db.ping()
            .map_err(|e| ApiError::unavailable(format!("database unreachable: {e}")))?;
        let backend = format!("{:?}", db.backend()).to_lowercase();
        Ok(json!({"status": "ok", "database": backend, "version": crate::VERSION}))
    })
    .await
}

/// 200 when the process should get traffic: the database answers and, on PostgreSQL,
/// the poke listener is connected (without it, other processes' commits would not
/// poke this one's streams). Otherwise 503 saying which is missing.
#[rocket::get("/readyz")]
pub async fn readyz(health: &State<Health>) -> Result<Value, ApiError> {
    let db = Arc::clone(&health.db);
    let listener = health.listener.as_ref().map(ListenerStatus::is_listening);
    blocking(move || {
        db.ping()
            .map_err(|e| ApiError::unavailable(format!("not ready: database unreachable: {e}")))?;
        let listener = match listener {
            Some(true) => "listening",
            Some(false) => {
                return Err(ApiError::unavailable(
                    "not ready: the poke listener is not connected to PostgreSQL",
                ))
            }
            None => "none",
        };
        Ok(json!({
            "status": "ready",
            "migrated": true,
            "database": format!("{:?}", db.backend()).to_lowercase(),
            "listener": listener,
            "version": crate::VERSION,
        }))
    })
    .await
}

/// The process's metrics in the Prometheus text format, gauges sampled now.
#[rocket::get("/metrics")]
pub fn metrics(page: &State<MetricsPage>) -> (ContentType, String) {
    let content_type = ContentType::new("text", "plain").with_params(("version", "0.0.4"));
    let (pool_connections, pool_idle) = page.db.pool_state();
    let snapshot = Snapshot {
        sse_streams: page.hub.subscribers(),
        pool_connections,
        pool_idle,
    };
    (content_type, page.metrics.render(snapshot))
}

/// Serves `/metrics` on `address` from lift-off until the application shuts down: the
/// fairing that starts it and the one that stops it.
fn metrics_listener(address: SocketAddr, page: MetricsPage) -> (AdHoc, AdHoc) {
    let running: Arc<Mutex<Option<Shutdown>>> = Arc::default();
    let stopper = Arc::clone(&running);
    let start = AdHoc::on_liftoff("metrics listener", move |_| {
        Box::pin(async move {
            let config = rocket::Config {
                address: address.ip(),
                port: address.port(),
                log_level: LogLevel::Off,
                // The application's own signal handling stops this one.
                shutdown: ShutdownConfig {
                    ctrlc: false,
                    #[cfg(unix)]
                    signals: Default::default(),
                    ..ShutdownConfig::default()
                },
                ..rocket::Config::default()
            };
            let server = rocket::custom(config)
                .manage(page)
                .mount("/", rocket::routes![metrics])
                .attach(super::catchers::stage());
            match server.ignite().await {
                Ok(server) => {
                    *running.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(server.shutdown());
                    rocket::info!("metrics on http://{address}/metrics");
                    rocket::tokio::spawn(async move {
                        if let Err(e) = server.launch().await {
                            rocket::error!("metrics listener on {address} failed: {e}");
                        }
                    });
                }
                Err(e) => rocket::error!("metrics listener on {address} failed: {e}"),
            }
        })
    });
    let stop = AdHoc::on_shutdown("metrics listener stop", move |_| {
        Box::pin(async move {
            if let Some(shutdown) = stopper
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
            {
                shutdown.notify();
            }
        })
    });
    (start, stop)
}
