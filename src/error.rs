//! The HTTP API's error: a status, a kind and a message, answered as
//! `{"error": kind, "message": ...}`.
//!
//! **Error policy** — which type belongs to which layer:
//! - [`crate::db::DbError`]: a failure talking to the database (db layer). It says
//!   whether it is transient; the transaction runner retries those (db::transaction).
//! - `service::{PushFailure, PullFailure}` and a mutator's `Rejection`: why a flow
//!   stopped, private to the service layer. A rejection is permanent and only consumes
//!   the mutation's id; failures leave the service as an [`ApiError`] or a
//!   [`crate::dto::ProtocolError`].
//! - [`crate::dto::ProtocolError`]: Replicache's two error bodies. They are answers,
//!   not failures: always HTTP 200, because the client only reads bodies of a 200.
//! - [`ApiError`]: everything the HTTP edge answers with another status. Malformed
//!   input is a 4xx, a database that stayed unavailable a 503 with `Retry-After`, and
//!   a bug a 500 whose details go to the log, never to the client. Nothing on a
//!   request path panics or unwraps.

use crate::db::{DbError, Transient};
use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde::Serialize;
use std::io::Cursor;

/// The stable, machine-readable kind of an error: the `error` member of its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// 400: the request is malformed.
    BadRequest,
    /// 401: authentication is enabled and the token is missing or invalid.
    Unauthorized,
    /// 403: the caller may not use this client group or client.
    Forbidden,
    /// 404: no such route or file.
    NotFound,
    /// 405: the route exists for another method.
    MethodNotAllowed,
    /// 413: the body exceeds the configured limit.
    PayloadTooLarge,
    /// 415: a body of a type the route does not take.
    UnsupportedMediaType,
    /// 422: a well-formed body of the wrong shape.
    UnprocessableEntity,
    /// 503: the database is unreachable or stayed busy through every retry.
    Unavailable,
    /// 500 (or another 5xx): a bug; details are logged only.
    Internal,
    /// Any other status a catcher answers.
    Error,
}

impl ErrorKind {
    /// The status an error of this kind is answered with (`Error` has none of its own).
    pub fn status(self) -> Status {
        match self {
            ErrorKind::BadRequest => Status::BadRequest,
            ErrorKind::Unauthorized => Status::Unauthorized,
            ErrorKind::Forbidden => Status::Forbidden,
            ErrorKind::NotFound => Status::NotFound,
            ErrorKind::MethodNotAllowed => Status::MethodNotAllowed,
            ErrorKind::PayloadTooLarge => Status::PayloadTooLarge,
            ErrorKind::UnsupportedMediaType => Status::UnsupportedMediaType,
            ErrorKind::UnprocessableEntity => Status::UnprocessableEntity,
            ErrorKind::Unavailable => Status::ServiceUnavailable,
            ErrorKind::Internal | ErrorKind::Error => Status::InternalServerError,
        }
    }

    /// The kind that names `status`.
    pub fn of_status(status: Status) -> Self {
        let kinds = [
            ErrorKind::BadRequest,
            ErrorKind::Unauthorized,
            ErrorKind::Forbidden,
            ErrorKind::NotFound,
            ErrorKind::MethodNotAllowed,
            ErrorKind::PayloadTooLarge,
            ErrorKind::UnsupportedMediaType,
            ErrorKind::UnprocessableEntity,
            ErrorKind::Unavailable,
        ];
        match kinds.into_iter().find(|kind| kind.status() == status) {
            Some(kind) => kind,
            None if status.code >= 500 => ErrorKind::Internal,
            None => ErrorKind::Error,
        }
    }
}

/// An error answered to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: Status,
    /// What went wrong, machine-readably.
    pub kind: ErrorKind,
    /// Human-readable explanation.
    pub message: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorKind,
    message: &'a str,
}

impl ApiError {
    /// An error of `kind`, answered with the kind's status.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            status: kind.status(),
            kind,
            message: message.into(),
        }
    }

    /// 400: the request is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }

    /// 401: authentication is enabled and the token is missing or invalid.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, message)
    }

    /// 403: the caller may not use this client group or client.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }

    /// 413: the body exceeds the configured limit.
    pub fn payload_too_large(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::PayloadTooLarge, message)
    }

    /// 503: the database is unreachable or stayed busy through every retry.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    /// 500: a bug; the message is logged, the client gets a generic text.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// The error a catcher answers for a bare status.
    pub fn from_status(status: Status) -> Self {
        ApiError {
            status,
            kind: ErrorKind::of_status(status),
            message: status.reason().unwrap_or("error").to_string(),
        }
    }

    /// The JSON body of this error, as the client sees it (a 500's details withheld).
    pub fn body(&self) -> String {
        let message = if self.status == Status::InternalServerError {
            "internal server error"
        } else {
            &self.message
        };
        let body = ErrorBody {
            error: self.kind,
            message,
        };
        serde_json::to_string(&body).unwrap_or_else(|_| r#"{"error":"internal"}"#.to_string())
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        if e.is_transient() {
            ApiError::unavailable(format!("database temporarily unavailable: {e}"))
        } else {
            ApiError::internal(e.to_string())
        }
    }
}

impl<'r> Responder<'r, 'static> for ApiError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        if self.status.code >= 500 {
            rocket::error!(
                "{} {} -> {}: {}",
                req.method(),
                req.uri(),
                self.status,
                self.message
            );
        }
        let body = self.body();
        let mut response = Response::build();
        response
            .status(self.status)
            .header(ContentType::JSON)
            .sized_body(body.len(), Cursor::new(body));
        if self.status == Status::ServiceUnavailable {
            response.header(Header::new("Retry-After", "1"));
        }
        if self.status == Status::Unauthorized {
            response.header(Header::new(
                "WWW-Authenticate",
                "Bearer realm=\"replichat\"",
            ));
        }
        response.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_agree_and_500s_keep_their_details_to_themselves() {
        for code in [400, 401, 403, 404, 405, 413, 415, 422, 503] {
            let status = Status::new(code);
            assert_eq!(ErrorKind::of_status(status).status(), status, "{code}");
        }
        assert_eq!(ErrorKind::of_status(Status::new(502)), ErrorKind::Internal);
        assert_eq!(ErrorKind::of_status(Status::new(418)), ErrorKind::Error);
        let body = ApiError::bad_request("nope").body();
        assert_eq!(body, r#"{"error":"bad_request","message":"nope"}"#);
        let hidden = ApiError::internal("secret detail").body();
        assert_eq!(
            hidden,
            r#"{"error":"internal","message":"internal server error"}"#
        );
    }
}
