//! Replicache protocol v1 request bodies and the parts of responses the benchmark reads.

use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Push endpoint path (the tutorial's).
pub const PUSH_PATH: &str = "/api/replicache-push";
/// Pull endpoint path.
pub const PULL_PATH: &str = "/api/replicache-pull";
/// SSE poke endpoint path.
pub const POKE_PATH: &str = "/api/replicache-poke";

const BASE32: &[u8] = b"0123456789abcdefghijklmnopqrstuv";

/// An 18-character base32 id, the shape of current clients' `clientID`/`clientGroupID`.
pub fn random_id() -> String {
    (0..18)
        .map(|_| BASE32[fastrand::usize(..BASE32.len())] as char)
        .collect()
}

/// A simulated Replicache instance: its own client group and client id.
#[derive(Debug, Clone)]
pub struct ClientIdentity {
    /// `clientGroupID` sent with every push and pull.
    pub group: String,
    /// `clientID` of every mutation.
    pub client: String,
}

impl ClientIdentity {
    /// A fresh client in a fresh group.
    pub fn fresh() -> Self {
        ClientIdentity {
            group: random_id(),
            client: random_id(),
        }
    }

    /// The message id that this client's mutation `mutation_id` creates. Client ids are
    /// random, so message ids never repeat across clients or runs.
    pub fn message_id(&self, mutation_id: u64) -> String {
        format!("{}-{}", self.client, mutation_id)
    }

    /// A v1 push of `createMessage` mutations with ids `first..first + count`.
    pub fn push_body(&self, first: u64, count: u64) -> Vec<u8> {
        let mutations: Vec<Value> = (first..first + count)
            .map(|id| {
                json!({
                    "clientID": self.client,
                    "id": id,
                    "name": "createMessage",
                    "args": {
                        "id": self.message_id(id),
                        "from": self.client,
                        "content": format!("benchmark message number {id}"),
                        "order": id,
                    },
                    "timestamp": 1000.5 + id as f64,
                })
            })
            .collect();
        self.push_envelope(mutations)
    }

    /// A v1 push of one mutation `id` of a mutator no server knows: it changes no data
    /// but, run in error mode, still advances the client's lastMutationID and so the
    /// server's version (what `pull --churn-ms` uses to invalidate server-side caches).
    pub fn no_op_push_body(&self, id: u64) -> Vec<u8> {
        self.push_envelope(vec![json!({
            "clientID": self.client,
            "id": id,
            "name": "benchNoOp",
            "args": {},
            "timestamp": 1000.5 + id as f64,
        })])
    }

    fn push_envelope(&self, mutations: Vec<Value>) -> Vec<u8> {
        let body = json!({
            "pushVersion": 1,
            "clientGroupID": self.group,
            "mutations": mutations,
            "profileID": "pbench",
            "schemaVersion": "",
        });
        serde_json::to_vec(&body).expect("push body is valid JSON")
    }

    /// A v1 pull with `cookie` (`Value::Null` for a fresh cache).
    pub fn pull_body(&self, cookie: &Value) -> Vec<u8> {
        let body = json!({
            "pullVersion": 1,
            "clientGroupID": self.group,
            "cookie": cookie,
            "profileID": "pbench",
            "schemaVersion": "",
        });
        serde_json::to_vec(&body).expect("pull body is valid JSON")
    }
}

/// Only the cookie of a pull response (the rest is skipped without being kept).
#[derive(Debug, Deserialize)]
pub struct CookieOnly {
    /// The response cookie.
    pub cookie: Value,
}

/// One patch operation as the benchmark reads it.
#[derive(Debug, Deserialize)]
pub struct PatchOp {
    /// `clear`, `put` or `del`.
    pub op: String,
    /// Key of `put`/`del`.
    #[serde(default)]
    pub key: Option<String>,
    /// Value of `put`.
    #[serde(default)]
    pub value: Option<Value>,
}

/// A whole pull response.
#[derive(Debug, Deserialize)]
pub struct PullView {
    /// The response cookie.
    pub cookie: Value,
    /// lastMutationID per client of the pulling group.
    #[serde(rename = "lastMutationIDChanges", default)]
    pub lmids: HashMap<String, u64>,
    /// Patch operations in order.
    #[serde(default)]
    pub patch: Vec<PatchOp>,
}

impl PullView {
    /// Keys of every `put` whose key starts with `message/`, in patch order.
    pub fn message_puts(&self) -> impl Iterator<Item = (&str, Option<&Value>)> {
        self.patch
            .iter()
            .filter(|op| op.op == "put")
            .filter_map(|op| {
                let id = op.key.as_deref()?.strip_prefix("message/")?;
                Some((id, op.value.as_ref()))
            })
    }
}
