//! `GET /metrics`: Prometheus text exposition.

use crate::service::Services;
use rocket::http::ContentType;
use rocket::State;
use std::sync::Arc;

/// The process's metrics in the Prometheus text format.
#[rocket::get("/metrics")]
pub fn metrics(services: &State<Arc<Services>>) -> (ContentType, String) {
    let content_type = ContentType::new("text", "plain").with_params(("version", "0.0.4"));
    (content_type, services.render_metrics())
}
