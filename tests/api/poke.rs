//! The SSE poke stream: headers, which pushes poke, and heartbeats (docs/protocol.md checklist items 11
//! and 35–38). On PostgreSQL pokes travel through NOTIFY and the LISTEN task, so every
//! wait allows [`POKE_DELIVERY`].

use crate::on_both_databases;
use crate::support::app::{TestApp, POKE_DELIVERY};
use crate::support::sse::{PokeStream, SseItem};
use replichat_test_support::bodies::{
    create_message, delete_message, mutation, push_body, unchanged,
};
use replichat_test_support::view::{compare_cookies, ClientView};
use rocket::http::{ContentType, Status};
use serde_json::json;
use std::time::Duration;

/// How long a stream must stay silent for "no poke" to hold.
const SILENCE: Duration = Duration::from_millis(500);

on_both_databases!(item_11_empty_push_changes_nothing_and_pokes_nobody, |app| {
    app.push_ok("g1", vec![create_message("c1", 1, "m1", "x", 1)])
        .await;
    let mut stream = app.subscribe_pokes("/api/replicache-poke").await;
    let cookie = app.current_cookie().await;
    app.push_ok("g1", vec![]).await;
    app.push_ok("brand-new-group", vec![]).await;
    stream.assert_no_poke(SILENCE, "empty pushes").await;
    assert_eq!(app.pull_ok("g1", cookie.clone()).await, unchanged(&cookie));
    assert_eq!(
        app.pull_ok("brand-new-group", cookie.clone()).await,
        unchanged(&cookie)
    );
    // The stream is alive: a real change does poke it.
    app.push_ok("g1", vec![create_message("c1", 2, "m2", "y", 2)])
        .await;
    stream.expect_poke(POKE_DELIVERY, "a real change").await;
});

on_both_databases!(item_35_poke_endpoint_is_an_event_stream, |app| {
    for uri in [
        "/api/replicache-poke?clientGroupID=g1",
        "/api/replicache-poke",
        // Apps put their own parameters next to it (the samples' spaceID, userID).
        "/api/replicache-poke?clientGroupID=g1&spaceID=s1",
    ] {
        let mut stream = app.subscribe_pokes(uri).await;
        let response = stream.response();
        assert_eq!(response.status(), Status::Ok, "{uri}");
        assert_eq!(
            response.content_type(),
            Some(ContentType::EventStream),
            "{uri}"
        );
        assert_eq!(stream.header("Cache-Control").as_deref(), Some("no-cache"));
        assert_eq!(stream.header("X-Accel-Buffering").as_deref(), Some("no"));
        stream
            .assert_no_poke(Duration::from_millis(200), "connecting")
            .await;
    }
});

/// Waits for a poke on `stream`, then pulls from `view`'s cookie at once and applies it.
async fn pull_on_poke(app: &TestApp, stream: &mut PokeStream<'_>, view: &mut ClientView) {
    stream.expect_poke(POKE_DELIVERY, "a committing push").await;
    view.apply(&app.pull_ok("g1", view.cookie.clone()).await);
}

on_both_databases!(item_36_every_stream_is_poked_after_each_commit, |app| {
    let mut own = app
        .subscribe_pokes("/api/replicache-poke?clientGroupID=g1")
        .await;
    let mut other = app
        .subscribe_pokes("/api/replicache-poke?clientGroupID=g2")
        .await;
    let mut bare = app.subscribe_pokes("/api/replicache-poke").await;
    let mut views = vec![ClientView::from_response(&app.pull_ok("g1", json!(null)).await); 3];
    let steps = [
        ("g1", create_message("c1", 1, "m1", "data change", 1)),
        ("g1", mutation("c1", 2, "noSuchMutator", json!({}))),
        ("g2", create_message("e1", 1, "m2", "other group", 2)),
        ("g1", delete_message("c1", 3, "m1")),
    ];
    for (group, step) in steps {
        let before = views[0].cookie.clone();
        let body = push_body(group, vec![step.clone()]);
        let [own_view, other_view, bare_view] = &mut views[..] else {
            unreachable!()
        };
        // Each subscriber pulls as soon as its poke arrives, while the push may still be
        // answering: the poke must not come before the commit is visible.
        let (pushed, ..) = rocket::tokio::join!(
            app.push(&body),
            pull_on_poke(&app, &mut own, own_view),
            pull_on_poke(&app, &mut other, other_view),
            pull_on_poke(&app, &mut bare, bare_view),
        );
        assert_eq!(pushed, (Status::Ok, json!({})));
        let full = ClientView::from_response(&app.pull_ok("g1", json!(null)).await);
        for view in &views {
            assert_eq!(
                (&view.data, &view.lmids),
                (&full.data, &full.lmids),
                "after {step}"
            );
            assert_eq!(
                compare_cookies(&view.cookie, &before),
                Some(std::cmp::Ordering::Greater),
                "the pull on poke missed {step}"
            );
        }
        for stream in [&mut own, &mut other, &mut bare] {
            stream.drain(Duration::from_millis(100)).await;
        }
    }
});

on_both_databases!(item_37_replay_only_push_does_not_poke, |app| {
    let batch = vec![
        create_message("c1", 1, "m1", "one", 1),
        create_message("c2", 1, "m2", "two", 2),
        mutation("c1", 2, "noSuchMutator", json!(null)),
    ];
    app.push_ok("g1", batch.clone()).await;
    let mut stream = app.subscribe_pokes("/api/replicache-poke").await;
    app.push_ok("g1", batch.clone()).await;
    app.push_ok("g1", batch[..2].to_vec()).await;
    stream.assert_no_poke(SILENCE, "replayed mutations").await;
    // A push refused at a gap commits nothing either.
    let (_, body) = app
        .push(&push_body(
            "g1",
            vec![create_message("c1", 9, "m9", "gap", 9)],
        ))
        .await;
    assert_eq!(body, json!({"error": "ClientStateNotFound"}));
    stream
        .assert_no_poke(SILENCE, "a push refused at a gap")
        .await;
    let mut replay_then_new = batch;
    replay_then_new.push(create_message("c1", 3, "m3", "three", 3));
    app.push_ok("g1", replay_then_new).await;
    stream
        .expect_poke(POKE_DELIVERY, "a replay followed by a new mutation")
        .await;
});

on_both_databases!(
    item_38_heartbeats_are_comments,
    config = |c| c.pokes.poke_heartbeat_secs = 1,
    |app| {
        let mut stream = app.subscribe_pokes("/api/replicache-poke").await;
        let mut heartbeats = 0;
        let deadline = rocket::tokio::time::Instant::now() + Duration::from_millis(2_600);
        loop {
            let left = deadline.saturating_duration_since(rocket::tokio::time::Instant::now());
            match stream.next_item(left).await {
                Some(SseItem::Comment(_)) => heartbeats += 1,
                Some(SseItem::Data(data)) => panic!("idle stream sent a data event {data:?}"),
                None => break,
            }
        }
        assert!(heartbeats >= 2, "only {heartbeats} heartbeat(s) in 2.6 s");
    }
);
