//! The protocol's settings: how pulls are answered, which schema versions are served
//! and the bounds on mutator arguments.

use serde::{Deserialize, Serialize};

/// How a pull computes its patch (docs/protocol.md §8). Both use the global version
/// as cookie, so switching strategy never breaks a client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PullStrategy {
    /// `clear` followed by the whole view whenever the cookie changed (the seed's
    /// behaviour).
    Reset,
    /// Only entries and clients changed since the request's cookie.
    #[default]
    Version,
}

/// How pulls are answered and which schema versions are served.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProtocolSettings {
    /// Pull strategy, `reset` or `version`.
    pub pull_strategy: PullStrategy,
    /// Accepted `schemaVersion` values; empty accepts every version.
    pub schema_versions: Vec<String>,
}

impl ProtocolSettings {
    /// True when `schema_version` is served.
    pub fn accepts_schema_version(&self, schema_version: &str) -> bool {
        self.schema_versions.is_empty() || self.schema_versions.iter().any(|v| v == schema_version)
    }
}
