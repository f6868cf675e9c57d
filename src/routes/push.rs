//! `POST /api/replicache-push`.

use super::body::JsonBody;
use super::exchange::exchange;
use crate::auth::Caller;
use crate::dto::{encode_refusal, PushRequest};
use crate::error::ApiError;
use crate::service::{PushOutcome, PushService};
use rocket::response::content::RawJson;
use rocket::State;

/// Applies a push: `{}`, or a Replicache error body, with HTTP 200.
#[rocket::post("/api/replicache-push", data = "<body>")]
pub async fn push(
    body: Result<JsonBody, ApiError>,
    caller: Result<Caller, ApiError>,
    service: &State<PushService>,
) -> Result<RawJson<String>, ApiError> {
    let service = service.inner().clone();
    exchange(body, caller, move |caller, request: PushRequest| {
        Ok(match service.push(caller, request)? {
            PushOutcome::Accepted(_) => "{}".to_string(),
            PushOutcome::Refused(refusal, _) => encode_refusal(&refusal),
        })
    })
    .await
}
