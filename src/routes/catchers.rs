//! JSON catchers: no error is ever answered with an HTML page.

use crate::error::ApiError;
use rocket::http::Status;
use rocket::{Catcher, Request};

#[rocket::catch(default)]
fn any_status(status: Status, _req: &Request<'_>) -> ApiError {
    ApiError::from_status(status)
}

#[rocket::catch(404)]
fn not_found(req: &Request<'_>) -> ApiError {
    ApiError::new(
        Status::NotFound,
        "not_found",
        format!("no route for {} {}", req.method(), req.uri().path()),
    )
}

#[rocket::catch(413)]
fn too_large(_req: &Request<'_>) -> ApiError {
    ApiError::payload_too_large("request body is larger than the configured limit")
}

/// Every catcher of the application.
pub fn all() -> Vec<Catcher> {
    rocket::catchers![any_status, not_found, too_large]
}
