//! Inputs that once got a wrong answer (a 500, or a cookie the client rejects), found
//! while fuzzing: each must get a deliberate answer on both databases.

use crate::on_both_databases;
use replichat::domain::MAX_IDENTIFIER_BYTES;
use replichat_test_support::bodies::{
    clear, create_message, general, message_value, mutation, normalized, pull_body, push_body, put,
    unchanged,
};
use replichat_test_support::view::{assert_pull_response_shape, compare_cookies, ClientView};
use rocket::http::{ContentType, Status};
use serde_json::json;

/// An id of `len` ASCII letters that does not compress (PostgreSQL compresses long
/// values before indexing them, which would hide an oversized key).
fn incompressible_id(len: usize) -> String {
    let mut state: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            char::from(b'a' + (state % 26) as u8)
        })
        .collect()
}

on_both_databases!(ids_the_database_cannot_store_are_a_400, |app| {
    // PostgreSQL stores no NUL in text and indexes no key beyond about 2,700 bytes;
    // such ids failed inside the transaction there and answered 500.
    let long = incompressible_id(MAX_IDENTIFIER_BYTES + 1);
    let pushes = [
        ("g\0", "c1"),
        ("g1", "c\0"),
        (long.as_str(), "c1"),
        ("g1", long.as_str()),
    ];
    for (group, client) in pushes {
        let body = push_body(group, vec![create_message(client, 1, "m1", "x", 1)]);
        let response = app
            .post_raw(
                "/api/replicache-push",
                Some(ContentType::JSON),
                vec![],
                body.to_string(),
            )
            .await;
        assert_eq!(
            response.assert_json_error(Status::BadRequest),
            "bad_request"
        );
    }
    for group in ["g\0", long.as_str()] {
        let body = pull_body(group, json!(null)).to_string();
        let response = app
            .post_raw(
                "/api/replicache-pull",
                Some(ContentType::JSON),
                vec![],
                body,
            )
            .await;
        assert_eq!(
            response.assert_json_error(Status::BadRequest),
            "bad_request"
        );
    }
    assert_eq!(app.current_cookie().await, json!(1), "nothing was applied");
    // The longest accepted ids work on both databases.
    let longest = incompressible_id(MAX_IDENTIFIER_BYTES);
    app.push_ok(&longest, vec![create_message(&longest, 1, "m1", "x", 1)])
        .await;
    let pulled = app.pull_ok(&longest, json!(null)).await;
    assert_eq!(
        pulled["lastMutationIDChanges"],
        json!({ longest.clone(): 1 })
    );
});

on_both_databases!(
    push_naming_more_clients_than_sqlite_binds_is_served,
    |app| {
        // The push looks up all its clients in one query, and SQLite binds each id as a
        // variable, refusing more than 32,766 of them: the push answered 500 there.
        // Mutation 0 of an unknown client counts as applied already, so only c1's
        // mutation changes anything.
        let mut mutations: Vec<_> = (0..40_000)
            .map(|k| mutation(&format!("old{k}"), 0, "noop", json!(null)))
            .collect();
        mutations.push(create_message("c1", 1, "m1", "after", 1));
        app.push_ok("g1", mutations).await;
        let pulled = app.pull_ok("g1", json!(null)).await;
        assert_eq!(
            normalized(&pulled),
            json!({"cookie": 2, "lastMutationIDChanges": {"c1": 1},
               "patch": [clear(), put("m1", "after", 1), general()]})
        );
    }
);

on_both_databases!(string_cookie_with_long_digits_gets_a_newer_cookie, |app| {
    // The client compares string cookies as strings. No integer up to 2^53 extends
    // these digits, so the reset used to answer the current version ("1" sorts below
    // "9...") and the client dropped every response; "91" sorts above.
    let cookie = json!("9007199254740993");
    let pulled = app.pull_ok("g1", cookie.clone()).await;
    assert_eq!(
        compare_cookies(&pulled["cookie"], &cookie),
        Some(std::cmp::Ordering::Greater),
        "{pulled}"
    );
    assert_eq!(pulled["patch"], json!([clear(), general()]));
    let mut cache = ClientView {
        cookie,
        ..ClientView::new()
    };
    cache.apply(&pulled);
    assert_eq!(
        app.pull_ok("g1", cache.cookie.clone()).await,
        unchanged(&cache.cookie)
    );
});

on_both_databases!(
    lone_surrogate_escapes_become_replacement_characters,
    |app| {
        // A JavaScript string may hold half an emoji, which JSON.stringify writes as a lone
        // surrogate escape. Refusing the body would block the client forever (it resends
        // the same mutations on every push); the server stores U+FFFD instead, as a
        // browser's UTF-8 encoder does.
        let push = r#"{"pushVersion": 1, "clientGroupID": "g1", "mutations": [
        {"clientID": "c1", "id": 1, "name": "createMessage", "timestamp": 1,
         "args": {"id": "m1", "from": "\ud83d", "content": "cut \ud83d\ude00\ud83d", "order": 1}}]}"#;
        let answer = app
            .post_raw(
                "/api/replicache-push",
                Some(ContentType::JSON),
                vec![],
                push,
            )
            .await;
        assert_eq!((answer.status, answer.json()), (Status::Ok, json!({})));
        let pulled = normalized(&app.pull_ok("g1", json!(null)).await);
        assert_eq!(pulled["lastMutationIDChanges"], json!({"c1": 1}));
        assert_eq!(
            pulled["patch"],
            json!([clear(), {"op": "put", "key": "message/m1",
            "value": message_value("\u{FFFD}", "cut \u{1F600}\u{FFFD}", 1)}, general()])
        );
        let pull = r#"{"pullVersion": 1, "clientGroupID": "g1", "cookie": "\udc00",
                   "profileID": "p", "schemaVersion": ""}"#;
        let answer = app
            .post_raw(
                "/api/replicache-pull",
                Some(ContentType::JSON),
                vec![],
                pull,
            )
            .await;
        assert_eq!(answer.status, Status::Ok, "{}", answer.body);
        assert_pull_response_shape(&answer.json());
    }
);

/// Fails the commit of the transaction that sets the global version to 50.
const PG_FAIL_COMMIT_AT_50: &str = "
    CREATE FUNCTION test_fail_commit() RETURNS trigger AS $$ BEGIN
        RAISE EXCEPTION 'commit failure injected by the test';
    END $$ LANGUAGE plpgsql;
    CREATE CONSTRAINT TRIGGER test_fail_commit AFTER UPDATE ON replicache_server
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.version = 50)
        EXECUTE FUNCTION test_fail_commit();";

/// The same on SQLite: a deferred foreign key violation, checked at commit.
const SQLITE_FAIL_COMMIT_AT_50: &str = "
    CREATE TABLE test_parent (id INTEGER PRIMARY KEY);
    CREATE TABLE test_child (
        parent INTEGER REFERENCES test_parent (id) DEFERRABLE INITIALLY DEFERRED);
    CREATE TRIGGER test_fail_commit AFTER UPDATE ON replicache_server
        WHEN NEW.version = 50
    BEGIN INSERT INTO test_child (parent) VALUES (999); END;";

on_both_databases!(a_reset_whose_commit_fails_leaves_no_view_behind, |app| {
    // A cookie ahead of the server makes the pull raise the global version in a write
    // transaction. Its view used to be kept for later pulls before the commit; when
    // the commit failed, version 50 was reached later by other writes and full pulls
    // at 50 were served the view of the failed transaction.
    let mut conn = app.direct();
    conn.execute_either(PG_FAIL_COMMIT_AT_50, SQLITE_FAIL_COMMIT_AT_50);
    app.push_ok("g1", vec![create_message("c1", 1, "m0", "first", 0)])
        .await;
    let (status, body) = app.pull(&pull_body("g1", json!(49))).await;
    assert_ne!(status, Status::Ok, "the commit was made to fail: {body}");
    conn.execute_either(
        "DROP TRIGGER test_fail_commit ON replicache_server",
        "DROP TRIGGER test_fail_commit",
    );
    let mut sent = 1;
    while conn.number("SELECT version AS n FROM replicache_server") < 50 {
        sent += 1;
        let id = format!("m{sent}");
        app.push_ok("g1", vec![create_message("c1", sent, &id, "later", sent)])
            .await;
    }
    let pulled = app.pull_ok("g1", json!(null)).await;
    assert_eq!(pulled["cookie"], json!(50));
    // Every op but the leading clear and room/general is a message.
    let messages = pulled["patch"].as_array().map_or(0, Vec::len) - 2;
    assert_eq!(messages as i64, sent, "every message at version 50");
});

on_both_databases!(
    a_mutator_name_the_database_cannot_store_breaks_no_batch,
    |app| {
        // PostgreSQL refuses NUL in text: the error entry stores a replacement instead,
        // so the push (and any push combined with it) goes through.
        let odd = mutation("c1", 1, "no\u{0}such", json!({}));
        app.push_ok("g1", vec![odd, create_message("c1", 2, "m1", "after", 1)])
            .await;
        let view = ClientView::from_response(&app.pull_ok("g1", json!(null)).await);
        assert_eq!(view.data["error/c1/1"]["name"], "no\u{FFFD}such");
        assert!(view.data.contains_key("message/m1"));
        assert_eq!(view.lmids.get("c1").copied(), Some(2));
    }
);
