//! JSON catchers: no error is ever answered with an HTML page.

use crate::error::{ApiError, ErrorKind};
use rocket::fairing::AdHoc;
use rocket::http::Status;
use rocket::{Catcher, Request};

#[rocket::catch(default)]
fn any_status(status: Status, _req: &Request<'_>) -> ApiError {
    ApiError::from_status(status)
}

#[rocket::catch(404)]
fn not_found(req: &Request<'_>) -> ApiError {
    ApiError::new(
        ErrorKind::NotFound,
        format!("no route for {} {}", req.method(), req.uri().path()),
    )
}

#[rocket::catch(413)]
fn too_large(_req: &Request<'_>) -> ApiError {
    ApiError::payload_too_large("request body is larger than the configured limit")
}

/// Registers JSON catchers for every error status.
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("JSON catchers", |rocket| async move {
        rocket.register("/", catchers())
    })
}

fn catchers() -> Vec<Catcher> {
    rocket::catchers![any_status, not_found, too_large]
}
