//! Pull request (`pullVersion: 1`) and response.

use super::versioned::VersionedRequest;
use super::view_entry::{serialize_patch, ViewEntry};
use super::VersionType;
use crate::domain::{ClientGroupId, ClientId, MutationId, Version};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;
use std::sync::Arc;

/// A pull request. Unknown fields are ignored.
#[derive(Debug, Clone, Deserialize)]
#[serde(expecting = "a pull request object")]
pub struct PullRequest {
    /// Protocol version; 1.
    #[serde(rename = "pullVersion")]
    pub pull_version: i64,
    /// Group of the pulling cache.
    #[serde(rename = "clientGroupID")]
    pub client_group_id: ClientGroupId,
    /// The last cookie this cache accepted; `null` on a fresh cache.
    #[serde(default)]
    pub cookie: Value,
    /// Browser profile; informational only.
    #[serde(rename = "profileID", default)]
    pub profile_id: Option<String>,
    /// App-defined schema version; `""` by default.
    #[serde(rename = "schemaVersion", default)]
    pub schema_version: String,
}

impl VersionedRequest for PullRequest {
    const VERSION_TYPE: VersionType = VersionType::Pull;
}

/// What a pull produced, before it is encoded as the response body.
#[derive(Debug, Clone)]
pub struct PullPayload {
    /// The new cookie: the global version the data was read at.
    pub cookie: Version,
    /// `(clientID, lastMutationID)` of the group's clients that changed.
    pub last_mutation_id_changes: Vec<(ClientId, MutationId)>,
    /// The operations.
    pub patch: PatchSource,
}

/// Where a payload's patch comes from.
#[derive(Debug, Clone)]
pub enum PatchSource {
    /// View entries, after a `clear` when `clear` is set.
    Entries {
        /// Whether the patch starts with `clear`.
        clear: bool,
        /// The entries, at most one per key.
        entries: Vec<ViewEntry>,
    },
    /// A full view (`clear` + every live entry) assembled by the full-view cache.
    Rendered(Arc<RawValue>),
}

impl PullPayload {
    /// The answer when nothing changed since `cookie`.
    pub fn unchanged(cookie: Version) -> Self {
        PullPayload {
            cookie,
            last_mutation_id_changes: Vec::new(),
            patch: PatchSource::Entries {
                clear: false,
                entries: Vec::new(),
            },
        }
    }

    /// The response body: `{cookie, lastMutationIDChanges, patch}`.
    pub fn encode(&self) -> serde_json::Result<String> {
        serde_json::to_string(&PullResponse {
            cookie: self.cookie,
            last_mutation_id_changes: MutationIdMap(&self.last_mutation_id_changes),
            patch: Patch(&self.patch),
        })
    }
}

/// The pull response body, borrowing the payload.
#[derive(Serialize)]
struct PullResponse<'a> {
    cookie: Version,
    #[serde(rename = "lastMutationIDChanges")]
    last_mutation_id_changes: MutationIdMap<'a>,
    patch: Patch<'a>,
}

/// `{clientID: lastMutationID}` serialized straight from a slice of pairs.
struct MutationIdMap<'a>(&'a [(ClientId, MutationId)]);

impl Serialize for MutationIdMap<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(id, lmid)| (id, lmid)))
    }
}

/// The patch array of a response.
struct Patch<'a>(&'a PatchSource);

impl Serialize for Patch<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            PatchSource::Entries { clear, entries } => {
                serialize_patch(*clear, entries.iter().map(ViewEntry::op), serializer)
            }
            PatchSource::Rendered(raw) => raw.serialize(serializer),
        }
    }
}
