//! Wire types of the Replicache protocol v1 and the mapping from rows to patch operations.
//! DTOs derive no Diesel traits; field names are the protocol's (`clientGroupID`, ...).

mod cookie;
mod identifier;
mod lone_surrogates;
mod patch;
mod protocol_error;
mod pull;
mod push;

pub use cookie::{smallest_cookie_above, RequestCookie};
pub use identifier::MAX_IDENTIFIER_BYTES;
pub use lone_surrogates::replace_lone_surrogates;
pub use patch::{MessageKey, MessageValue, PatchOp};
pub use protocol_error::{ProtocolError, VersionType};
pub use pull::{
    assemble_full_view, render_op, PatchSource, PullPayload, PullRequest, PullResponse,
};
pub use push::{Mutation, PushRequest};

use serde::Deserialize;

/// The version fields of a request, read before the rest of the body is validated
/// (a v0 body has another shape).
#[derive(Debug, Default, Deserialize)]
pub struct VersionProbe {
    /// `pushVersion` of a push request.
    #[serde(rename = "pushVersion")]
    pub push_version: Option<serde_json::Value>,
    /// `pullVersion` of a pull request.
    #[serde(rename = "pullVersion")]
    pub pull_version: Option<serde_json::Value>,
}

/// The only protocol version this server speaks.
pub const PROTOCOL_VERSION: i64 = 1;

/// True when `value` is the JSON number 1.
pub fn is_supported_version(value: Option<&serde_json::Value>) -> bool {
    value.and_then(serde_json::Value::as_i64) == Some(PROTOCOL_VERSION)
}
