//! Pull request (`pullVersion: 1`) and response.

use super::identifier::identifier;
use super::patch::PatchOp;
use crate::models::Message;
use serde::ser::SerializeSeq;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;
use std::sync::Arc;

/// A pull request. Unknown fields are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct PullRequest {
    /// Protocol version; 1.
    #[serde(rename = "pullVersion")]
    pub pull_version: i64,
    /// Group of the pulling cache.
    #[serde(rename = "clientGroupID", deserialize_with = "identifier")]
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
#[derive(Debug, Clone)]
pub struct PullPayload {
    /// The new cookie: the global version the data was read at.
    pub cookie: i64,
    /// `(clientID, lastMutationID)` of the group's clients that changed.
    pub last_mutation_id_changes: Vec<(String, i64)>,
    /// The operations.
    pub patch: PatchSource,
}

/// Where a payload's patch comes from.
#[derive(Debug, Clone)]
pub enum PatchSource {
    /// Rows to map onto operations: `put` for live ones, `del` for tombstones, after a
    /// `clear` when `clear` is set.
    Rows {
        /// Whether the patch starts with `clear`.
        clear: bool,
        /// The rows.
        messages: Vec<Message>,
    },
    /// A full view (`clear` + every live message) assembled by the full-view cache.
    Rendered(Arc<RawValue>),
}

impl PullPayload {
    /// The answer when nothing changed since `cookie`.
    pub fn unchanged(cookie: i64) -> Self {
        PullPayload {
            cookie,
            last_mutation_id_changes: Vec::new(),
            patch: PatchSource::Rows {
                clear: false,
                messages: Vec::new(),
            },
        }
    }
}

/// One message's operation (`put`, or `del` for a tombstone), rendered to JSON once so
/// that full views can be assembled from it without touching the row again.
pub fn render_op(message: &Message) -> serde_json::Result<Box<RawValue>> {
    serde_json::value::to_raw_value(&PatchOp::from_message(message))
}

/// The patch of a full view: `clear`, then the given rendered operations as they are.
pub fn assemble_full_view<'a>(
    ops: impl Iterator<Item = &'a RawValue>,
) -> serde_json::Result<Arc<RawValue>> {
    let ops: Vec<&RawValue> = ops.collect();
    serde_json::value::to_raw_value(&AssembledView(&ops)).map(Arc::from)
}

/// `clear` followed by pre-rendered operations.
struct AssembledView<'a>(&'a [&'a RawValue]);

impl Serialize for AssembledView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len() + 1))?;
        seq.serialize_element(&PatchOp::Clear)?;
        for op in self.0 {
            seq.serialize_element(op)?;
        }
        seq.end()
    }
}

/// The pull response body, borrowing the payload (no per-row allocation).
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
        let patch = match &payload.patch {
            PatchSource::Rows { clear, messages } => Patch::Rows(RowPatch {
                clear: *clear,
                messages,
            }),
            PatchSource::Rendered(raw) => Patch::Rendered(raw),
        };
        PullResponse {
            cookie: payload.cookie,
            last_mutation_id_changes: MutationIdMap(&payload.last_mutation_id_changes),
            patch,
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

/// The patch array of a response.
#[derive(Debug)]
pub enum Patch<'a> {
    /// Mapped from rows while serializing.
    Rows(RowPatch<'a>),
    /// Written as is.
    Rendered(&'a RawValue),
}

impl Serialize for Patch<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Rows(rows) => rows.serialize(serializer),
            Patch::Rendered(raw) => raw.serialize(serializer),
        }
    }
}

/// An optional `clear`, then one operation per row.
#[derive(Debug)]
pub struct RowPatch<'a> {
    clear: bool,
    messages: &'a [Message],
}

impl Serialize for RowPatch<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let clear = self.clear.then_some(PatchOp::Clear);
        let rows = self.messages.iter().map(PatchOp::from_message);
        serializer.collect_seq(clear.into_iter().chain(rows))
    }
}
