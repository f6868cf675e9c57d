//! JSON catchers: no error is ever answered with an HTML page, and a known path asked
//! with the wrong method is a 405 naming the methods it takes.

use crate::error::{ApiError, ErrorKind};
use rocket::fairing::AdHoc;
use rocket::http::{Method, Status};
use rocket::response::{self, Responder};
use rocket::Either;
use rocket::{Catcher, Request};

/// A 405 with the `Allow` header.
struct MethodNotAllowed {
    error: ApiError,
    allow: String,
}

impl<'r> Responder<'r, 'static> for MethodNotAllowed {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let mut response = self.error.respond_to(req)?;
        response.set_raw_header("Allow", self.allow);
        Ok(response)
    }
}

/// The methods of the mounted routes whose path is exactly the request's (routes with
/// dynamic segments, such as the chat page's files, are not counted).
fn methods_for(req: &Request<'_>) -> Vec<Method> {
    let path = req.uri().path();
    let mut methods: Vec<Method> = req
        .rocket()
        .routes()
        .filter(|route| {
            let template = route.uri.path();
            !template.contains('<') && template == path.as_str()
        })
        .map(|route| route.method)
        .collect();
    methods.sort_by_key(|m| m.as_str());
    methods.dedup();
    methods
}

#[rocket::catch(default)]
fn any_status(status: Status, _req: &Request<'_>) -> ApiError {
    ApiError::from_status(status)
}

#[rocket::catch(404)]
fn not_found(req: &Request<'_>) -> Either<ApiError, MethodNotAllowed> {
    let (method, path) = (req.method(), req.uri().path());
    let methods = methods_for(req);
    if methods.is_empty() || methods.contains(&method) {
        let message = format!("no route for {method} {path}");
        return Either::Left(ApiError::new(ErrorKind::NotFound, message));
    }
    let allow: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
    let allow = allow.join(", ");
    let message = format!("{path} takes {allow}, not {method}");
    Either::Right(MethodNotAllowed {
        error: ApiError::new(ErrorKind::MethodNotAllowed, message),
        allow,
    })
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
