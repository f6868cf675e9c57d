//! What every answer must satisfy, whatever the request: never a 5xx; HTTP errors as
//! `{"error": kind, "message": text}` JSON; successful answers as the protocol's JSON.
//! Every check panics on a violation, which libFuzzer reports as a crash.

use crate::app::{Answer, USERS};
use replichat::domain::js_number::{MAX_RAISED_VERSION, MAX_SAFE_INTEGER};
use replichat::domain::Version;
use replichat::dto::{replace_lone_surrogates, smallest_cookie_above, PullRequest};
use replichat_test_support::view::{assert_pull_response_shape, compare_cookies};
use rocket::http::{ContentType, Status};
use serde_json::Value;
use std::cmp::Ordering;

/// The HTTP errors a push or pull may answer: a malformed body (400), a missing or
/// invalid token (401, only with authentication on: [`crate::app::App::post`] checks
/// that), a group of another user or a client registered in another group (403), an
/// oversized body (413).
const EXPECTED_ERRORS: [Status; 4] = [
    Status::BadRequest,
    Status::Unauthorized,
    Status::Forbidden,
    Status::PayloadTooLarge,
];

/// A pull request body decoded as the server decodes it (lone surrogate escapes read as
/// U+FFFD), panicking when the server answered a body it could not have decoded.
pub fn decoded_pull_request(body: &[u8]) -> PullRequest {
    let mut decodable = body.to_vec();
    replace_lone_surrogates(&mut decodable);
    serde_json::from_slice(&decodable).unwrap_or_else(|e| {
        panic!(
            "a pull response to an undecodable body ({e}): {}",
            String::from_utf8_lossy(body)
        )
    })
}

/// The answer's body as JSON, panicking with the whole answer when it is not.
fn json_body(answer: &Answer) -> Value {
    serde_json::from_slice(&answer.body).unwrap_or_else(|e| {
        panic!(
            "{} answered a body that is not JSON ({e}): {:?}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        )
    })
}

/// Checks status, content type and error shape; returns the body of a 200 answer.
fn common(answer: &Answer) -> Option<Value> {
    assert!(
        answer.status.code < 500,
        "server error {}: {:?}",
        answer.status,
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(
        answer.content_type,
        Some(ContentType::JSON),
        "{} without a JSON content type",
        answer.status
    );
    let body = json_body(answer);
    if answer.status == Status::Ok {
        return Some(body);
    }
    assert!(
        EXPECTED_ERRORS.contains(&answer.status),
        "unexpected status {}: {body}",
        answer.status
    );
    let members = body.as_object().map(|m| {
        let mut keys: Vec<&str> = m.keys().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    });
    assert_eq!(members, Some(vec!["error", "message"]), "error body {body}");
    assert!(
        body["error"].is_string() && body["message"].is_string(),
        "error body {body}"
    );
    None
}

/// True for Replicache's two error bodies with a `versionType` among `allowed`.
fn is_protocol_error(body: &Value, allowed: &[&str]) -> bool {
    if *body == serde_json::json!({"error": "ClientStateNotFound"}) {
        return true;
    }
    let Some(map) = body.as_object() else {
        return false;
    };
    map.len() == 2
        && map.get("error").and_then(Value::as_str) == Some("VersionNotSupported")
        && map
            .get("versionType")
            .and_then(Value::as_str)
            .is_some_and(|t| allowed.contains(&t))
}

/// Checks a push answer: `{}` or one of Replicache's error bodies.
pub fn push_answer(answer: &Answer) {
    if let Some(body) = common(answer) {
        assert!(
            body == serde_json::json!({}) || is_protocol_error(&body, &["push", "schema"]),
            "unexpected push answer {body}"
        );
    }
}

/// Checks a pull answer; returns the body when it is a pull response (not an error body).
pub fn pull_answer(answer: &Answer) -> Option<Value> {
    let body = common(answer)?;
    if is_protocol_error(&body, &["pull", "schema"]) {
        return None;
    }
    assert_pull_response_shape(&body);
    let cookie = body["cookie"].as_i64();
    assert!(
        cookie.is_some_and(|c| (0..=MAX_SAFE_INTEGER).contains(&c)),
        "the cookie is not a safe non-negative integer: {body}"
    );
    for op in body["patch"].as_array().into_iter().flatten() {
        // `clear` has no key; every other op names an entry of one of the view's kinds.
        let Some(key) = op["key"].as_str() else {
            continue;
        };
        let kind = entry_kind(key).unwrap_or_else(|| panic!("key outside the view's spaces: {op}"));
        if op["op"] == "put" {
            entry_value(kind, &op["value"]);
        }
    }
    Some(body)
}

/// The kinds of entries a client view holds (docs/rooms.md §2).
#[derive(Debug, Clone, Copy)]
enum EntryKind {
    /// `message/<messageID>`.
    Message,
    /// `room/<roomID>`.
    Room,
    /// `member/<roomID>/<userID>`.
    Member,
    /// `error/<clientID>/<mutationID>`.
    Error,
}

/// The kind of the entry under `key`, `None` outside the view's key spaces.
fn entry_kind(key: &str) -> Option<EntryKind> {
    let (prefix, rest) = key.split_once('/')?;
    match prefix {
        "message" => Some(EntryKind::Message),
        "room" => Some(EntryKind::Room),
        // Both need two parts: the room and the user, the client and the mutation id.
        "member" if rest.contains('/') => Some(EntryKind::Member),
        "error" => {
            let (_, id) = rest.rsplit_once('/')?;
            id.parse::<i64>().is_ok().then_some(EntryKind::Error)
        }
        _ => None,
    }
}

/// A member of a view value: its name and what its value must satisfy.
type Member = (&'static str, fn(&Value) -> bool);

/// True when `value` is an object with exactly `members`, each satisfying its check.
fn exactly(value: &Value, members: &[Member]) -> bool {
    value.as_object().is_some_and(|m| {
        m.len() == members.len()
            && members
                .iter()
                .all(|(name, check)| m.get(*name).is_some_and(check))
    })
}

/// A view value has exactly the members of its kind (docs/rooms.md §2): a message
/// `{from, content, order, roomID, author}` (the author is the anonymous user `""` or
/// one of the users the instances with authentication know), a room `{name, visibility, owner}`, a membership `{role}`,
/// an error entry `{name, message}`.
fn entry_value(kind: EntryKind, value: &Value) {
    let well_formed = match kind {
        EntryKind::Message => exactly(
            value,
            &[
                ("from", Value::is_string),
                ("content", Value::is_string),
                ("order", Value::is_i64),
                ("roomID", Value::is_string),
                ("author", |a| a == "" || USERS.iter().any(|user| a == user)),
            ],
        ),
        EntryKind::Room => exactly(
            value,
            &[
                ("name", Value::is_string),
                ("visibility", |v| v == "public" || v == "private"),
                ("owner", Value::is_string),
            ],
        ),
        EntryKind::Member => exactly(value, &[("role", |r| r == "owner" || r == "member")]),
        EntryKind::Error => exactly(
            value,
            &[("name", Value::is_string), ("message", Value::is_string)],
        ),
    };
    assert!(well_formed, "not a {kind:?} value: {value}");
}

/// Checks the new cookie of a pull response against the request's cookie (as the
/// server decoded it). For a cookie the server may have issued (an integer below its
/// version cap): never lower, and the same cookie only with nothing in it. For any
/// other cookie: strictly newer in the client's order, unless no integer from the
/// answered version up to the cap would have been.
pub fn cookie_progress(request_cookie: &Value, response: &Value) {
    let cookie = &response["cookie"];
    let servable = request_cookie
        .as_i64()
        .is_some_and(|v| (0..MAX_RAISED_VERSION).contains(&v));
    let answered = cookie.as_i64().unwrap_or_default();
    let newer_possible = smallest_cookie_above(Version::new(answered), request_cookie)
        .is_some_and(|c| c.get() <= MAX_RAISED_VERSION);
    match compare_cookies(cookie, request_cookie) {
        Some(Ordering::Less) if servable || newer_possible => {
            panic!("cookie went down from {request_cookie} to {cookie}")
        }
        Some(Ordering::Equal) if servable => assert!(
            response["patch"] == serde_json::json!([])
                && response["lastMutationIDChanges"] == serde_json::json!({}),
            "changes under the unchanged cookie {cookie}: {response}"
        ),
        Some(Ordering::Equal) if newer_possible => {
            panic!("the unusable cookie {request_cookie} was answered with itself")
        }
        _ => {}
    }
}
