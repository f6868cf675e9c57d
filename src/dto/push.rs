//! Push request (`pushVersion: 1`).

use super::versioned::VersionedRequest;
use super::VersionType;
use crate::domain::{ClientGroupId, ClientId, MutationId};
use serde::Deserialize;
use serde_json::Value;

/// A push request. Unknown fields are ignored.
#[derive(Debug, Clone, Deserialize)]
#[serde(expecting = "a push request object")]
pub struct PushRequest {
    /// Protocol version; 1.
    #[serde(rename = "pushVersion")]
    pub push_version: i64,
    /// Group of the pushing cache.
    #[serde(rename = "clientGroupID")]
    pub client_group_id: ClientGroupId,
    /// Pending mutations in order; may interleave several clients of the group.
    pub mutations: Vec<Mutation>,
    /// Browser profile; informational only.
    #[serde(rename = "profileID", default)]
    pub profile_id: Option<String>,
    /// App-defined schema version; `""` by default.
    #[serde(rename = "schemaVersion", default)]
    pub schema_version: String,
}

impl VersionedRequest for PushRequest {
    const VERSION_TYPE: VersionType = VersionType::Push;
}

/// One pending mutation.
#[derive(Debug, Clone, Deserialize)]
#[serde(expecting = "a mutation object")]
pub struct Mutation {
    /// Client that created it.
    #[serde(rename = "clientID")]
    pub client_id: ClientId,
    /// Per-client sequence number, starting at 1.
    pub id: MutationId,
    /// Mutator name.
    pub name: String,
    /// Mutator argument; `null` when the mutator was called without one.
    #[serde(default)]
    pub args: Value,
    /// `performance.now()` of the originating page: fractional and unused.
    #[serde(default)]
    pub timestamp: f64,
}
