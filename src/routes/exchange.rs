//! decode → call → encode, shared by push and pull: where the body is decoded (its
//! protocol version first) and a version this server does not speak is answered with
//! Replicache's error body.

use super::blocking;
use super::body::JsonBody;
use crate::auth::Caller;
use crate::dto::{encode_refusal, Versioned, VersionedRequest};
use crate::error::ApiError;
use rocket::response::content::RawJson;

/// Decodes `body` as a `T` (a version this server does not speak is answered with
/// Replicache's `VersionNotSupported` body), runs `call` off the async executor and
/// answers its JSON text.
pub(super) async fn exchange<T, F>(
    body: Result<JsonBody, ApiError>,
    caller: Result<Caller, ApiError>,
    call: F,
) -> Result<RawJson<String>, ApiError>
where
    T: VersionedRequest + Send + 'static,
    F: FnOnce(Caller, T) -> Result<String, ApiError> + Send + 'static,
{
    let (body, caller) = (body?, caller?);
    let answer = blocking(move || match body.decode::<T>()? {
        Versioned::Unsupported(refusal) => Ok(encode_refusal(&refusal)),
        Versioned::Supported(request) => call(caller, request),
    });
    answer.await.map(RawJson)
}
