//! A first round trip through push and pull.

use crate::on_both_databases;
use crate::support::{create_message, pull_body, push_body};
use rocket::http::Status;
use serde_json::json;

on_both_databases!(push_then_pull_round_trip, |app| {
    let (status, body) = app
        .push(&push_body(
            "g1",
            vec![create_message("c1", 1, "m1", "hello", 1)],
        ))
        .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body, json!({}));
    let (status, body) = app.pull(&pull_body("g1", json!(null))).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["lastMutationIDChanges"], json!({"c1": 1}));
    assert_eq!(
        body["patch"],
        json!([{"op": "clear"}, {"op": "put", "key": "message/m1",
                "value": {"from": "tester", "content": "hello", "order": 1}}])
    );
});
