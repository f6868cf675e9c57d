//! The request body guard: bounded, JSON content type, decoded on demand.

use crate::dto::{decode_request, replace_lone_surrogates, Versioned, VersionedRequest};
use crate::error::ApiError;
use rocket::data::{self, ByteUnit, Data, FromData};
use rocket::outcome::Outcome;
use rocket::request::Request;
use rocket::State;

/// The largest body the guard reads (the `body_limit` setting), managed by the stage
/// that mounts routes taking a [`JsonBody`].
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub ByteUnit);

/// The bytes of a JSON request body, at most the [`BodyLimit`], with lone surrogate
/// escapes replaced (see [`replace_lone_surrogates`]).
#[derive(Debug)]
pub struct JsonBody(Vec<u8>);

impl JsonBody {
    /// Decodes a versioned request (push or pull); malformed input is a 400.
    pub fn decode<T: VersionedRequest>(&self) -> Result<Versioned<T>, ApiError> {
        decode_request(&self.0)
    }

    /// Decodes any other request body; malformed input is a 400.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
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
        let limit = match req.guard::<&State<BodyLimit>>().await {
            Outcome::Success(limit) => limit.0,
            _ => return fail(ApiError::internal("the body limit is not managed")),
        };
        match data.open(limit).into_bytes().await {
            Ok(bytes) if bytes.is_complete() => {
                let mut bytes = bytes.into_inner();
                replace_lone_surrogates(&mut bytes);
                Outcome::Success(JsonBody(bytes))
            }
            Ok(_) => fail(ApiError::payload_too_large(format!(
                "request body is larger than the limit of {limit}"
            ))),
            Err(e) => fail(ApiError::bad_request(format!(
                "could not read the request body: {e}"
            ))),
        }
    }
}
