//! Decoding a push or pull body: its protocol version is read first (a v0 body has
//! another shape), then the rest. The one place where both requests are checked.

use super::{ProtocolError, VersionType};
use crate::error::ApiError;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// The only protocol version this server speaks.
pub const PROTOCOL_VERSION: i64 = 1;

/// A request body that carries a protocol version (`pushVersion` or `pullVersion`).
pub trait VersionedRequest: DeserializeOwned {
    /// Which version field it carries, and what a refusal names.
    const VERSION_TYPE: VersionType;
}

/// A decoded body: the request, or the refusal of a version this server does not speak.
#[derive(Debug)]
pub enum Versioned<T> {
    /// A request of the supported version.
    Supported(T),
    /// `VersionNotSupported`, answered with HTTP 200.
    Unsupported(ProtocolError),
}

/// Both version fields, whatever else the body holds (other members are skipped).
#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
struct Probe {
    #[serde(rename = "pushVersion")]
    push_version: Option<Value>,
    #[serde(rename = "pullVersion")]
    pull_version: Option<Value>,
}

/// Decodes `body` as `T`. A body that is not a JSON object, lacks the version field or
/// is malformed is a 400; a version other than [`PROTOCOL_VERSION`] is refused with
/// Replicache's `VersionNotSupported` body, before the rest is looked at.
pub fn decode_request<T: VersionedRequest>(body: &[u8]) -> Result<Versioned<T>, ApiError> {
    let starts_as_object = body
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|&byte| byte == b'{');
    if !starts_as_object {
        return Err(ApiError::bad_request(
            "invalid request body: expected a JSON object",
        ));
    }
    let probe: Probe = parse(body)?;
    let (field, version) = match T::VERSION_TYPE {
        VersionType::Pull => ("pullVersion", probe.pull_version),
        VersionType::Push | VersionType::Schema => ("pushVersion", probe.push_version),
    };
    match version {
        None => Err(ApiError::bad_request(format!("{field} is required"))),
        Some(v) if v.as_i64() != Some(PROTOCOL_VERSION) => {
            Ok(Versioned::Unsupported(ProtocolError::VersionNotSupported {
                version_type: T::VERSION_TYPE,
            }))
        }
        Some(_) => parse(body).map(Versioned::Supported),
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))
}

/// A Replicache error body as JSON.
pub fn encode_refusal(refusal: &ProtocolError) -> String {
    serde_json::to_string(refusal).unwrap_or_else(|_| "{}".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::PushRequest;

    fn decode(body: &str) -> Result<Versioned<PushRequest>, ApiError> {
        decode_request(body.as_bytes())
    }

    #[test]
    fn the_version_is_checked_before_the_shape() {
        let v0 = r#"{"pushVersion": 0, "clientID": "c", "mutations": [{"id": 1}]}"#;
        assert!(matches!(decode(v0), Ok(Versioned::Unsupported(_))));
        let v1 = r#"{"pushVersion": 1, "clientGroupID": "g", "mutations": []}"#;
        assert!(matches!(decode(v1), Ok(Versioned::Supported(_))));
        for malformed in [
            "null",
            "[]",
            "",
            r#"{"mutations": []}"#,
            r#"{"pushVersion": 1}"#,
        ] {
            let error = decode(malformed).err().map(|e| e.status.code);
            assert_eq!(error, Some(400), "{malformed}");
        }
    }
}
