//! Request bodies and expected patch operations, spelled as the protocol spells them.

use serde_json::{json, Value};

/// A v1 push body for `group` with `mutations`.
pub fn push_body(group: &str, mutations: Vec<Value>) -> Value {
    json!({
        "pushVersion": 1,
        "clientGroupID": group,
        "mutations": mutations,
        "profileID": "ptestprofile",
        "schemaVersion": "",
    })
}

/// A v1 pull body for `group` with `cookie`.
pub fn pull_body(group: &str, cookie: Value) -> Value {
    json!({
        "pullVersion": 1,
        "clientGroupID": group,
        "cookie": cookie,
        "profileID": "ptestprofile",
        "schemaVersion": "",
    })
}

/// Any mutation, with a fractional page-relative timestamp as real clients send.
pub fn mutation(client: &str, id: i64, name: &str, args: Value) -> Value {
    json!({
        "clientID": client,
        "id": id,
        "name": name,
        "args": args,
        "timestamp": 1234.567,
    })
}

/// A `createMessage` mutation (sender `tester`).
pub fn create_message(client: &str, id: i64, message_id: &str, content: &str, order: i64) -> Value {
    let args = json!({"id": message_id, "from": "tester", "content": content, "order": order});
    mutation(client, id, "createMessage", args)
}

/// `createMessage` mutations 1, 2, ... of `client` for `(message id, content)` pairs,
/// each message ordered by its mutation id.
pub fn create_messages(client: &str, messages: &[(&str, &str)]) -> Vec<Value> {
    (1..)
        .zip(messages)
        .map(|(id, (message_id, content))| create_message(client, id, message_id, content, id))
        .collect()
}

/// An `updateMessage` mutation.
pub fn update_message(client: &str, id: i64, message_id: &str, content: &str) -> Value {
    let args = json!({"id": message_id, "content": content});
    mutation(client, id, "updateMessage", args)
}

/// A `deleteMessage` mutation.
pub fn delete_message(client: &str, id: i64, message_id: &str) -> Value {
    mutation(client, id, "deleteMessage", json!({"id": message_id}))
}

/// The view value of a message in `general` by the anonymous user (authentication off):
/// exactly `{from, content, order, roomID, author}`.
pub fn message_value(from: &str, content: &str, order: i64) -> Value {
    message_value_in("general", "", from, content, order)
}

/// The view value of a message in `room` by `author`.
pub fn message_value_in(room: &str, author: &str, from: &str, content: &str, order: i64) -> Value {
    json!({"from": from, "content": content, "order": order, "roomID": room, "author": author})
}

/// `put room/general`: the public room every database has, owned by nobody.
pub fn general() -> Value {
    json!({
        "op": "put",
        "key": "room/general",
        "value": {"name": "general", "visibility": "public", "owner": ""},
    })
}

/// `put error/<client>/<id>`: the error entry of a rejected mutation.
pub fn rejected(client: &str, id: i64, name: &str, message: &str) -> Value {
    json!({
        "op": "put",
        "key": format!("error/{client}/{id}"),
        "value": {"name": name, "message": message},
    })
}

/// `put message/<id>` of a message created by [`create_message`].
pub fn put(message_id: &str, content: &str, order: i64) -> Value {
    json!({
        "op": "put",
        "key": format!("message/{message_id}"),
        "value": message_value("tester", content, order),
    })
}

/// `del message/<id>`.
pub fn del(message_id: &str) -> Value {
    json!({"op": "del", "key": format!("message/{message_id}")})
}

/// `clear`.
pub fn clear() -> Value {
    json!({"op": "clear"})
}

/// A pull response with its patch in a canonical order (a leading `clear` stays first,
/// the other operations are sorted by key) so that it can be compared with a literal.
/// The server may emit rows in any order; the client view does not depend on it.
pub fn normalized(response: &Value) -> Value {
    let mut response = response.clone();
    if let Some(patch) = response.get_mut("patch").and_then(Value::as_array_mut) {
        let start = usize::from(patch.first().is_some_and(|op| op["op"] == "clear"));
        patch[start..].sort_by(|a, b| a["key"].as_str().cmp(&b["key"].as_str()));
    }
    response
}

/// The response to a pull whose cookie is still current: same cookie, nothing else.
pub fn unchanged(cookie: &Value) -> Value {
    json!({"cookie": cookie, "lastMutationIDChanges": {}, "patch": []})
}
