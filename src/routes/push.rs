//! `POST /api/replicache-push`.

use super::{blocking, JsonBody};
use crate::auth::Caller;
use crate::dto::{is_supported_version, ProtocolError, PushRequest, VersionProbe, VersionType};
use crate::error::ApiError;
use crate::service::{PushOutcome, Services};
use rocket::response::content::RawJson;
use rocket::State;
use std::sync::Arc;

/// Applies a push; Replicache error bodies are answered with HTTP 200.
#[rocket::post("/api/replicache-push", data = "<body>")]
pub async fn push(
    body: Result<JsonBody, ApiError>,
    caller: Result<Caller, ApiError>,
    services: &State<Arc<Services>>,
) -> Result<RawJson<String>, ApiError> {
    let (body, caller) = (body?, caller?);
    let services = Arc::clone(services);
    blocking(move || {
        let probe: VersionProbe = body.parse()?;
        match probe.push_version {
            None => return Err(ApiError::bad_request("pushVersion is required")),
            Some(v) if !is_supported_version(Some(&v)) => {
                return Ok(render(&ProtocolError::VersionNotSupported {
                    version_type: VersionType::Push,
                }))
            }
            Some(_) => {}
        }
        let request: PushRequest = body.parse()?;
        match services.push(caller, request)? {
            PushOutcome::Accepted(_) => Ok(RawJson("{}".to_string())),
            PushOutcome::Refused(refusal, _) => Ok(render(&refusal)),
        }
    })
    .await
}

/// A Replicache error body as JSON.
pub(super) fn render(refusal: &ProtocolError) -> RawJson<String> {
    RawJson(serde_json::to_string(refusal).unwrap_or_else(|_| "{}".to_string()))
}
