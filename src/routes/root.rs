//! `GET /`: a short description of the service.

use rocket::serde::json::{json, Value};

/// Names the service and its endpoints.
#[rocket::get("/")]
pub fn index() -> Value {
    json!({
        "service": "replichat",
        "endpoints": {
            "push": "POST /api/replicache-push",
            "pull": "POST /api/replicache-pull",
            "poke": "GET /api/replicache-poke",
            "health": "GET /healthz",
        }
    })
}
