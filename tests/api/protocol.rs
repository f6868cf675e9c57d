//! The request envelope and protocol-wide rules: versions, malformed and large bodies,
//! error bodies, headers and CORS (docs/protocol.md checklist items 8–10, 12, 30, 31, 34).

use crate::on_both_databases;
use replichat_test_support::bodies::{
    clear, create_message, general, normalized, pull_body, push_body, put, rejected,
};
use rocket::data::ByteUnit;
use rocket::http::{ContentType, Header, Status};
use serde_json::{json, Value};

const PUSH: &str = "/api/replicache-push";
const PULL: &str = "/api/replicache-pull";

/// The answer of a pull of `group` on an untouched database: only the room `general`.
fn empty_view() -> Value {
    json!({"cookie": 1, "lastMutationIDChanges": {}, "patch": [{"op": "clear"}, general()]})
}

on_both_databases!(item_08_other_push_versions_are_refused, |app| {
    let v0 = json!({
        "pushVersion": 0,
        "clientID": "c1",
        "mutations": [{"id": 1, "name": "createMessage", "timestamp": 1,
                       "args": {"id": "m1", "from": "tester", "content": "v0", "order": 1}}],
        "profileID": "ptestprofile",
        "schemaVersion": "",
    });
    let mut v2 = push_body("g1", vec![create_message("c1", 1, "m1", "v2", 1)]);
    v2["pushVersion"] = json!(2);
    for body in [v0, v2] {
        let (status, answer) = app.push(&body).await;
        assert_eq!(
            (status, answer),
            (
                Status::Ok,
                json!({"error": "VersionNotSupported", "versionType": "push"})
            )
        );
    }
    assert_eq!(app.pull_ok("g1", json!(null)).await, empty_view());
});

on_both_databases!(item_09_malformed_push_envelope_is_a_400, |app| {
    let json_type = Some(ContentType::JSON);
    let bodies = [
        "this is not JSON".to_string(),
        "{\"pushVersion\": 1, \"clientGroupID\": \"g1\", \"mutations\": [".to_string(),
        json!({"pushVersion": 1, "clientGroupID": "g1"}).to_string(),
        json!({"pushVersion": 1, "clientGroupID": "g1", "mutations": "none"}).to_string(),
        json!({"pushVersion": 1, "clientGroupID": "g1",
               "mutations": [{"clientID": "c1", "name": "createMessage", "args": null}]})
        .to_string(),
    ];
    for body in &bodies {
        let response = app.post_raw(PUSH, json_type.clone(), vec![], body).await;
        assert_eq!(
            response.assert_json_error(Status::BadRequest),
            "bad_request"
        );
    }
    let response = app.post_raw(PULL, json_type, vec![], "not JSON").await;
    assert_eq!(
        response.assert_json_error(Status::BadRequest),
        "bad_request"
    );
    assert_eq!(app.pull_ok("g1", json!(null)).await, empty_view());
});

on_both_databases!(
    item_10_fractional_timestamp_and_null_args_are_accepted,
    |app| {
        // Written by hand so the numbers reach the server exactly as a browser sends them.
        let body = r#"{"pushVersion":1,"clientGroupID":"g1","profileID":"p1","schemaVersion":"",
      "mutations":[
        {"clientID":"c1","id":1,"name":"createMessage","timestamp":98765.4321,
         "args":{"id":"m1","from":"tester","content":"fractional","order":1}},
        {"clientID":"c1","id":2,"name":"noArgumentMutator","timestamp":98766.5,"args":null},
        {"clientID":"c1","id":3,"name":"createMessage","timestamp":0.001,"args":null},
        {"clientID":"c1","id":4,"name":"createMessage","timestamp":98767,
         "args":{"id":"m4","from":"tester","content":"integral","order":4}}]}"#;
        let response = app
            .post_raw(PUSH, Some(ContentType::JSON), vec![], body)
            .await;
        assert_eq!((response.status, response.json()), (Status::Ok, json!({})));
        let pulled = app.pull_ok("g1", json!(null)).await;
        assert_eq!(
            normalized(&pulled),
            json!({
                "cookie": 2,
                "lastMutationIDChanges": {"c1": 4},
                "patch": [
                    clear(),
                    rejected("c1", 2, "noArgumentMutator", "unknown mutator \"noArgumentMutator\""),
                    rejected(
                        "c1",
                        3,
                        "createMessage",
                        "invalid arguments: invalid type: null, expected createMessage arguments (an object)",
                    ),
                    put("m1", "fractional", 1),
                    put("m4", "integral", 4),
                    general(),
                ],
            })
        );
    }
);

on_both_databases!(item_12_five_mib_push_is_accepted, |app| {
    // Content is capped at 10,000 characters, so the size comes from many mutations.
    let filler = "x".repeat(9_000);
    let count = 600;
    let mutations: Vec<Value> = (1..=count)
        .map(|k| create_message("c1", k, &format!("m{k:03}"), &format!("{k}{filler}"), k))
        .collect();
    let body = push_body("g1", mutations).to_string();
    assert!(body.len() >= 5 * 1024 * 1024, "only {} bytes", body.len());
    let response = app
        .post_raw(PUSH, Some(ContentType::JSON), vec![], &body)
        .await;
    assert_eq!((response.status, response.json()), (Status::Ok, json!({})));
    let pulled = app.pull_ok("g1", json!(null)).await;
    let mut patch = vec![clear()];
    patch.extend((1..=count).map(|k| put(&format!("m{k:03}"), &format!("{k}{filler}"), k)));
    patch.push(general());
    let expected = json!({"cookie": 2, "lastMutationIDChanges": {"c1": count}, "patch": patch});
    assert!(
        normalized(&pulled) == expected,
        "the 5 MiB push was not applied exactly"
    );
    // The limit is configurable; over it the answer is a JSON 413, not a hang or HTML.
    let small = app
        .sibling(|c| c.http.body_limit = ByteUnit::Mebibyte(1))
        .await;
    let response = small
        .post_raw(PUSH, Some(ContentType::JSON), vec![], &body)
        .await;
    response.assert_json_error(Status::PayloadTooLarge);
});

on_both_databases!(item_30_error_bodies_are_json_with_status_200, |app| {
    let strict = app
        .sibling(|c| c.protocol.schema_versions = vec!["v1".into()])
        .await;
    let mut old_push = push_body("g1", vec![]);
    old_push["pushVersion"] = json!(0);
    let mut old_pull = pull_body("g1", json!(null));
    old_pull["pullVersion"] = json!(0);
    let gap = push_body("g1", vec![create_message("c1", 5, "m5", "gap", 5)]);
    let cases = [
        (&app, PUSH, gap, json!({"error": "ClientStateNotFound"})),
        (
            &app,
            PUSH,
            old_push,
            json!({"error": "VersionNotSupported", "versionType": "push"}),
        ),
        (
            &app,
            PULL,
            old_pull,
            json!({"error": "VersionNotSupported", "versionType": "pull"}),
        ),
        (
            &strict,
            PULL,
            pull_body("g1", json!(null)),
            json!({"error": "VersionNotSupported", "versionType": "schema"}),
        ),
    ];
    for (target, path, body, expected) in cases {
        let response = target
            .post_raw(path, Some(ContentType::JSON), vec![], body.to_string())
            .await;
        assert_eq!(response.status, Status::Ok, "{path}: {}", response.body);
        assert_eq!(response.content_type, Some(ContentType::JSON), "{path}");
        assert_eq!(response.json(), expected, "{path}");
    }
});

on_both_databases!(item_31_empty_authorization_and_cors_preflight, |app| {
    // What a client without auth sends: an empty Authorization, with or without a request id.
    let headers = |with_id: bool| {
        let mut headers = vec![Header::new("Authorization", "")];
        if with_id {
            headers.push(Header::new("X-Replicache-RequestID", "c1-2f0a9c-0"));
        }
        headers
    };
    let push = push_body("g1", vec![create_message("c1", 1, "m1", "hi", 1)]).to_string();
    let response = app
        .post_raw(PUSH, Some(ContentType::JSON), headers(false), push)
        .await;
    assert_eq!((response.status, response.json()), (Status::Ok, json!({})));
    let push = push_body("g1", vec![create_message("c1", 2, "m2", "ho", 2)]).to_string();
    let response = app
        .post_raw(PUSH, Some(ContentType::JSON), headers(true), push)
        .await;
    assert_eq!((response.status, response.json()), (Status::Ok, json!({})));
    let pull = pull_body("g1", json!(null)).to_string();
    let response = app
        .post_raw(PULL, Some(ContentType::JSON), headers(false), pull)
        .await;
    assert_eq!(response.status, Status::Ok);
    assert_eq!(
        normalized(&response.json()),
        json!({"cookie": 3, "lastMutationIDChanges": {"c1": 2},
               "patch": [clear(), put("m1", "hi", 1), put("m2", "ho", 2), general()]})
    );

    for path in [PUSH, PULL] {
        let response = app
            .client
            .options(path)
            .header(Header::new("Origin", "https://chat.example"))
            .header(Header::new("Access-Control-Request-Method", "POST"))
            .header(Header::new(
                "Access-Control-Request-Headers",
                "content-type,authorization,x-replicache-requestid",
            ))
            .dispatch()
            .await;
        assert_eq!(
            response.status().class(),
            rocket::http::StatusClass::Success
        );
        let header = |name| {
            response
                .headers()
                .get_one(name)
                .unwrap_or("")
                .to_lowercase()
        };
        let allowed: Vec<String> = header("Access-Control-Allow-Headers")
            .split(',')
            .map(|h| h.trim().to_string())
            .collect();
        for needed in ["content-type", "authorization", "x-replicache-requestid"] {
            assert!(
                allowed.iter().any(|h| h == needed),
                "{path}: {needed} not allowed"
            );
        }
        assert!(
            header("Access-Control-Allow-Methods").contains("post"),
            "{path}"
        );
        assert_eq!(header("Access-Control-Allow-Origin"), "*", "{path}");
    }
});

on_both_databases!(
    item_34_unsupported_schema_version_is_refused,
    config = |c| c.protocol.schema_versions = vec!["v1".into()],
    |app| {
        let refused = json!({"error": "VersionNotSupported", "versionType": "schema"});
        let with_schema = |mut body: Value, schema: &str| {
            body["schemaVersion"] = json!(schema);
            body
        };
        for schema in ["v2", ""] {
            let push = push_body("g1", vec![create_message("c1", 1, "m1", "x", 1)]);
            let (status, body) = app.push(&with_schema(push, schema)).await;
            assert_eq!(
                (status, body),
                (Status::Ok, refused.clone()),
                "push {schema:?}"
            );
            let (status, body) = app
                .pull(&with_schema(pull_body("g1", json!(null)), schema))
                .await;
            assert_eq!(
                (status, body),
                (Status::Ok, refused.clone()),
                "pull {schema:?}"
            );
        }
        let push = push_body("g1", vec![create_message("c1", 1, "m1", "ok", 1)]);
        let (status, body) = app.push(&with_schema(push, "v1")).await;
        assert_eq!((status, body), (Status::Ok, json!({})));
        let (status, body) = app
            .pull(&with_schema(pull_body("g1", json!(null)), "v1"))
            .await;
        assert_eq!(status, Status::Ok);
        assert_eq!(
            normalized(&body),
            json!({"cookie": 2, "lastMutationIDChanges": {"c1": 1},
                   "patch": [clear(), put("m1", "ok", 1), general()]})
        );
    }
);
