//! The request body guard: bounded, JSON content type, parsed on demand.

use crate::dto::replace_lone_surrogates;
use crate::error::ApiError;
use crate::service::Services;
use rocket::data::{self, ByteUnit, Data, FromData};
use rocket::http::Status;
use rocket::outcome::Outcome;
use rocket::request::Request;
use serde::Deserialize;
use std::sync::Arc;

/// The bytes of a JSON request body, at most the configured `body_limit`, with lone
/// surrogate escapes replaced (see [`replace_lone_surrogates`]).
#[derive(Debug)]
pub struct JsonBody(Vec<u8>);

impl JsonBody {
    /// Decodes the body as `T`; malformed input is a 400.
    pub fn parse<'a, T: Deserialize<'a>>(&'a self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.0)
            .map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))
    }
}

fn is_json(req: &Request<'_>) -> bool {
    match req.content_type() {
        None => true,
        Some(ct) => {
            ct.is_json() || (ct.top() == "application" && ct.sub().as_str().ends_with("+json"))
        }
    }
}

fn fail<'r>(error: ApiError) -> data::Outcome<'r, JsonBody> {
    Outcome::Error((error.status, error))
}

#[rocket::async_trait]
impl<'r> FromData<'r> for JsonBody {
    type Error = ApiError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        if !is_json(req) {
            return fail(ApiError::bad_request(
                "Content-Type must be application/json",
            ));
        }
        let limit = req
            .rocket()
            .state::<Arc<Services>>()
            .map_or(ByteUnit::Mebibyte(32), |s| s.config.body_limit);
        match data.open(limit).into_bytes().await {
            Ok(bytes) if bytes.is_complete() => {
                let mut bytes = bytes.into_inner();
                replace_lone_surrogates(&mut bytes);
                Outcome::Success(JsonBody(bytes))
            }
            Ok(_) => fail(ApiError::payload_too_large(format!(
                "request body is larger than the limit of {limit}"
            ))),
            Err(e) => fail(ApiError::new(
                Status::BadRequest,
                "bad_request",
                format!("could not read the request body: {e}"),
            )),
        }
    }
}
