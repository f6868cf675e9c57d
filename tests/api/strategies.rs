//! Pull strategies and unusable cookies: resets, reset-mode versus version-mode
//! equivalence and the patch format (docs/protocol.md checklist items 26–29).

use crate::on_both_databases;
use crate::support::app::TestApp;
use replichat::service::PullStrategy;
use replichat_test_support::bodies::{
    clear, create_message, del, delete_message, general, mutation, normalized, put, rejected,
    unchanged, update_message,
};
use replichat_test_support::view::{assert_patch_well_formed, compare_cookies, ClientView};
use serde_json::{json, Value};
use std::cmp::Ordering;

/// Pushes a history with creates, edits, deletes, an error-mode mutation, two clients
/// in `g1` and one in another group; returns a snapshot of a `g1` cache after each push.
async fn build_history(app: &TestApp) -> Vec<ClientView> {
    let pushes = [
        (
            "g1",
            vec![
                create_message("c1", 1, "m1", "one", 1),
                create_message("c1", 2, "m2", "two", 2),
            ],
        ),
        ("g1", vec![create_message("c2", 1, "m3", "three", 3)]),
        ("h", vec![create_message("d1", 1, "m4", "elsewhere", 4)]),
        (
            "g1",
            vec![
                update_message("c1", 3, "m1", "one edited"),
                delete_message("c1", 4, "m2"),
            ],
        ),
        ("g1", vec![mutation("c2", 2, "noSuchMutator", json!({}))]),
        (
            "g1",
            vec![
                create_message("c2", 3, "m5", "five", 5),
                update_message("c2", 4, "m5", "five edited"),
                delete_message("c2", 5, "m3"),
            ],
        ),
    ];
    let mut snapshots = vec![ClientView::from_response(
        &app.pull_ok("g1", json!(null)).await,
    )];
    for (group, batch) in pushes {
        app.push_ok(group, batch).await;
        let full = app.pull_ok("g1", json!(null)).await;
        snapshots.push(ClientView::from_response(&full));
    }
    snapshots
}

on_both_databases!(item_26_unusable_cookie_gets_a_reset_above_it, |app| {
    let history = build_history(&app).await;
    let current = history.last().unwrap().clone();
    let unusable = [
        json!(1000),
        json!({"order": 5000, "cvrID": "unknown-cvr"}),
        json!(-7),
        json!(2.5),
        // Strings compare as strings on the client: "5001" < "77", so the server has to
        // find an integer whose decimal text sorts above (e.g. 7700).
        json!({"order": "77", "cvrID": "unknown-cvr"}),
        json!("99"),
    ];
    for cookie in unusable {
        let mut stale = ClientView {
            cookie: cookie.clone(),
            lmids: [("c1".to_string(), 1)].into(),
            data: [("message/ghost".to_string(), json!("stale"))].into(),
        };
        let pulled = app.pull_ok("g1", cookie.clone()).await;
        let new_cookie = pulled["cookie"].clone();
        assert!(new_cookie.is_i64(), "{pulled}");
        assert_eq!(
            compare_cookies(&new_cookie, &cookie),
            Some(Ordering::Greater),
            "reset cookie {new_cookie} is not above {cookie}"
        );
        assert_eq!(
            normalized(&pulled),
            json!({
                "cookie": new_cookie,
                "lastMutationIDChanges": {"c1": 4, "c2": 5},
                "patch": [clear(),
                          rejected("c2", 2, "noSuchMutator", "unknown mutator \"noSuchMutator\""),
                          put("m1", "one edited", 1), put("m4", "elsewhere", 4),
                          put("m5", "five edited", 5), general()],
            }),
            "from {cookie}"
        );
        stale.apply(&pulled);
        assert_eq!((&stale.data, &stale.lmids), (&current.data, &current.lmids));
        // The reset converged: the new cookie is served normally from now on.
        assert_eq!(
            app.pull_ok("g1", new_cookie.clone()).await,
            unchanged(&new_cookie)
        );
    }
    let last = app.pull_ok("g1", json!(null)).await["cookie"].clone();
    app.push_ok("g1", vec![create_message("c1", 5, "m6", "after", 6)])
        .await;
    let pulled = app.pull_ok("g1", last.clone()).await;
    assert_eq!(
        compare_cookies(&pulled["cookie"], &last),
        Some(Ordering::Greater)
    );
    assert_eq!(pulled["patch"], json!([put("m6", "after", 6)]));
});

on_both_databases!(item_27_reset_and_version_modes_agree, |app| {
    let reset = app
        .sibling(|c| c.protocol.pull_strategy = PullStrategy::Reset)
        .await;
    let history = build_history(&app).await;
    let latest = history.last().unwrap();
    let mut starts = history.clone();
    starts.push(ClientView::new());
    for start in starts {
        let mut by_version = start.clone();
        let mut by_reset = start.clone();
        let version_answer = app.pull_ok("g1", start.cookie.clone()).await;
        let reset_answer = reset.pull_ok("g1", start.cookie.clone()).await;
        assert!(version_answer["cookie"].is_i64() && reset_answer["cookie"].is_i64());
        by_version.apply(&version_answer);
        by_reset.apply(&reset_answer);
        assert_eq!(by_version, by_reset, "from cookie {}", start.cookie);
        assert_eq!(&by_version, latest, "from cookie {}", start.cookie);
    }
});

on_both_databases!(item_28_patch_has_one_valid_op_per_key, |app| {
    let reset = app
        .sibling(|c| c.protocol.pull_strategy = PullStrategy::Reset)
        .await;
    let mut cookies = vec![json!(null), json!(1)];
    app.push_ok("g1", vec![create_message("c1", 1, "m1", "one", 1)])
        .await;
    cookies.push(app.current_cookie().await);
    // One key written several times in one push, another across pushes.
    app.push_ok(
        "g1",
        vec![
            update_message("c1", 2, "m1", "one again"),
            create_message("c1", 3, "m2", "two", 2),
            update_message("c1", 4, "m2", "two again"),
            update_message("c1", 5, "m2", "two final"),
            delete_message("c1", 6, "m1"),
        ],
    )
    .await;
    let pulled = app.pull_ok("g1", cookies[2].clone()).await;
    assert_eq!(
        normalized(&pulled)["patch"],
        json!([del("m1"), put("m2", "two final", 2)])
    );
    cookies.push(app.current_cookie().await);
    app.push_ok("g1", vec![update_message("c1", 7, "m2", "two later")])
        .await;
    cookies.extend([app.current_cookie().await, json!(999), json!("x")]);
    for server in [&app, &reset] {
        for cookie in &cookies {
            let answer = server.pull_ok("g1", cookie.clone()).await;
            assert_patch_well_formed(&answer["patch"]);
            let ops: Vec<&Value> = answer["patch"].as_array().unwrap().iter().collect();
            assert!(
                ops.iter().skip(1).all(|op| op["op"] != "clear"),
                "clear after the first op from {cookie}: {answer}"
            );
        }
    }
});

on_both_databases!(
    item_29_reset_mode_clears_whenever_the_cookie_changed,
    config = |c| c.protocol.pull_strategy = PullStrategy::Reset,
    |app| {
        app.push_ok("g1", vec![create_message("c1", 1, "m1", "one", 1)])
            .await;
        let pulled = app.pull_ok("g1", json!(null)).await;
        assert_eq!(
            normalized(&pulled),
            json!({"cookie": 2, "lastMutationIDChanges": {"c1": 1},
                   "patch": [clear(), put("m1", "one", 1), general()]})
        );
        let steps = [
            create_message("c1", 2, "m2", "two", 2),
            mutation("c1", 3, "noSuchMutator", json!(null)),
            delete_message("c1", 4, "m1"),
        ];
        let error = rejected(
            "c1",
            3,
            "noSuchMutator",
            "unknown mutator \"noSuchMutator\"",
        );
        let views = [
            json!([clear(), put("m1", "one", 1), put("m2", "two", 2), general()]),
            json!([
                clear(),
                error,
                put("m1", "one", 1),
                put("m2", "two", 2),
                general()
            ]),
            json!([clear(), error, put("m2", "two", 2), general()]),
        ];
        for ((id, step), view) in (2..).zip(steps).zip(views) {
            app.push_ok("g1", vec![step]).await;
            let pulled = app.pull_ok("g1", json!(id)).await;
            assert_eq!(
                normalized(&pulled),
                json!({"cookie": id + 1, "lastMutationIDChanges": {"c1": id}, "patch": view})
            );
            assert_eq!(
                app.pull_ok("g1", json!(id + 1)).await,
                unchanged(&json!(id + 1))
            );
        }
    }
);
