//! Push: the lastMutationID rules of docs/protocol.md §7 (checklist items 1–7). Effects are read
//! back through pulls, so every assertion is on what a client would see.

use crate::on_both_databases;
use replichat_test_support::bodies::{
    clear, create_message, create_messages, general, mutation, normalized, push_body, put,
    rejected, unchanged, update_message,
};
use replichat_test_support::database::Db;
use rocket::http::Status;
use serde_json::json;

on_both_databases!(item_01_create_message_from_new_client_is_applied, |app| {
    let (status, body) = app
        .push(&push_body(
            "g1",
            vec![create_message("c1", 1, "m1", "hello", 7)],
        ))
        .await;
    assert_eq!((status, body), (Status::Ok, json!({})));
    let pulled = app.pull_ok("g1", json!(null)).await;
    assert_eq!(
        normalized(&pulled),
        json!({
            "cookie": 2,
            "lastMutationIDChanges": {"c1": 1},
            "patch": [
                {"op": "clear"},
                {"op": "put", "key": "message/m1",
                 "value": {"from": "tester", "content": "hello", "order": 7,
                           "roomID": "general", "author": ""}},
                general(),
            ],
        })
    );
});

on_both_databases!(item_02_replayed_mutation_changes_nothing, |app| {
    app.push_ok("g1", vec![create_message("c1", 1, "m1", "hello", 1)])
        .await;
    let before = app.pull_ok("g1", json!(null)).await;
    // The same id again, even with other arguments, is a replay and must be skipped.
    for replay in [
        create_message("c1", 1, "m1", "hello", 1),
        create_message("c1", 1, "m1", "rewritten", 9),
        create_message("c1", 1, "other", "new row", 2),
    ] {
        app.push_ok("g1", vec![replay]).await;
    }
    let cookie = before["cookie"].clone();
    assert_eq!(app.pull_ok("g1", cookie.clone()).await, unchanged(&cookie));
    assert_eq!(app.pull_ok("g1", json!(null)).await, before);
});

on_both_databases!(
    item_03_partially_applied_batch_applies_only_the_rest,
    |app| {
        let messages = create_messages("c1", &[("m1", "one"), ("m2", "two")]);
        app.push_ok("g1", messages).await;
        let cookie = app.pull_ok("g1", json!(null)).await["cookie"].clone();
        // 1 and 2 come back with other arguments: applying them again would be visible.
        app.push_ok(
            "g1",
            vec![
                create_message("c1", 1, "x1", "replayed one", 1),
                update_message("c1", 2, "m1", "replayed two"),
                create_message("c1", 3, "m3", "three", 3),
            ],
        )
        .await;
        assert_eq!(
            app.pull_normalized("g1", cookie).await,
            json!({
                "cookie": 3,
                "lastMutationIDChanges": {"c1": 3},
                "patch": [put("m3", "three", 3)],
            })
        );
    }
);

on_both_databases!(item_04_interleaved_clients_use_their_own_lmid, |app| {
    let messages = create_messages("c1", &[("a1", "a1"), ("a2", "a2")]);
    app.push_ok("g1", messages).await;
    let cookie = app.pull_ok("g1", json!(null)).await["cookie"].clone();
    // c2 is new (expects 1) while c1 expects 3: checked against c1's lmid, c2's
    // mutation 1 would be a replay, and c1's 3 would be a gap for c2.
    app.push_ok(
        "g1",
        vec![
            create_message("c2", 1, "b1", "b1", 11),
            create_message("c1", 2, "a2-replay", "replay", 2),
            create_message("c1", 3, "a3", "a3", 3),
            create_message("c2", 2, "b2", "b2", 12),
            create_message("c1", 4, "a4", "a4", 4),
        ],
    )
    .await;
    assert_eq!(
        app.pull_normalized("g1", cookie).await,
        json!({
            "cookie": 3,
            "lastMutationIDChanges": {"c1": 4, "c2": 2},
            "patch": [put("a3", "a3", 3), put("a4", "a4", 4), put("b1", "b1", 11), put("b2", "b2", 12)],
        })
    );
});

on_both_databases!(item_05_unknown_mutator_only_consumes_its_id, |app| {
    app.push_ok("g1", vec![create_message("c1", 1, "m1", "hello", 1)])
        .await;
    let before = app.pull_ok("g1", json!(null)).await;
    let cookie = before["cookie"].clone();
    let args = json!({"id": "m2", "from": "tester", "content": "x", "order": 2});
    app.push_ok("g1", vec![mutation("c1", 2, "noSuchMutator", args)])
        .await;
    let pulled = app.pull_ok("g1", cookie.clone()).await;
    let error = rejected(
        "c1",
        2,
        "noSuchMutator",
        "unknown mutator \"noSuchMutator\"",
    );
    assert_eq!(
        pulled,
        json!({"cookie": 3, "lastMutationIDChanges": {"c1": 2}, "patch": [error.clone()]})
    );
    // No domain row changed: the full view only gained the error entry.
    let mut expected = before.clone();
    expected["patch"]
        .as_array_mut()
        .expect("a patch")
        .push(error);
    let full = app.pull_ok("g1", json!(null)).await;
    assert_eq!(
        normalized(&full)["patch"],
        normalized(&expected)["patch"],
        "no domain row changed"
    );
});

on_both_databases!(item_06_failing_mutator_behaves_like_unknown_one, |app| {
    app.push_ok("g1", vec![create_message("c1", 1, "m1", "original", 1)])
        .await;
    let cookie = app.pull_ok("g1", json!(null)).await["cookie"].clone();
    // A fault only the database can raise, after the row was written: the failing
    // statement's partial write must not survive. Plain SQL works on both engines.
    app.direct().execute(match app.db {
        Db::Postgres => {
            "CREATE FUNCTION test_refuse_boom() RETURNS trigger AS $$ BEGIN \
               IF NEW.content = 'boom' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; \
               RETURN NEW; END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER test_refuse_boom AFTER INSERT ON message \
               FOR EACH ROW EXECUTE FUNCTION test_refuse_boom();"
        }
        Db::Sqlite => {
            "CREATE TRIGGER test_refuse_boom AFTER INSERT ON message \
               WHEN NEW.content = 'boom' BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END;"
        }
    });
    app.push_ok(
        "g1",
        vec![
            // Duplicate id: must neither fail the push nor overwrite m1.
            create_message("c1", 2, "m1", "overwritten", 99),
            // Wrong argument types.
            mutation(
                "c1",
                3,
                "createMessage",
                json!({"id": "m3", "from": 5, "content": "x", "order": "1"}),
            ),
            update_message("c1", 4, "missing", "nothing to update"),
            create_message("c1", 5, "m5", "boom", 5),
            create_message("c1", 6, "m6", "after the failures", 6),
        ],
    )
    .await;
    // Each refused mutation leaves only its error entry in g1's view.
    let errors = [
        rejected("c1", 2, "createMessage", "message m1 already exists"),
        rejected(
            "c1",
            3,
            "createMessage",
            "invalid arguments: invalid type: integer `5`, expected a string",
        ),
        rejected("c1", 4, "updateMessage", "message missing does not exist"),
        rejected(
            "c1",
            5,
            "createMessage",
            "the server could not store this change",
        ),
    ];
    let mut patch = errors.to_vec();
    patch.push(put("m6", "after the failures", 6));
    assert_eq!(
        app.pull_normalized("g1", cookie).await,
        json!({
            "cookie": 3,
            "lastMutationIDChanges": {"c1": 6},
            "patch": patch,
        })
    );
    let full = app.pull_ok("g1", json!(null)).await;
    let mut patch = vec![clear()];
    patch.extend(errors);
    patch.extend([
        put("m1", "original", 1),
        put("m6", "after the failures", 6),
        general(),
    ]);
    assert_eq!(normalized(&full)["patch"], json!(patch));
});

on_both_databases!(item_07_gap_answers_client_state_not_found, |app| {
    app.push_ok("g1", vec![create_message("c1", 1, "m1", "one", 1)])
        .await;
    let before = app.pull_ok("g1", json!(null)).await;
    let csnf = json!({"error": "ClientStateNotFound"});
    // A gap for a known client, and an unknown client starting above 1.
    for first in [
        create_message("c1", 3, "m3", "three", 3),
        create_message("c9", 2, "n2", "two", 2),
    ] {
        let (status, body) = app.push(&push_body("g1", vec![first])).await;
        assert_eq!((status, body), (Status::Ok, csnf.clone()));
    }
    let cookie = before["cookie"].clone();
    assert_eq!(app.pull_ok("g1", cookie.clone()).await, unchanged(&cookie));
    // Mutations before the gap stay committed; nothing after it is applied.
    let (status, body) = app
        .push(&push_body(
            "g1",
            vec![
                create_message("c1", 2, "m2", "two", 2),
                create_message("c1", 4, "m4", "four", 4),
                create_message("c1", 5, "m5", "five", 5),
            ],
        ))
        .await;
    assert_eq!((status, body), (Status::Ok, csnf));
    assert_eq!(
        app.pull_normalized("g1", cookie).await,
        json!({"cookie": 3, "lastMutationIDChanges": {"c1": 2}, "patch": [put("m2", "two", 2)]})
    );
});
