//! Push request (`pushVersion: 1`).

use super::identifier::identifier;
use serde::Deserialize;
use serde_json::Value;

/// A push request. Unknown fields are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct PushRequest {
    /// Protocol version; 1.
    #[serde(rename = "pushVersion")]
    pub push_version: i64,
    /// Group of the pushing cache.
    #[serde(rename = "clientGroupID", deserialize_with = "identifier")]
    pub client_group_id: String,
    /// Pending mutations in order; may interleave several clients of the group.
    pub mutations: Vec<Mutation>,
    /// Browser profile; informational only.
    #[serde(rename = "profileID", default)]
    pub profile_id: Option<String>,
    /// App-defined schema version; `""` by default.
    #[serde(rename = "schemaVersion", default)]
    pub schema_version: String,
}

/// One pending mutation.
#[derive(Debug, Clone, Deserialize)]
pub struct Mutation {
    /// Client that created it.
    #[serde(rename = "clientID", deserialize_with = "identifier")]
    pub client_id: String,
    /// Per-client sequence number, starting at 1.
    pub id: i64,
    /// Mutator name.
    pub name: String,
    /// Mutator argument; `null` when the mutator was called without one.
    #[serde(default)]
    pub args: Value,
    /// `performance.now()` of the originating page: fractional and unused.
    #[serde(default)]
    pub timestamp: f64,
}
