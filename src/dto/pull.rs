//! Pull request (`pullVersion: 1`) and response.

use super::patch::PatchOp;
use crate::models::Message;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// A pull request. Unknown fields are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct PullRequest {
    /// Protocol version; 1.
    #[serde(rename = "pullVersion")]
    pub pull_version: i64,
    /// Group of the pulling cache.
    #[serde(rename = "clientGroupID")]
    pub client_group_id: String,
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

/// What a pull produced, before it is rendered as a [`PullResponse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullPayload {
    /// The new cookie: the global version the data was read at.
    pub cookie: i64,
    /// `(clientID, lastMutationID)` of the group's clients that changed.
    pub last_mutation_id_changes: Vec<(String, i64)>,
    /// Whether the patch starts with `clear`.
    pub clear: bool,
    /// Rows to send: `put` for live ones, `del` for tombstones.
    pub messages: Vec<Message>,
}

impl PullPayload {
    /// The answer when nothing changed since `cookie`.
    pub fn unchanged(cookie: i64) -> Self {
        PullPayload {
            cookie,
            last_mutation_id_changes: Vec::new(),
            clear: false,
            messages: Vec::new(),
        }
    }
}

/// The pull response body, borrowing the payload's rows (no per-row allocation).
#[derive(Debug, Serialize)]
pub struct PullResponse<'a> {
    /// The new cookie.
    pub cookie: i64,
    /// Last mutation ids of changed clients.
    #[serde(rename = "lastMutationIDChanges")]
    pub last_mutation_id_changes: MutationIdMap<'a>,
    /// Operations to apply, in order.
    pub patch: Patch<'a>,
}

impl<'a> From<&'a PullPayload> for PullResponse<'a> {
    fn from(payload: &'a PullPayload) -> Self {
        PullResponse {
            cookie: payload.cookie,
            last_mutation_id_changes: MutationIdMap(&payload.last_mutation_id_changes),
            patch: Patch {
                clear: payload.clear,
                messages: &payload.messages,
            },
        }
    }
}

/// `{clientID: lastMutationID}` serialized straight from a slice of pairs.
#[derive(Debug)]
pub struct MutationIdMap<'a>(&'a [(String, i64)]);

impl Serialize for MutationIdMap<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(id, lmid)| (id, lmid)))
    }
}

/// The patch array: an optional `clear`, then one operation per row.
#[derive(Debug)]
pub struct Patch<'a> {
    clear: bool,
    messages: &'a [Message],
}

impl Serialize for Patch<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let clear = self.clear.then_some(PatchOp::Clear);
        let rows = self.messages.iter().map(PatchOp::from_message);
        serializer.collect_seq(clear.into_iter().chain(rows))
    }
}
