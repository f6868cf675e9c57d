//! Rooms with read authorization (docs/rooms.md checklist items 40–44 and 48): who sees
//! what under both pull strategies and every kind of cookie, joining, leaving, removal,
//! deletion, and the rules with their error entries.

use crate::on_both_databases;
use crate::support::app::TestApp;
use crate::support::users::{patch_keys, with_users, User};
use replichat::service::PullStrategy;
use replichat_test_support::bodies::{create_message, general, push_body, rejected};
use replichat_test_support::view::ClientView;
use rocket::http::Status;
use serde_json::{json, Value};

/// `createRoom` arguments.
fn room(id: &str, visibility: &str) -> Value {
    json!({"id": id, "name": format!("Room {id}"), "visibility": visibility})
}

/// `createMessage` arguments in `room`.
fn message(id: &str, room: &str, content: &str, order: i64) -> Value {
    json!({"id": id, "from": "display", "content": content, "order": order, "roomID": room})
}

/// `addMember` / `removeMember` arguments.
fn membership(room: &str, user: &str) -> Value {
    json!({"roomID": room, "userID": user})
}

/// True when `key` belongs to room `room` in a view whose messages of that room are
/// `messages`.
fn of_room(key: &str, room: &str, messages: &[&str]) -> bool {
    key == format!("room/{room}")
        || key.starts_with(&format!("member/{room}/"))
        || messages.iter().any(|m| key == format!("message/{m}"))
}

/// The same app configured for the reset strategy.
async fn reset_sibling(app: &TestApp) -> TestApp {
    app.sibling(|c| {
        with_users(c);
        c.protocol.pull_strategy = PullStrategy::Reset;
    })
    .await
}

/// Alice's private room `r1` with two messages, Bob a member, Carol not; a public room
/// `p1` with one message by Carol.
async fn three_users(app: &TestApp) -> (User, User, User) {
    let (mut alice, mut bob, mut carol) =
        (User::new("alice"), User::new("bob"), User::new("carol"));
    alice.run(app, "createRoom", room("r1", "private")).await;
    alice
        .run(app, "createMessage", message("m1", "r1", "secret one", 1))
        .await;
    alice.run(app, "addMember", membership("r1", "bob")).await;
    bob.run(app, "createMessage", message("m2", "r1", "secret two", 2))
        .await;
    carol.run(app, "createRoom", room("p1", "public")).await;
    carol
        .run(app, "createMessage", message("m3", "p1", "hello all", 3))
        .await;
    (alice, bob, carol)
}

on_both_databases!(
    item_40_non_members_never_see_a_private_room,
    config = with_users,
    |app| {
        let (_alice, bob, carol) = three_users(&app).await;
        let reset = reset_sibling(&app).await;
        let current = carol.pull_from(&app, Value::Null).await["cookie"].clone();
        let now = current.as_i64().unwrap_or_default();
        let cookies = [
            Value::Null,
            json!(0),
            json!(1),
            json!(now - 1),
            current.clone(),
            json!(now + 1_000_000),
            json!("abc"),
            json!({"order": 3}),
        ];
        for server in [&app, &reset] {
            for cookie in &cookies {
                let answer = carol.pull_from(server, cookie.clone()).await;
                let leaked: Vec<String> = patch_keys(&answer)
                    .into_iter()
                    .filter(|key| of_room(key, "r1", &["m1", "m2"]))
                    .collect();
                assert!(
                    leaked.is_empty(),
                    "carol got {leaked:?} from cookie {cookie}"
                );
                // Bob, a member, sees the room with both messages in a full view.
                let full = bob.full_view(server).await;
                for key in [
                    "room/r1",
                    "member/r1/alice",
                    "member/r1/bob",
                    "message/m1",
                    "message/m2",
                ] {
                    assert!(full.data.contains_key(key), "bob misses {key}");
                }
            }
        }
        // Carol sees general and the public room, and nothing else of anyone's.
        let full = carol.full_view(&app).await;
        let keys: Vec<&str> = full.data.keys().map(String::as_str).collect();
        assert_eq!(keys, ["message/m3", "room/general", "room/p1"]);
    }
);

on_both_databases!(
    item_41_an_added_member_gets_the_room_and_its_history,
    config = with_users,
    |app| {
        let (mut alice, _bob, mut carol) = three_users(&app).await;
        let reset = reset_sibling(&app).await;
        carol.pull(&app).await;
        let before = carol.view.clone();
        alice
            .run(&app, "addMember", membership("r1", "carol"))
            .await;
        alice
            .run(
                &app,
                "createMessage",
                message("m4", "r1", "welcome carol", 4),
            )
            .await;
        for server in [&app, &reset] {
            for start in [before.clone(), ClientView::new()] {
                let mut view = start;
                let answer = carol.pull_from(server, view.cookie.clone()).await;
                view.apply(&answer);
                let full = carol.full_view(server).await;
                assert_eq!(view.data, full.data, "the pull equals the full view");
                for key in [
                    "room/r1",
                    "member/r1/carol",
                    "message/m1",
                    "message/m2",
                    "message/m4",
                ] {
                    assert!(
                        view.data.contains_key(key),
                        "carol misses {key} after joining"
                    );
                }
            }
        }
        carol.pull(&app).await;
        // A member can post and read there now.
        carol
            .run(&app, "createMessage", message("m5", "r1", "thanks", 5))
            .await;
        assert!(alice.pull(&app).await.to_string().contains("thanks"));
    }
);

on_both_databases!(
    item_42_a_removed_member_loses_every_entry_of_the_room,
    config = with_users,
    |app| {
        let (mut alice, mut bob, _carol) = three_users(&app).await;
        bob.pull(&app).await;
        assert!(bob.view.data.contains_key("message/m1"));
        let before_removal = bob.view.clone();
        alice
            .run(&app, "removeMember", membership("r1", "bob"))
            .await;
        alice
            .run(
                &app,
                "createMessage",
                message("m6", "r1", "after bob left", 6),
            )
            .await;
        let reset = reset_sibling(&app).await;
        for server in [&app, &reset] {
            let mut view = before_removal.clone();
            let answer = bob.pull_from(server, view.cookie.clone()).await;
            view.apply(&answer);
            let left: Vec<&String> = view
                .data
                .keys()
                .filter(|key| of_room(key, "r1", &["m1", "m2", "m6"]))
                .collect();
            assert!(left.is_empty(), "bob still holds {left:?}");
            assert!(!answer.to_string().contains("after bob left"));
            assert!(
                !patch_keys(&answer).contains(&"message/m6".to_string()),
                "no id leaks"
            );
        }
        bob.pull(&app).await;
        // Nothing of the room comes back later, and bob can no longer post there.
        let id = bob
            .run(&app, "createMessage", message("m7", "r1", "let me in", 7))
            .await;
        alice
            .run(
                &app,
                "createMessage",
                message("m8", "r1", "still private", 8),
            )
            .await;
        let answer = bob.pull(&app).await;
        assert!(!bob
            .keys()
            .iter()
            .any(|key| of_room(key, "r1", &["m1", "m2", "m6", "m7", "m8"])));
        assert!(!answer.to_string().contains("still private"));
        let error = format!("error/{}/{id}", bob.client);
        assert_eq!(bob.view.data[&error]["message"], "not a member of room r1");

        // Leaving by oneself works the same way.
        let mut dan = User::new("dan");
        alice.run(&app, "addMember", membership("r1", "dan")).await;
        dan.pull(&app).await;
        assert!(dan.view.data.contains_key("message/m8"));
        dan.run(&app, "removeMember", membership("r1", "dan")).await;
        dan.pull(&app).await;
        assert!(!dan
            .keys()
            .iter()
            .any(|key| key.contains("r1") || *key == "message/m8"));
        assert_eq!(dan.view.data, dan.full_view(&app).await.data);
    }
);

on_both_databases!(
    item_43_a_deleted_room_leaves_every_view_and_general_stays,
    config = with_users,
    |app| {
        let (mut alice, mut bob, mut carol) = three_users(&app).await;
        for user in [&mut alice, &mut bob, &mut carol] {
            user.pull(&app).await;
        }
        alice.run(&app, "deleteRoom", json!({"id": "r1"})).await;
        carol.run(&app, "deleteRoom", json!({"id": "p1"})).await;
        for user in [&mut alice, &mut bob, &mut carol] {
            user.pull(&app).await;
            let gone: Vec<&str> = user
                .keys()
                .into_iter()
                .filter(|key| of_room(key, "r1", &["m1", "m2"]) || of_room(key, "p1", &["m3"]))
                .collect();
            assert!(gone.is_empty(), "{} still holds {gone:?}", user.name);
            assert_eq!(user.view.data, user.full_view(&app).await.data);
        }
        // Its messages cannot be edited any more; general cannot be deleted.
        let edit = bob
            .run(
                &app,
                "updateMessage",
                json!({"id": "m2", "content": "edited"}),
            )
            .await;
        let general_delete = alice
            .run(&app, "deleteRoom", json!({"id": "general"}))
            .await;
        bob.pull(&app).await;
        alice.pull(&app).await;
        let reason = |user: &User, id: i64| {
            user.view.data[&format!("error/{}/{id}", user.client)]["message"].clone()
        };
        assert_eq!(reason(&bob, edit), "room r1 does not exist");
        assert_eq!(
            reason(&alice, general_delete),
            "the room general cannot be deleted"
        );
        assert!(alice.view.data.contains_key("room/general"));
    }
);

/// The user of `users` named `name`.
fn named<'a>(users: &'a mut [User], name: &str) -> &'a mut User {
    match users.iter_mut().find(|user| user.name == name) {
        Some(user) => user,
        None => panic!("no user {name}"),
    }
}

on_both_databases!(
    item_44_rule_violations_are_rejected_with_an_error_entry,
    config = with_users,
    |app| {
        let (alice, bob, carol) = three_users(&app).await;
        let mut users = [alice, bob, carol];
        let cases = [
            (
                "carol",
                "createMessage",
                message("x1", "r1", "sneaking in", 9),
                "not a member of room r1",
            ),
            (
                "bob",
                "updateMessage",
                json!({"id": "m1", "content": "mine now"}),
                "only the author may edit message m1",
            ),
            (
                "bob",
                "deleteMessage",
                json!({"id": "m1"}),
                "only the author or the owner of room r1 may delete message m1",
            ),
            (
                "carol",
                "deleteMessage",
                json!({"id": "m1"}),
                "message m1 does not exist",
            ),
            (
                "carol",
                "updateMessage",
                json!({"id": "m2", "content": "x"}),
                "message m2 does not exist",
            ),
            (
                "bob",
                "renameRoom",
                json!({"id": "r1", "name": "bob's"}),
                "only the owner may rename room r1",
            ),
            (
                "bob",
                "deleteRoom",
                json!({"id": "r1"}),
                "only the owner may delete room r1",
            ),
            (
                "carol",
                "addMember",
                membership("r1", "carol"),
                "not a member of room r1",
            ),
            (
                "bob",
                "removeMember",
                membership("r1", "alice"),
                "the owner cannot leave room r1: delete it instead",
            ),
            (
                "carol",
                "addMember",
                membership("p1", "bob"),
                "room p1 is public: it has no members",
            ),
            (
                "carol",
                "createRoom",
                room("r1", "public"),
                "room r1 already exists",
            ),
            (
                "carol",
                "createMessage",
                message("m3", "p1", "dup", 1),
                "message m3 already exists",
            ),
            (
                "carol",
                "createMessage",
                message("x2", "nowhere", "lost", 1),
                "room nowhere does not exist",
            ),
        ];
        let mut expected = Vec::new();
        for (name, mutator, args, reason) in cases {
            let user = named(&mut users, name);
            let id = user.run(&app, mutator, args).await;
            expected.push((name, user.client.clone(), id, mutator, reason));
        }
        for user in &mut users {
            user.pull(&app).await;
        }
        for (name, client, id, mutator, reason) in expected {
            let view = &named(&mut users, name).view;
            let lmid = view.lmids.get(&client).copied().unwrap_or_default();
            assert!(
                lmid >= id,
                "{name}'s mutation {id} was consumed (lmid {lmid})"
            );
            let key = format!("error/{client}/{id}");
            assert_eq!(
                view.data.get(&key),
                Some(&rejected(&client, id, mutator, reason)["value"]),
                "{name} {mutator}"
            );
        }
        // Nothing changed: alice's message is intact and only her group sees her errors.
        let full = named(&mut users, "alice").full_view(&app).await;
        assert_eq!(full.data["message/m1"]["content"], "secret one");
        assert_eq!(full.data["room/r1"]["name"], "Room r1");
        let foreign =
            |key: &String| key.starts_with("error/bob-c/") || key.starts_with("error/carol-c/");
        assert!(!full.data.keys().any(foreign));

        // At most the 20 newest error entries per client are kept.
        let mut eve = User::new("eve");
        let mut ids = Vec::new();
        for _ in 0..25 {
            ids.push(eve.run(&app, "noSuchMutator", json!({})).await);
        }
        eve.pull(&app).await;
        let errors: Vec<&str> = eve
            .keys()
            .into_iter()
            .filter(|key| key.starts_with("error/"))
            .collect();
        assert_eq!(errors.len(), 20, "{errors:?}");
        assert!(!eve
            .view
            .data
            .contains_key(&format!("error/eve-c/{}", ids[4])));
        assert!(eve
            .view
            .data
            .contains_key(&format!("error/eve-c/{}", ids[5])));
    }
);

on_both_databases!(item_48_without_auth_everything_lives_in_general, |app| {
    app.push_ok("g1", vec![create_message("c1", 1, "m1", "hello", 1)])
        .await;
    let full = app.pull_ok("g1", Value::Null).await;
    let view = ClientView::from_response(&full);
    assert_eq!(
        view.data["message/m1"],
        json!({"from": "tester", "content": "hello", "order": 1, "roomID": "general", "author": ""})
    );
    assert_eq!(view.data["room/general"], general()["value"]);
    // Everyone is the same user, so a "private" room is everyone's.
    let create = json!({"clientID": "c2", "id": 1, "name": "createRoom",
                        "args": {"id": "r1", "name": "ours"}});
    let (status, _) = app.push(&push_body("g2", vec![create])).await;
    assert_eq!(status, Status::Ok);
    let other = ClientView::from_response(&app.pull_ok("g1", Value::Null).await);
    assert_eq!(other.data["member/r1/"], json!({"role": "owner"}));
});

/// A database migrated by the version before rooms, with a message, a client and the
/// client's cookie.
fn pre_rooms_database(
    db: replichat_test_support::database::Db,
) -> (replichat_test_support::database::TestDb, String) {
    let (database, url) = replichat_test_support::database::TestDb::new(db, "pre-rooms");
    let dialect = match db {
        replichat_test_support::database::Db::Postgres => "postgres",
        replichat_test_support::database::Db::Sqlite => "sqlite",
    };
    let mut conn = replichat_test_support::database::DirectConn::open(db, &url);
    conn.execute(
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, \
         run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    );
    for migration in [
        "2026-11-28-000001_create_replicache",
        "2026-12-01-000001_pokes_sent_by_the_app",
    ] {
        let path = format!(
            "{}/migrations/{dialect}/{migration}/up.sql",
            env!("CARGO_MANIFEST_DIR")
        );
        conn.execute(&std::fs::read_to_string(&path).expect("migration file"));
        let version: String = migration
            .chars()
            .take_while(|c| *c != '_')
            .filter(char::is_ascii_digit)
            .collect();
        conn.execute(&format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{version}')"
        ));
    }
    conn.execute(
        "UPDATE replicache_server SET version = 2; \
         INSERT INTO replicache_client_group (id, user_id, last_seen) VALUES ('g1', '', CURRENT_TIMESTAMP); \
         INSERT INTO replicache_client (id, client_group_id, last_mutation_id, version, last_seen) \
             VALUES ('c1', 'g1', 1, 2, CURRENT_TIMESTAMP); \
         INSERT INTO message (id, sender, content, ord, deleted, version) \
             VALUES ('m1', 'ann', 'from before rooms', 1, FALSE, 2)",
    );
    (database, url)
}

on_both_databases!(
    an_existing_database_upgrades_in_place_and_keeps_cookies,
    blocking | db | {
        let (_database, url) = pre_rooms_database(db);
        let runtime = rocket::tokio::runtime::Runtime::new().expect("a runtime");
        runtime.block_on(async {
            let config = replichat_test_support::config::test_config(&url);
            let client = rocket::local::asynchronous::Client::untracked(replichat::build(
                replichat_test_support::config::figment(&config),
            ))
            .await
            .expect("the app starts and migrates");
            let pull = json!({"pullVersion": 1, "clientGroupID": "g1", "cookie": 2,
                          "profileID": "p", "schemaVersion": ""});
            let response = client
                .post("/api/replicache-pull")
                .header(rocket::http::ContentType::JSON)
                .body(pull.to_string())
                .dispatch()
                .await;
            let body: Value = response.into_json().await.expect("a pull response");
            assert_eq!(
                body["cookie"], 3,
                "the version moved past the old cookie: {body}"
            );
            let patch = body["patch"].as_array().cloned().unwrap_or_default();
            assert!(
                !patch.iter().any(|op| op["op"] == "clear"),
                "no reset: {body}"
            );
            let mut view = ClientView::new();
            view.cookie = json!(2);
            view.apply(&body);
            assert_eq!(
                view.data["message/m1"],
                json!({"from": "ann", "content": "from before rooms", "order": 1,
                   "roomID": "general", "author": ""})
            );
            assert_eq!(view.data["room/general"], general()["value"]);
        });
    }
);

on_both_databases!(
    a_first_join_names_no_deleted_entries_and_a_return_is_a_reset,
    config = with_users,
    |app| {
        let (mut alice, mut bob) = (User::new("alice"), User::new("bob"));
        let mut carol = User::new("carol");
        bob.pull(&app).await;
        carol.pull(&app).await;
        let (bob_cookie, carol_cookie) = (bob.view.cookie.clone(), carol.view.cookie.clone());
        // After both cookies: a room, a member who leaves, a message deleted.
        alice.run(&app, "createRoom", room("x", "private")).await;
        alice.run(&app, "addMember", membership("x", "dan")).await;
        alice
            .run(
                &app,
                "createMessage",
                message("gone", "x", "deleted soon", 1),
            )
            .await;
        alice
            .run(&app, "deleteMessage", json!({"id": "gone"}))
            .await;
        alice
            .run(&app, "removeMember", membership("x", "dan"))
            .await;
        alice.run(&app, "addMember", membership("x", "bob")).await;
        let answer = bob.pull_from(&app, bob_cookie).await;
        let keys = patch_keys(&answer);
        assert!(keys.contains(&"room/x".to_string()), "{answer}");
        for hidden in ["message/gone", "member/x/dan"] {
            assert!(
                !keys.contains(&hidden.to_string()),
                "a first join names {hidden}: {answer}"
            );
        }
        // Carol joins an older room for the first time: its history, no dels either.
        alice.run(&app, "addMember", membership("x", "carol")).await;
        let answer = carol.pull_from(&app, carol_cookie).await;
        assert!(
            !patch_keys(&answer).contains(&"member/x/dan".to_string()),
            "{answer}"
        );
        // Bob leaves and comes back: his next pull from before is a reset.
        bob.pull(&app).await;
        let before = bob.view.cookie.clone();
        bob.run(&app, "removeMember", membership("x", "bob")).await;
        alice.run(&app, "addMember", membership("x", "bob")).await;
        let answer = bob.pull_from(&app, before).await;
        assert_eq!(answer["patch"][0], json!({"op": "clear"}), "{answer}");
    }
);

on_both_databases!(
    refusals_tell_outsiders_nothing_of_private_rooms,
    config = with_users,
    |app| {
        let (mut alice, _bob, mut carol) = three_users(&app).await;
        let ids = [
            carol
                .run(&app, "removeMember", membership("r1", "alice"))
                .await,
            carol
                .run(&app, "renameRoom", json!({"id": "r1", "name": "mine"}))
                .await,
            carol.run(&app, "deleteRoom", json!({"id": "r1"})).await,
            carol
                .run(&app, "updateMessage", json!({"id": "m1", "content": "x"}))
                .await,
        ];
        carol.pull(&app).await;
        let reasons: Vec<&Value> = ids
            .iter()
            .map(|id| &carol.view.data[&format!("error/{}/{id}", carol.client)]["message"])
            .collect();
        assert_eq!(
            reasons,
            [
                "not a member of room r1",
                "not a member of room r1",
                "not a member of room r1",
                "message m1 does not exist"
            ]
        );
        let slash = alice.run(&app, "createRoom", room("a/b", "private")).await;
        alice.pull(&app).await;
        let error = &alice.view.data[&format!("error/{}/{slash}", alice.client)];
        assert_eq!(error["message"], "id must not contain \"/\"");
    }
);
