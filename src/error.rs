//! The one error type of the HTTP API: a status plus `{"error": kind, "message": ...}`.

use crate::db::DbError;
use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde::Serialize;
use std::io::Cursor;

/// An error answered to the client. `kind` is a stable snake_case identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: Status,
    /// Stable machine-readable kind, e.g. `bad_request`.
    pub kind: &'static str,
    /// Human-readable explanation.
    pub message: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
}

impl ApiError {
    /// An error with an explicit status and kind.
    pub fn new(status: Status, kind: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            message: message.into(),
        }
    }

    /// 400: the request envelope is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(Status::BadRequest, "bad_request", message)
    }

    /// 401: authentication is enabled and the token is missing or invalid.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(Status::Unauthorized, "unauthorized", message)
    }

    /// 403: the caller may not use this client group or client.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(Status::Forbidden, "forbidden", message)
    }

    /// 413: the body exceeds the configured limit.
    pub fn payload_too_large(message: impl Into<String>) -> Self {
        Self::new(Status::PayloadTooLarge, "payload_too_large", message)
    }

    /// 503: the database is unreachable or stayed busy through every retry.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(Status::ServiceUnavailable, "unavailable", message)
    }

    /// 500: a bug; the message is logged, the client gets a generic text.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Status::InternalServerError, "internal", message)
    }

    /// The error a catcher answers for a bare status.
    pub fn from_status(status: Status) -> Self {
        let kind = match status.code {
            400 => "bad_request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "not_found",
            405 => "method_not_allowed",
            413 => "payload_too_large",
            415 => "unsupported_media_type",
            422 => "unprocessable_entity",
            503 => "unavailable",
            500..=599 => "internal",
            _ => "error",
        };
        let message = status.reason().unwrap_or("error").to_string();
        Self::new(status, kind, message)
    }

    /// The JSON body of this error.
    pub fn body(&self) -> String {
        let body = ErrorBody {
            error: self.kind,
            message: &self.message,
        };
        serde_json::to_string(&body).unwrap_or_else(|_| r#"{"error":"internal"}"#.to_string())
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        use crate::db::Transient;
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
        let body = if self.status == Status::InternalServerError {
            ApiError::internal("internal server error").body()
        } else {
            self.body()
        };
        let mut response = Response::build();
        response
            .status(self.status)
            .header(ContentType::JSON)
            .sized_body(body.len(), Cursor::new(body));
        if self.status == Status::ServiceUnavailable {
            response.header(Header::new("Retry-After", "1"));
        }
        response.ok()
    }
}
