//! What every answer carries at the HTTP edge: the version (header, `/healthz`,
//! `/metrics`), a 405 with `Allow` for a known path asked with the wrong method, a 401
//! with `WWW-Authenticate`, and error messages without internal type names.

use crate::on_both_databases;
use crate::support::users::with_users;
use replichat_test_support::bodies::{mutation, push_body};
use rocket::http::{ContentType, Status};
use serde_json::json;

on_both_databases!(every_answer_names_the_version, |app| {
    for path in ["/healthz", "/metrics", "/nowhere", "/api/dev-login"] {
        let response = app.client.get(path).dispatch().await;
        let version = response.headers().get_one("X-Replichat-Version");
        assert_eq!(version, Some(replichat::VERSION), "{path}");
    }
    let health = app.client.get("/healthz").dispatch().await;
    let health = health.into_json::<serde_json::Value>().await;
    assert_eq!(
        health.map(|h| h["version"].clone()),
        Some(json!(replichat::VERSION))
    );
    let metrics = app.client.get("/metrics").dispatch().await;
    let metrics = metrics.into_string().await.unwrap_or_default();
    let build_info = format!(
        "replichat_build_info{{version=\"{}\"}} 1",
        replichat::VERSION
    );
    assert!(metrics.contains(&build_info), "{metrics}");
    for process_metric in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
    ] {
        assert!(metrics.contains(process_metric), "no {process_metric}");
    }
});

on_both_databases!(
    a_known_path_with_the_wrong_method_is_a_405_naming_the_right_one,
    |app| {
        for (path, allowed) in [
            ("/api/replicache-push", "POST"),
            ("/api/replicache-pull", "POST"),
            ("/metrics", "GET"),
        ] {
            let response = app.client.put(path).dispatch().await;
            assert_eq!(response.status(), Status::MethodNotAllowed, "{path}");
            assert_eq!(response.headers().get_one("Allow"), Some(allowed), "{path}");
            assert_eq!(response.content_type(), Some(ContentType::JSON));
            let body = response.into_json::<serde_json::Value>().await;
            assert_eq!(
                body.map(|b| b["error"].clone()),
                Some(json!("method_not_allowed"))
            );
        }
        let get = app.client.get("/api/replicache-push").dispatch().await;
        assert_eq!(get.status(), Status::MethodNotAllowed);
        let unknown = app.client.put("/api/nothing-here").dispatch().await;
        assert_eq!(unknown.status(), Status::NotFound);
        assert_eq!(unknown.headers().get_one("Allow"), None);
    }
);

on_both_databases!(a_401_says_how_to_authenticate, config = with_users, |app| {
    let body = push_body("g", vec![]);
    let (status, answer) = app.push(&body).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (Status::Unauthorized, Some("unauthorized"))
    );
    let response = app
        .client
        .post("/api/replicache-push")
        .header(ContentType::JSON)
        .body(body.to_string())
        .dispatch()
        .await;
    assert_eq!(
        response.headers().get_one("WWW-Authenticate"),
        Some("Bearer realm=\"replichat\"")
    );
});

on_both_databases!(error_messages_name_no_internal_types, |app| {
    let bodies = [
        json!(null),
        json!({"pushVersion": 1, "clientGroupID": "g", "mutations": [5]}),
        json!({"pushVersion": 1, "clientGroupID": "g", "mutations": 5}),
        json!([]),
    ];
    for body in bodies {
        let (status, answer) = app.push(&body).await;
        assert_eq!(status, Status::BadRequest, "{body}");
        let message = answer["message"].as_str().unwrap_or_default();
        for internal in ["struct", "Probe", "PushRequest", "Mutation "] {
            assert!(!message.contains(internal), "{body}: {message}");
        }
    }
    let pull = json!({"pullVersion": 1, "clientGroupID": 7, "cookie": null});
    let (status, answer) = app.pull(&pull).await;
    assert_eq!(status, Status::BadRequest);
    assert!(
        !answer["message"]
            .as_str()
            .unwrap_or_default()
            .contains("struct"),
        "{answer}"
    );
    // A refused mutation's error entry, which the user's page shows.
    let push = push_body("g", vec![mutation("c", 1, "createMessage", json!(null))]);
    app.push_ok(
        "g",
        push["mutations"].as_array().cloned().unwrap_or_default(),
    )
    .await;
    let view = app.pull_ok("g", json!(null)).await;
    let entry = view["patch"]
        .as_array()
        .and_then(|ops| ops.iter().find(|op| op["key"] == "error/c/1"))
        .map(|op| op["value"]["message"].clone());
    assert_eq!(
        entry,
        Some(json!(
            "invalid arguments: invalid type: null, expected createMessage arguments (an object)"
        ))
    );
});

on_both_databases!(probes_say_alive_healthy_and_ready, |app| {
    let live = app.client.get("/livez").dispatch().await;
    assert_eq!(live.status(), Status::Ok);
    let live = live.into_json::<serde_json::Value>().await;
    assert_eq!(live.map(|l| l["status"].clone()), Some(json!("alive")));
    // On PostgreSQL ready means the poke listener is connected too.
    app.wait_for_poke_listener().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let ready = loop {
        let response = app.client.get("/readyz").dispatch().await;
        let status = response.status();
        let body = response.into_json::<serde_json::Value>().await;
        if status == Status::Ok || std::time::Instant::now() > deadline {
            break (status, body.unwrap_or_default());
        }
        rocket::tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(ready.0, Status::Ok, "{}", ready.1);
    let listener = match app.db {
        replichat_test_support::database::Db::Postgres => "listening",
        replichat_test_support::database::Db::Sqlite => "none",
    };
    assert_eq!(ready.1["listener"], listener);
    assert_eq!(ready.1["migrated"], true);
});

on_both_databases!(
    the_limits_the_server_applies_are_published,
    config = |c| {
        c.limits.max_content_len = 42;
        c.http.body_limit = rocket::data::ByteUnit::Kibibyte(64);
    },
    |app| {
        let response = app.client.get("/api/limits").dispatch().await;
        assert_eq!(response.status(), Status::Ok);
        let limits = response.into_json::<serde_json::Value>().await;
        assert_eq!(
            limits,
            Some(json!({
                "max_message_id_len": 128,
                "max_sender_len": 255,
                "max_content_len": 42,
                "body_limit": 65536,
            }))
        );
    }
);
