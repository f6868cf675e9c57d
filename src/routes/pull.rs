//! `POST /api/replicache-pull`.

use super::push::render;
use super::{blocking, JsonBody};
use crate::auth::Caller;
use crate::dto::{
    is_supported_version, ProtocolError, PullRequest, PullResponse, VersionProbe, VersionType,
};
use crate::error::ApiError;
use crate::service::{PullOutcome, Services};
use rocket::response::content::RawJson;
use rocket::State;
use std::sync::Arc;

/// Answers a pull; Replicache error bodies are answered with HTTP 200.
#[rocket::post("/api/replicache-pull", data = "<body>")]
pub async fn pull(
    body: Result<JsonBody, ApiError>,
    caller: Result<Caller, ApiError>,
    services: &State<Arc<Services>>,
) -> Result<RawJson<String>, ApiError> {
    let (body, caller) = (body?, caller?);
    let services = Arc::clone(services);
    blocking(move || {
        let probe: VersionProbe = body.parse()?;
        match probe.pull_version {
            None => return Err(ApiError::bad_request("pullVersion is required")),
            Some(v) if !is_supported_version(Some(&v)) => {
                return Ok(render(&ProtocolError::VersionNotSupported {
                    version_type: VersionType::Pull,
                }))
            }
            Some(_) => {}
        }
        let request: PullRequest = body.parse()?;
        match services.pull(&caller, &request)? {
            PullOutcome::Patch(payload) => serde_json::to_string(&PullResponse::from(&payload))
                .map(RawJson)
                .map_err(|e| ApiError::internal(format!("cannot encode pull response: {e}"))),
            PullOutcome::Refused(refusal) => Ok(render(&refusal)),
        }
    })
    .await
}
