//! Targeted pokes (docs/rooms.md checklist item 46), the poke stream's authentication
//! and the development login.

use crate::on_both_databases;
use crate::support::app::{TestApp, POKE_DELIVERY};
use crate::support::users::{token, with_users, User};
use replichat::config::AppConfig;
use rocket::http::{ContentType, Status};
use serde_json::{json, Value};
use std::time::Duration;

/// How long a stream must stay silent for "not poked" to hold.
const SILENCE: Duration = Duration::from_millis(400);

fn message(id: &str, room: &str) -> Value {
    json!({"id": id, "from": "x", "content": id, "order": 1, "roomID": room})
}

on_both_databases!(
    item_46_a_private_message_pokes_only_its_members,
    config = with_users,
    |app| {
        let (mut alice, mut bob, carol) =
            (User::new("alice"), User::new("bob"), User::new("carol"));
        alice
            .run(&app, "createRoom", json!({"id": "r1", "name": "r1"}))
            .await;
        alice
            .run(&app, "addMember", json!({"roomID": "r1", "userID": "bob"}))
            .await;
        let mut streams = [
            (alice.subscribe(&app).await, true),
            (bob.subscribe(&app).await, true),
            (carol.subscribe(&app).await, false),
        ];
        // Bob posts in r1: both members are poked (bob as the pusher too), carol is not.
        bob.run(&app, "createMessage", message("m1", "r1")).await;
        for (stream, poked) in &mut streams {
            if *poked {
                stream.expect_poke(POKE_DELIVERY, "a message in r1").await;
            } else {
                stream
                    .assert_no_poke(SILENCE, "a message in a room carol cannot read")
                    .await;
            }
        }
        // A message in general pokes everyone.
        alice
            .run(&app, "createMessage", message("m2", "general"))
            .await;
        for (stream, _) in &mut streams {
            stream
                .expect_poke(POKE_DELIVERY, "a message in general")
                .await;
        }
        // Removing bob pokes bob (his view loses the room) and alice, not carol.
        alice
            .run(
                &app,
                "removeMember",
                json!({"roomID": "r1", "userID": "bob"}),
            )
            .await;
        let [(alice_stream, _), (bob_stream, _), (carol_stream, _)] = &mut streams;
        alice_stream
            .expect_poke(POKE_DELIVERY, "bob's removal")
            .await;
        bob_stream.expect_poke(POKE_DELIVERY, "bob's removal").await;
        carol_stream.assert_no_poke(SILENCE, "bob's removal").await;
        // Now a message in r1 no longer wakes bob.
        alice.run(&app, "createMessage", message("m3", "r1")).await;
        alice_stream
            .expect_poke(POKE_DELIVERY, "a message in r1")
            .await;
        bob_stream
            .assert_no_poke(SILENCE, "a message in a room bob left")
            .await;
    }
);

on_both_databases!(
    the_poke_stream_needs_a_valid_token_with_jwt,
    config = with_users,
    |app| {
        for uri in [
            "/api/replicache-poke".to_string(),
            "/api/replicache-poke?auth=garbage".to_string(),
        ] {
            let response = app.client.get(uri.clone()).dispatch().await;
            assert_eq!(response.status(), Status::Unauthorized, "{uri}");
            assert_eq!(response.content_type(), Some(ContentType::JSON), "{uri}");
        }
        // The header works as well as the query parameter.
        let response = app
            .client
            .get("/api/replicache-poke")
            .header(rocket::http::Header::new(
                "Authorization",
                format!("Bearer {}", token("ann")),
            ))
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::Ok);
        assert_eq!(response.content_type(), Some(ContentType::EventStream));
    }
);

fn with_dev_login(config: &mut AppConfig) {
    with_users(config);
    config.auth.dev_login = true;
}

on_both_databases!(
    dev_login_signs_a_token_the_server_accepts,
    config = with_dev_login,
    |app| {
        let (status, body) = app
            .post_json("/api/dev-login", &json!({"user": "zoe"}))
            .await;
        assert_eq!(status, Status::Ok, "{body}");
        let token = body["token"].as_str().unwrap_or_default().to_string();
        let status = app.client.get("/api/dev-login").dispatch().await;
        assert_eq!(
            status.into_json::<Value>().await,
            Some(json!({"available": true}))
        );
        let pull = json!({"pullVersion": 1, "clientGroupID": "zoe-g", "cookie": null,
                      "profileID": "p", "schemaVersion": ""});
        let response = app
            .post_raw(
                "/api/replicache-pull",
                Some(ContentType::JSON),
                vec![rocket::http::Header::new(
                    "Authorization",
                    format!("Bearer {token}"),
                )],
                pull.to_string(),
            )
            .await;
        assert_eq!(response.status, Status::Ok, "{}", response.body);
        for bad in [
            json!({"user": ""}),
            json!({"user": "a\u{0}b"}),
            json!({"name": "zoe"}),
        ] {
            let (status, body) = app.post_json("/api/dev-login", &bad).await;
            assert_eq!(status, Status::BadRequest, "{bad}: {body}");
            assert_eq!(body["error"], "bad_request");
        }
    }
);

on_both_databases!(dev_login_is_off_by_default, config = with_users, |app| {
    let (status, body) = app
        .post_json("/api/dev-login", &json!({"user": "zoe"}))
        .await;
    assert_eq!(status, Status::NotFound, "{body}");
    let response = app.client.get("/api/dev-login").dispatch().await;
    let status = response.into_json::<Value>().await;
    assert_eq!(status, Some(json!({"available": false})));
});

#[rocket::async_test]
async fn dev_login_without_hs256_refuses_to_start() {
    let builder = TestApp::builder(replichat_test_support::database::Db::Sqlite, "dev login");
    let config = {
        let mut config = builder_config(&builder);
        config.auth.dev_login = true;
        config
    };
    let client = rocket::local::asynchronous::Client::untracked(replichat::build(
        replichat_test_support::config::figment(&config),
    ))
    .await;
    match client {
        Ok(_) => panic!("dev_login without jwt must not start"),
        // Looking at the error marks it handled (Rocket panics on an unhandled one).
        Err(error) => assert!(!error.pretty_print().is_empty()),
    }
}

/// The configuration a builder would start with (its database included).
fn builder_config(builder: &crate::support::app::TestAppBuilder) -> AppConfig {
    builder.config().clone()
}
