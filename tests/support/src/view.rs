//! A model of the client's side of a pull: the cookie order and the acceptance rules a
//! Replicache cache applies to every pull response (docs/protocol.md §5), and the patch
//! format (§4).

use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

/// What a cookie is compared by: its number, its text, or nothing usable (`undefined`).
enum CompareValue {
    Number(f64),
    Text(String),
    Undefined,
}

fn compare_value(cookie: &Value) -> CompareValue {
    let scalar = match cookie {
        Value::Object(map) => map.get("order").unwrap_or(&Value::Null),
        other => other,
    };
    match scalar {
        Value::Number(n) => n
            .as_f64()
            .map_or(CompareValue::Undefined, CompareValue::Number),
        Value::String(s) => CompareValue::Text(s.clone()),
        _ => CompareValue::Undefined,
    }
}

/// JavaScript's `String(x)` for the values a cookie order can hold.
fn js_string(value: &CompareValue) -> String {
    match value {
        CompareValue::Number(x) if x.fract() == 0.0 && x.abs() < 1e21 => format!("{}", *x as i64),
        CompareValue::Number(x) => format!("{x}"),
        CompareValue::Text(s) => s.clone(),
        CompareValue::Undefined => "undefined".into(),
    }
}

/// How the client orders cookie `a` against `b`: equal values are equal, `null` is
/// below everything, objects compare by `order`, a string on either side makes it a
/// string comparison (UTF-16 code units), otherwise numeric. `None` where the client
/// computes NaN.
pub fn compare_cookies(a: &Value, b: &Value) -> Option<Ordering> {
    if a == b {
        return Some(Ordering::Equal);
    }
    if a.is_null() {
        return Some(Ordering::Less);
    }
    if b.is_null() {
        return Some(Ordering::Greater);
    }
    match (compare_value(a), compare_value(b)) {
        (CompareValue::Number(x), CompareValue::Number(y)) => x.partial_cmp(&y),
        (x @ CompareValue::Text(_), y) | (x, y @ CompareValue::Text(_)) => Some(
            js_string(&x)
                .encode_utf16()
                .cmp(js_string(&y).encode_utf16()),
        ),
        _ => None,
    }
}

/// Asserts the patch rules of docs/protocol.md §4: only `clear`/`put`/`del`, `clear` only first,
/// at most one operation per key, string keys, `put` with a value.
pub fn assert_patch_well_formed(patch: &Value) {
    let ops = patch.as_array().expect("patch is an array");
    let mut keys = HashSet::new();
    for (index, op) in ops.iter().enumerate() {
        let fields: Vec<&str> = op
            .as_object()
            .expect("op is an object")
            .keys()
            .map(String::as_str)
            .collect();
        match op["op"].as_str() {
            Some("clear") => {
                assert_eq!(index, 0, "clear is not the first op: {patch}");
                assert_eq!(fields, ["op"], "clear carries extra members: {op}");
                continue;
            }
            Some("put") => {
                let mut sorted = fields.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, ["key", "op", "value"], "bad put: {op}");
            }
            Some("del") => {
                let mut sorted = fields.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, ["key", "op"], "bad del: {op}");
            }
            _ => panic!("unexpected patch operation {op}"),
        }
        let key = op["key"].as_str().expect("key is a string");
        assert!(keys.insert(key.to_string()), "two ops for {key}: {patch}");
    }
}

/// Asserts that a 200 pull body has exactly the three members of a pull response.
pub fn assert_pull_response_shape(body: &Value) {
    let mut members: Vec<&str> = body
        .as_object()
        .unwrap_or_else(|| panic!("pull answered a non-object: {body}"))
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(
        members,
        ["cookie", "lastMutationIDChanges", "patch"],
        "not a pull response: {body}"
    );
    assert!(
        body["lastMutationIDChanges"]
            .as_object()
            .is_some_and(|m| m.values().all(Value::is_i64)),
        "lastMutationIDChanges is not a map of integers: {body}"
    );
    assert_patch_well_formed(&body["patch"]);
}

/// A client group's local cache: what a Replicache cache holds after applying pulls.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClientView {
    /// The last accepted cookie (`null` for a fresh cache).
    pub cookie: Value,
    /// lastMutationID per client, as confirmed by pulls.
    pub lmids: BTreeMap<String, i64>,
    /// key -> value.
    pub data: BTreeMap<String, Value>,
}

impl ClientView {
    /// A fresh cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies a pull response the way the client does, panicking where the client
    /// would reject it (an lmid going down, a cookie going down, or a non-empty answer
    /// under an unchanged cookie, which the client drops).
    pub fn apply(&mut self, response: &Value) {
        assert_pull_response_shape(response);
        let changes = response["lastMutationIDChanges"].as_object().unwrap();
        for (client, lmid) in changes {
            let held = self.lmids.get(client).copied().unwrap_or(0);
            let lmid = lmid.as_i64().unwrap();
            assert!(
                lmid >= held,
                "lastMutationID of {client} went down from {held} to {lmid}"
            );
        }
        let cookie = &response["cookie"];
        match compare_cookies(cookie, &self.cookie) {
            Some(Ordering::Less) => panic!("cookie went down from {} to {cookie}", self.cookie),
            Some(Ordering::Equal) => {
                assert_eq!(
                    (&response["patch"], changes),
                    (&Value::Array(Vec::new()), &Map::new()),
                    "changes under an unchanged cookie {cookie} would be dropped by the client"
                );
                return;
            }
            _ => {}
        }
        for op in response["patch"].as_array().unwrap() {
            match op["op"].as_str().unwrap() {
                "clear" => self.data.clear(),
                "put" => {
                    let key = op["key"].as_str().unwrap().to_string();
                    self.data.insert(key, op["value"].clone());
                }
                _ => {
                    self.data.remove(op["key"].as_str().unwrap());
                }
            }
        }
        for (client, lmid) in changes {
            self.lmids.insert(client.clone(), lmid.as_i64().unwrap());
        }
        self.cookie = cookie.clone();
    }

    /// A fresh cache after applying `response`.
    pub fn from_response(response: &Value) -> Self {
        let mut view = Self::new();
        view.apply(response);
        view
    }
}
