//! The two error bodies Replicache understands; always sent with HTTP 200.

use serde::Serialize;

/// Which version a `VersionNotSupported` answer refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionType {
    /// `pushVersion`.
    Push,
    /// `pullVersion`.
    Pull,
    /// `schemaVersion`.
    Schema,
}

/// A protocol-level refusal the client reacts to (docs/protocol.md §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "error")]
pub enum ProtocolError {
    /// The server no longer has (or never had) this client's state.
    ClientStateNotFound,
    /// The request's protocol or schema version is not served.
    VersionNotSupported {
        /// Which version is refused.
        #[serde(rename = "versionType")]
        version_type: VersionType,
    },
}
