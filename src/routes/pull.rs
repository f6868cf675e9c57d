//! `POST /api/replicache-pull`.

use super::body::JsonBody;
use super::exchange::exchange;
use crate::auth::Caller;
use crate::dto::{encode_refusal, PullRequest};
use crate::error::ApiError;
use crate::service::{PullOutcome, PullService};
use rocket::response::content::RawJson;
use rocket::State;

/// Answers a pull: the response, or a Replicache error body, with HTTP 200.
#[rocket::post("/api/replicache-pull", data = "<body>")]
pub async fn pull(
    body: Result<JsonBody, ApiError>,
    caller: Result<Caller, ApiError>,
    service: &State<PullService>,
) -> Result<RawJson<String>, ApiError> {
    let service = service.inner().clone();
    exchange(
        body,
        caller,
        move |caller, request: PullRequest| match service.pull(&caller, &request)? {
            PullOutcome::Patch(payload) => payload
                .encode()
                .map_err(|e| ApiError::internal(format!("cannot encode pull response: {e}"))),
            PullOutcome::Refused(refusal) => Ok(encode_refusal(&refusal)),
        },
    )
    .await
}
