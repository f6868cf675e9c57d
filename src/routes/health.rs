//! `GET /healthz` and `GET /metrics`: what operators and probes read.

use super::blocking;
use crate::db::Database;
use crate::error::ApiError;
use crate::observability::{Metrics, Snapshot};
use crate::poke::PokeHub;
use rocket::fairing::AdHoc;
use rocket::http::ContentType;
use rocket::serde::json::{json, Value};
use rocket::State;
use std::sync::Arc;

/// What `/healthz` checks: the database.
pub struct Health(Arc<Database>);

/// What `/metrics` samples: the metrics, and the pool and poke hub for the gauges.
pub struct MetricsPage {
    metrics: Arc<Metrics>,
    db: Arc<Database>,
    hub: PokeHub,
}

/// Mounts `/healthz` and `/metrics`.
pub fn stage(db: Arc<Database>, metrics: Arc<Metrics>, hub: PokeHub) -> AdHoc {
    let health = Health(Arc::clone(&db));
    let page = MetricsPage { metrics, db, hub };
    AdHoc::on_ignite("health and metrics", move |rocket| async move {
        rocket
            .manage(health)
            .manage(page)
            .mount("/", rocket::routes![healthz, metrics])
    })
}

/// 200 when a pooled connection answers `SELECT 1`, otherwise 503 with a JSON error.
#[rocket::get("/healthz")]
pub async fn healthz(health: &State<Health>) -> Result<Value, ApiError> {
    let db = Arc::clone(&health.0);
    blocking(move || {
        db.ping()
            .map_err(|e| ApiError::unavailable(format!("database unreachable: {e}")))?;
        let backend = format!("{:?}", db.backend()).to_lowercase();
        Ok(json!({"status": "ok", "database": backend, "version": crate::VERSION}))
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
