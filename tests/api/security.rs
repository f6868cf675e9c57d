//! Authentication (docs/protocol.md checklist item 32) and garbage collection (item 33).

use crate::on_both_databases;
use crate::support::app::TestApp;
use chrono::{Duration, Utc};
use jsonwebtoken::{encode, EncodingKey, Header};
use replichat::auth::{AuthMode, Caller};
use replichat::config::AppConfig;
use replichat::domain::UserId;
use replichat::service::{GcService, PushOutcome, PushService};
use replichat_test_support::bodies::{create_message, general, pull_body, push_body};
use rocket::http::{ContentType, Header as HttpHeader, Status};
use serde_json::{json, Value};
use std::sync::Arc;

const SECRET: &str = "test-secret-for-hs256";

fn with_jwt(config: &mut AppConfig) {
    config.auth.auth = AuthMode::Jwt;
    config.auth.jwt_secret = SECRET.into();
}

fn token(user: &str, secret: &str, expires_in_secs: i64) -> String {
    let claims = json!({"sub": user, "exp": Utc::now().timestamp() + expires_in_secs});
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("token encodes")
}

async fn post_as(
    app: &TestApp,
    path: &str,
    authorization: Option<&str>,
    body: &Value,
) -> (Status, Value) {
    let mut request = app
        .client
        .post(path)
        .header(ContentType::JSON)
        .body(body.to_string());
    if let Some(value) = authorization {
        request = request.header(HttpHeader::new("Authorization", value.to_string()));
    }
    let response = request.dispatch().await;
    let status = response.status();
    let text = response.into_string().await.unwrap_or_default();
    (status, serde_json::from_str(&text).expect("JSON answer"))
}

async fn item_32_body(app: TestApp) {
    let push = push_body("g-alice", vec![create_message("c-alice", 1, "m1", "hi", 1)]);
    let alice = format!("Bearer {}", token("alice", SECRET, 300));
    let bob = format!("Bearer {}", token("bob", SECRET, 300));

    for bad in [None, Some(""), Some("Bearer garbage")] {
        let (status, body) = post_as(&app, "/api/replicache-push", bad, &push).await;
        assert_eq!(status, Status::Unauthorized, "{bad:?}");
        assert_eq!(body["error"], "unauthorized");
    }
    let forged = format!("Bearer {}", token("alice", "another-secret", 300));
    let expired = format!("Bearer {}", token("alice", SECRET, -600));
    for bad in [&forged, &expired] {
        let (status, _) = post_as(&app, "/api/replicache-push", Some(bad), &push).await;
        assert_eq!(status, Status::Unauthorized);
    }

    let (status, body) = post_as(&app, "/api/replicache-push", Some(&alice), &push).await;
    assert_eq!((status, body), (Status::Ok, json!({})));

    // Bob may neither push into nor pull alice's group.
    let intrusion = push_body("g-alice", vec![create_message("c-bob", 1, "m2", "x", 2)]);
    let (status, body) = post_as(&app, "/api/replicache-push", Some(&bob), &intrusion).await;
    assert_eq!(status, Status::Forbidden);
    assert_eq!(body["error"], "forbidden");
    let (status, _) = post_as(
        &app,
        "/api/replicache-pull",
        Some(&bob),
        &pull_body("g-alice", json!(null)),
    )
    .await;
    assert_eq!(status, Status::Forbidden);

    // Nothing of bob's push was applied.
    let (status, body) = post_as(
        &app,
        "/api/replicache-pull",
        Some(&alice),
        &pull_body("g-alice", json!(null)),
    )
    .await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["lastMutationIDChanges"], json!({"c-alice": 1}));
    assert_eq!(
        body["patch"].as_array().map(Vec::len),
        Some(3),
        "clear + m1 + room/general only: {body}"
    );
}

on_both_databases!(item_32_jwt_auth_and_ownership, config = with_jwt, |app| {
    item_32_body(app).await;
});

/// Pushes that arrive together share one write transaction; a push refused for
/// ownership (403) must neither disturb the pushes combined with it nor write anything.
async fn forbidden_pushes_in_combined_batches_body(app: TestApp) {
    const WRITERS: usize = 4;
    const PUSHES: i64 = 40;
    let services = Arc::new(push_service(&app));
    // Each writer owns its group; "victim" owns g-victim.
    let victim = format!("Bearer {}", token("victim", SECRET, 300));
    let first = push_body(
        "g-victim",
        vec![create_message("c-victim", 1, "v1", "mine", 1)],
    );
    let (status, _) = post_as(&app, "/api/replicache-push", Some(&victim), &first).await;
    assert_eq!(status, Status::Ok);

    let threads: Vec<_> = (0..WRITERS * 2)
        .map(|t| {
            let services = Arc::clone(&services);
            std::thread::spawn(move || {
                let writer = t % WRITERS;
                let hostile = t >= WRITERS;
                let user = if hostile {
                    format!("intruder{writer}")
                } else {
                    format!("user{writer}")
                };
                let caller = Caller {
                    user_id: UserId::parse(user).expect("a valid user id"),
                };
                let mut forbidden = 0;
                for id in 1..=PUSHES {
                    let (group, client) = if hostile {
                        ("g-victim".to_string(), format!("intruder-c{writer}"))
                    } else {
                        (format!("g{writer}"), format!("c{writer}"))
                    };
                    let message = format!("{client}-{id}");
                    let body =
                        push_body(&group, vec![create_message(&client, id, &message, "x", id)]);
                    let request = serde_json::from_value(body).expect("a valid push");
                    match services.push(caller.clone(), request) {
                        Ok(PushOutcome::Accepted(report)) if !hostile => {
                            assert_eq!(report.applied, 1, "writer {writer} push {id}")
                        }
                        Err(error) if hostile && error.status == Status::Forbidden => {
                            forbidden += 1
                        }
                        other => panic!("writer {writer} (hostile {hostile}) push {id}: {other:?}"),
                    }
                }
                forbidden
            })
        })
        .collect();
    let forbidden: i64 = threads
        .into_iter()
        .map(|thread| thread.join().expect("pusher thread"))
        .sum();
    assert_eq!(forbidden, WRITERS as i64 * PUSHES);

    for writer in 0..WRITERS {
        let owner = format!("Bearer {}", token(&format!("user{writer}"), SECRET, 300));
        let group = format!("g{writer}");
        let pull = pull_body(&group, json!(null));
        let (status, body) = post_as(&app, "/api/replicache-pull", Some(&owner), &pull).await;
        assert_eq!(status, Status::Ok);
        assert_eq!(
            body["lastMutationIDChanges"],
            json!({ format!("c{writer}"): PUSHES })
        );
        let prefix = format!("message/c{writer}-");
        let puts = body["patch"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|op| op["key"].as_str().is_some_and(|k| k.starts_with(&prefix)))
            .count();
        assert_eq!(puts as i64, PUSHES, "every message of writer {writer}");
    }
    let pull = pull_body("g-victim", json!(null));
    let (status, body) = post_as(&app, "/api/replicache-pull", Some(&victim), &pull).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["lastMutationIDChanges"], json!({"c-victim": 1}));
    let keys: Vec<&str> = body["patch"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|op| op["key"].as_str())
        .collect();
    // v1, the writers' messages and room/general.
    assert_eq!(
        keys.len(),
        2 + WRITERS * PUSHES as usize,
        "only the writers' messages"
    );
    assert!(
        !keys.iter().any(|k| k.contains("intruder")),
        "no intruder message was stored"
    );
}

on_both_databases!(
    forbidden_pushes_in_combined_batches,
    config = with_jwt,
    |app| {
        forbidden_pushes_in_combined_batches_body(app).await;
    }
);

fn push_service(app: &TestApp) -> PushService {
    app.client
        .rocket()
        .state::<PushService>()
        .expect("the push service is managed")
        .clone()
}

fn gc_config(config: &mut AppConfig) {
    config.gc.gc_interval_secs = 0;
    config.gc.client_max_idle_secs = 3600;
    config.gc.tombstone_max_age_secs = 3600;
}

/// A collector of the test's own over the app's database with the app's GC settings,
/// as another process's sweeper would be.
fn gc_service(app: &TestApp) -> GcService {
    let db = replichat::db::Database::connect(&app.config.database).expect("connect");
    GcService::new(Arc::new(db), app.config.gc.clone())
}

async fn item_33_body(app: TestApp) {
    let create = create_message("c1", 1, "m1", "hi", 1);
    let delete = json!({"clientID": "c1", "id": 2, "name": "deleteMessage", "args": {"id": "m1"}});
    let (status, _) = app.push(&push_body("g1", vec![create])).await;
    assert_eq!(status, Status::Ok);
    let (_, before_delete) = app.pull(&pull_body("g1", json!(null))).await;
    let old_cookie = before_delete["cookie"].clone();
    let (status, _) = app.push(&push_body("g1", vec![delete])).await;
    assert_eq!(status, Status::Ok);

    // A sweep now removes nothing: everything is younger than an hour.
    let services = gc_service(&app);
    let now = Utc::now().naive_utc();
    let report = services.collect_garbage(now).expect("gc runs");
    assert_eq!(report, Default::default());

    // Two hours later the client is idle, its group empty, the tombstone old.
    let report = services
        .collect_garbage(now + Duration::hours(2))
        .expect("gc runs");
    assert_eq!((report.clients_deleted, report.groups_tombstoned), (1, 1));
    assert!(report.purged_through.is_some(), "{report:?}");

    let tombstoned = json!({"error": "ClientStateNotFound"});
    let next = create_message("c1", 3, "m3", "again", 3);
    assert_eq!(
        app.push(&push_body("g1", vec![next])).await,
        (Status::Ok, tombstoned.clone())
    );
    assert_eq!(
        app.push(&push_body("g1", vec![])).await,
        (Status::Ok, tombstoned.clone())
    );
    assert_eq!(
        app.pull(&pull_body("g1", json!(null))).await,
        (Status::Ok, tombstoned)
    );

    // Another group pulling from before the purged delete gets a full reset, so the
    // delete is not missed; a never-seen group is not an error.
    let (status, body) = app.pull(&pull_body("g2", old_cookie)).await;
    assert_eq!(status, Status::Ok);
    assert_eq!(body["patch"], json!([{"op": "clear"}, general()]));
}

on_both_databases!(
    item_33_gc_tombstones_groups_and_purges_deletes,
    config = gc_config,
    |app| {
        item_33_body(app).await;
    }
);
