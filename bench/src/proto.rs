//! Replicache protocol v1 request bodies and the parts of responses the benchmark reads.

use crate::http::{Http, Reply};
use anyhow::Result;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

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

/// A simulated Replicache instance: its own client group and client id, and the
/// `Authorization` value of its user when the server authenticates.
#[derive(Debug, Clone)]
pub struct ClientIdentity {
    /// `clientGroupID` sent with every push and pull.
    pub group: String,
    /// `clientID` of every mutation.
    pub client: String,
    /// `Authorization` header of every request (`None`: the anonymous user).
    pub auth: Option<Arc<str>>,
}

impl ClientIdentity {
    /// A fresh client in a fresh group, of the anonymous user.
    pub fn fresh() -> Self {
        ClientIdentity {
            group: random_id(),
            client: random_id(),
            auth: None,
        }
    }

    /// The `Authorization` value this client sends, if any.
    pub fn auth(&self) -> Option<&str> {
        self.auth.as_deref()
    }

    /// POSTs `body` to `url` as this client's user.
    pub async fn post(&self, http: &Http, url: &str, body: Vec<u8>) -> Result<Reply> {
        http.post_as(url, Bytes::from(body), self.auth()).await
    }

    /// POSTs `body` to `url` as this client's user until it is acknowledged (see
    /// [`Http::post_until_ok`]).
    pub async fn post_until_ok(
        &self,
        http: &Http,
        url: &str,
        body: Vec<u8>,
        what: &str,
    ) -> Result<Reply> {
        http.post_until_ok(url, Bytes::from(body), self.auth(), what)
            .await
    }

    /// The message id that this client's mutation `mutation_id` creates. Client ids are
    /// random, so message ids never repeat across clients or runs.
    pub fn message_id(&self, mutation_id: u64) -> String {
        format!("{}-{}", self.client, mutation_id)
    }

    /// A v1 push of `createMessage` mutations with ids `first..first + count`.
    pub fn push_body(&self, first: u64, count: u64) -> Vec<u8> {
        self.push_body_in(first, count, &RoomCycle::none())
    }

    /// Like [`ClientIdentity::push_body`], each message posted to the room `rooms`
    /// assigns its mutation id (no `roomID` when `rooms` is empty).
    pub fn push_body_in(&self, first: u64, count: u64, rooms: &RoomCycle) -> Vec<u8> {
        let mutations: Vec<Value> = (first..first + count)
            .map(|id| {
                let mut args = json!({
                    "id": self.message_id(id),
                    "from": self.client,
                    "content": format!("benchmark message number {id}"),
                    "order": id,
                });
                if let Some(room) = rooms.room(id) {
                    args["roomID"] = Value::from(room);
                }
                self.mutation(id, "createMessage", args)
            })
            .collect();
        self.push_of(mutations)
    }

    /// A v1 push of one mutation `id` of a mutator no server knows: it changes no data
    /// but, run in error mode, still advances the client's lastMutationID and so the
    /// server's version (what `pull --churn-ms` uses to invalidate server-side caches).
    pub fn no_op_push_body(&self, id: u64) -> Vec<u8> {
        self.push_of(vec![self.mutation(id, "benchNoOp", json!({}))])
    }

    /// This client's mutation `id`: `name(args)`.
    pub fn mutation(&self, id: u64, name: &str, args: Value) -> Value {
        json!({
            "clientID": self.client,
            "id": id,
            "name": name,
            "args": args,
            "timestamp": 1000.5 + id as f64,
        })
    }

    /// A v1 push of `mutations` in this client's group.
    pub fn push_of(&self, mutations: Vec<Value>) -> Vec<u8> {
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

/// The rooms a client's messages go to in turn, starting at an offset of its own.
#[derive(Debug, Clone)]
pub struct RoomCycle {
    rooms: Arc<[String]>,
    offset: usize,
}

impl RoomCycle {
    /// No rooms: messages carry no `roomID` (the server's default room).
    pub fn none() -> Self {
        RoomCycle {
            rooms: Arc::from(Vec::new()),
            offset: 0,
        }
    }

    /// `rooms` in turn, mutation id `n` posting to `rooms[(n + offset) % len]`.
    pub fn new(rooms: Arc<[String]>, offset: usize) -> Self {
        RoomCycle { rooms, offset }
    }

    /// The room of mutation `mutation_id`, `None` without rooms.
    pub fn room(&self, mutation_id: u64) -> Option<&str> {
        let len = self.rooms.len();
        (len > 0).then(|| self.rooms[(mutation_id as usize + self.offset) % len].as_str())
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
        self.puts_under("message/")
    }

    /// Every `put` whose key starts with `prefix`: the rest of its key and its value.
    pub fn puts_under<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, Option<&'a Value>)> + 'a {
        self.patch
            .iter()
            .filter(|op| op.op == "put")
            .filter_map(move |op| {
                let rest = op.key.as_deref()?.strip_prefix(prefix)?;
                Some((rest, op.value.as_ref()))
            })
    }

    /// Whether the patch starts over (`clear`).
    pub fn clears(&self) -> bool {
        self.patch.iter().any(|op| op.op == "clear")
    }
}
