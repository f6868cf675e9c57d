//! Checks of single pull answers.

use crate::http::Reply;
use crate::proto::PullView;
use serde_json::Value;
use std::collections::HashMap;

/// The pull answer of `reply`, or why there is none.
pub(super) fn parse(reply: &Reply) -> Result<PullView, String> {
    if !reply.is_ok() {
        return Err(format!("pull failed: {}", reply.describe()));
    }
    serde_json::from_slice(&reply.body).map_err(|e| format!("unreadable pull answer: {e}"))
}

/// Whether `view` is the "nothing changed" answer to `cookie`.
pub(super) fn unchanged(view: &PullView, cookie: &Value) -> bool {
    view.cookie == *cookie && view.patch.is_empty() && view.lmids.is_empty()
}

/// Whether `view` holds exactly the `put` of `message` in `room` and the `lmids`.
pub(super) fn one_put(
    view: &PullView,
    message: &str,
    room: &str,
    lmids: &HashMap<String, u64>,
) -> Result<(), String> {
    let puts: Vec<(&str, Option<&Value>)> = view.message_puts().collect();
    let in_room = |value: Option<&Value>| {
        value.and_then(|v| v.get("roomID")).and_then(Value::as_str) == Some(room)
    };
    match puts.as_slice() {
        [(id, value)] if *id == message && in_room(*value) && view.patch.len() == 1 => {}
        _ => {
            let keys: Vec<&str> = view
                .patch
                .iter()
                .take(5)
                .map(|op| op.key.as_deref().unwrap_or(op.op.as_str()))
                .collect();
            return Err(format!(
                "expected exactly the put of message/{message} in {room}, got {} operations: {keys:?}",
                view.patch.len()
            ));
        }
    }
    if view.lmids != *lmids {
        return Err(format!(
            "expected lastMutationIDChanges {lmids:?}, got {:?}",
            view.lmids
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(value: Value) -> PullView {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn nothing_changed_means_same_cookie_and_empty_answer() {
        let cookie = json!(7);
        let same = view(json!({"cookie": 7, "lastMutationIDChanges": {}, "patch": []}));
        assert!(unchanged(&same, &cookie));
        let moved = view(json!({"cookie": 8, "lastMutationIDChanges": {}, "patch": []}));
        assert!(!unchanged(&moved, &cookie));
    }

    #[test]
    fn one_put_wants_exactly_the_new_message_and_lmids() {
        let put = json!({"op": "put", "key": "message/m1", "value": {"roomID": "r"}});
        let lmids = HashMap::from([("c".to_string(), 3)]);
        let exact = view(json!({"cookie": 2, "lastMutationIDChanges": {"c": 3}, "patch": [put]}));
        assert!(one_put(&exact, "m1", "r", &lmids).is_ok());
        assert!(one_put(&exact, "m1", "other", &lmids).is_err());
        assert!(one_put(&exact, "m1", "r", &HashMap::new()).is_err());
        let more = view(json!({"cookie": 2, "lastMutationIDChanges": {"c": 3},
                               "patch": [put, {"op": "del", "key": "message/m0"}]}));
        assert!(one_put(&more, "m1", "r", &lmids).is_err());
    }
}
