//! Pull in version mode: versions, full and incremental views, cookies and forks
//! (docs/protocol.md checklist items 17–19, 21, 23–25).

use crate::on_both_databases;
use replichat::service::PullStrategy;
use replichat_test_support::bodies::{
    clear, create_message, create_messages, del, delete_message, general, mutation, normalized,
    pull_body, put, rejected, unchanged, update_message,
};
use replichat_test_support::view::{compare_cookies, ClientView};
use rocket::http::Status;
use serde_json::{json, Value};

on_both_databases!(item_17_other_pull_versions_are_refused, |app| {
    app.push_ok("g1", vec![create_message("c1", 1, "m1", "x", 1)])
        .await;
    let v0 = json!({"pullVersion": 0, "clientID": "c1", "cookie": null,
                    "lastMutationID": 0, "schemaVersion": ""});
    let mut v2 = pull_body("g1", json!(null));
    v2["pullVersion"] = json!(2);
    for body in [v0, v2] {
        let (status, answer) = app.pull(&body).await;
        assert_eq!(
            (status, answer),
            (
                Status::Ok,
                json!({"error": "VersionNotSupported", "versionType": "pull"})
            )
        );
    }
});

on_both_databases!(item_18_null_cookie_returns_the_full_view, |app| {
    app.push_ok(
        "g",
        vec![
            create_message("c1", 1, "m1", "one", 1),
            create_message("c1", 2, "m2", "two", 2),
            create_message("c1", 3, "m3", "three", 3),
        ],
    )
    .await;
    app.push_ok("g", vec![create_message("c2", 1, "m4", "four", 4)])
        .await;
    app.push_ok("h", vec![create_message("d1", 1, "m5", "five", 5)])
        .await;
    app.push_ok("g", vec![delete_message("c1", 4, "m2")]).await;
    let pulled = app.pull_ok("g", json!(null)).await;
    assert_eq!(
        normalized(&pulled),
        json!({
            "cookie": 5,
            "lastMutationIDChanges": {"c1": 4, "c2": 1},
            "patch": [clear(), put("m1", "one", 1), put("m3", "three", 3),
                      put("m4", "four", 4), put("m5", "five", 5), general()],
        })
    );
});

on_both_databases!(item_19_current_cookie_gets_an_empty_answer, |app| {
    let reset = app
        .sibling(|c| c.protocol.pull_strategy = PullStrategy::Reset)
        .await;
    app.push_ok("g1", vec![create_message("c1", 1, "m1", "x", 1)])
        .await;
    app.push_ok("g1", vec![mutation("c1", 2, "noSuchMutator", json!(null))])
        .await;
    let cookie = app.pull_ok("g1", json!(null)).await["cookie"].clone();
    assert!(!cookie.is_null());
    for server in [&app, &reset, &app] {
        assert_eq!(
            server.pull_ok("g1", cookie.clone()).await,
            unchanged(&cookie)
        );
    }
    // A group that never pushed, holding the current cookie, is just as up to date.
    assert_eq!(
        app.pull_ok("other", cookie.clone()).await,
        unchanged(&cookie)
    );
});

on_both_databases!(item_21_lmid_change_always_changes_the_cookie, |app| {
    let mut cookie = app.pull_ok("g1", json!(null)).await["cookie"].clone();
    let steps = [
        (
            create_message("c1", 1, "m1", "x", 1),
            json!([put("m1", "x", 1)]),
        ),
        // Error mode: only the lmid moves (and the error entry is written); the pusher
        // still needs to see it.
        (
            mutation("c1", 2, "noSuchMutator", json!({})),
            json!([rejected(
                "c1",
                2,
                "noSuchMutator",
                "unknown mutator \"noSuchMutator\""
            )]),
        ),
        (
            create_message("c1", 3, "m1", "duplicate", 3),
            json!([rejected(
                "c1",
                3,
                "createMessage",
                "message m1 already exists"
            )]),
        ),
        (
            mutation("c1", 4, "deleteMessage", json!(null)),
            json!([rejected(
                "c1",
                4,
                "deleteMessage",
                "invalid arguments: invalid type: null, expected deleteMessage arguments (an object)"
            )]),
        ),
    ];
    for (id, (step, patch)) in (1..).zip(steps) {
        app.push_ok("g1", vec![step]).await;
        let pulled = app.pull_ok("g1", cookie.clone()).await;
        assert_eq!(
            compare_cookies(&pulled["cookie"], &cookie),
            Some(std::cmp::Ordering::Greater),
            "after mutation {id}: {pulled}"
        );
        assert_eq!(
            pulled,
            json!({"cookie": pulled["cookie"], "lastMutationIDChanges": {"c1": id}, "patch": patch})
        );
        cookie = pulled["cookie"].clone();
    }
});

on_both_databases!(item_23_version_mode_returns_rows_newer_than_cookie, |app| {
    let messages = create_messages("c1", &[("m1", "one"), ("m2", "two")]);
    app.push_ok("g1", messages).await;
    app.push_ok(
        "g1",
        vec![
            update_message("c1", 3, "m1", "one edited"),
            create_message("c1", 4, "m3", "three", 3),
            create_message("c1", 5, "m4", "four", 4),
        ],
    )
    .await;
    app.push_ok(
        "g1",
        vec![delete_message("c1", 6, "m2"), delete_message("c1", 7, "m4")],
    )
    .await;
    let everything = vec![
        put("m1", "one edited", 1),
        del("m2"),
        put("m3", "three", 3),
        del("m4"),
    ];
    let expected = [
        // general was created at version 1, after a cookie of 0: it is sent whole, as
        // a room joined since (its live entries; nothing of it existed at 0 to delete).
        (
            0,
            vec![put("m1", "one edited", 1), put("m3", "three", 3), general()],
        ),
        (1, everything.clone()),
        (2, everything),
        (3, vec![del("m2"), del("m4")]),
    ];
    for (cookie, patch) in expected {
        let pulled = app.pull_ok("g1", json!(cookie)).await;
        assert_eq!(
            normalized(&pulled),
            json!({"cookie": 4, "lastMutationIDChanges": {"c1": 7}, "patch": patch}),
            "from cookie {cookie}"
        );
    }
    assert_eq!(app.pull_ok("g1", json!(4)).await, unchanged(&json!(4)));
});

on_both_databases!(item_24_deleted_key_never_reappears, |app| {
    // A fresh cache's view (and cookie) before the first push and after each push.
    let mut snapshots = vec![ClientView::from_response(
        &app.pull_ok("g1", json!(null)).await,
    )];
    let pushes = [
        vec![create_message("c1", 1, "m1", "doomed", 1)],
        vec![create_message("c1", 2, "m2", "survivor", 2)],
        vec![delete_message("c1", 3, "m1")],
        vec![
            update_message("c1", 4, "m1", "zombie"),
            create_message("c1", 5, "m1", "reborn", 5),
            delete_message("c1", 6, "m1"),
            create_message("c1", 7, "m3", "later", 3),
        ],
        vec![update_message("c1", 8, "m2", "survivor edited")],
    ];
    for batch in pushes {
        app.push_ok("g1", batch).await;
        let full = app.pull_ok("g1", json!(null)).await;
        snapshots.push(ClientView::from_response(&full));
    }
    let deleted_at = snapshots[3].cookie.clone();
    for later in &snapshots[3..] {
        assert!(
            !later.data.contains_key("message/m1"),
            "m1 is back at {}",
            later.cookie
        );
    }
    for (index, snapshot) in snapshots.iter().enumerate() {
        let pulled = app.pull_ok("g1", snapshot.cookie.clone()).await;
        let ops_on_m1: Vec<Value> = pulled["patch"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|op| op["key"] == "message/m1")
            .cloned()
            .collect();
        // Older caches learn of the delete (a no-op for one that never had m1); newer
        // ones hear nothing of m1, despite the later mutations aimed at it.
        let expected = if index < 3 { vec![del("m1")] } else { vec![] };
        assert_eq!(
            ops_on_m1, expected,
            "from cookie {} (deleted at {deleted_at})",
            snapshot.cookie
        );
        let mut view = snapshot.clone();
        view.apply(&pulled);
        assert!(
            !view.data.contains_key("message/m1"),
            "m1 came back: {pulled}"
        );
        assert_eq!(view.data, snapshots.last().unwrap().data);
    }
});

on_both_databases!(item_25_forked_group_gets_incremental_answer, |app| {
    app.push_ok("g1", vec![create_message("c1", 1, "m1", "old", 1)])
        .await;
    let forked_from = app.pull_ok("g1", json!(null)).await["cookie"].clone();
    app.push_ok("g1", vec![create_message("c1", 2, "m2", "new", 2)])
        .await;
    // g2 was created from g1's local snapshot, cookie included, and never talked to us.
    let pulled = app.pull_ok("g2", forked_from).await;
    assert_eq!(
        pulled,
        json!({"cookie": 3, "lastMutationIDChanges": {}, "patch": [put("m2", "new", 2)]})
    );
    app.push_ok("g2", vec![create_message("e1", 1, "m3", "forked", 3)])
        .await;
    let pulled = app.pull_ok("g2", json!(3)).await;
    assert_eq!(
        pulled,
        json!({"cookie": 4, "lastMutationIDChanges": {"e1": 1},
               "patch": [put("m3", "forked", 3)]})
    );
});
