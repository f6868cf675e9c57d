//! `GET /healthz`.

use super::blocking;
use crate::error::ApiError;
use crate::service::Services;
use rocket::serde::json::{json, Value};
use rocket::State;
use std::sync::Arc;

/// 200 when a pooled connection answers `SELECT 1`, otherwise 503 with a JSON error.
#[rocket::get("/healthz")]
pub async fn healthz(services: &State<Arc<Services>>) -> Result<Value, ApiError> {
    let services = Arc::clone(services);
    blocking(move || {
        services
            .db
            .ping()
            .map_err(|e| ApiError::unavailable(format!("database unreachable: {e}")))?;
        let backend = format!("{:?}", services.db.backend()).to_lowercase();
        Ok(json!({"status": "ok", "database": backend}))
    })
    .await
}
