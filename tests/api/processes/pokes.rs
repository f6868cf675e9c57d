//! Pokes across processes (docs/protocol.md checklist item 39): a push acknowledged by one
//! replica pokes the SSE streams held by the others within a second, also after the
//! database dropped every connection and the LISTEN sessions had to reconnect, which
//! they do promptly however often it happens.

use super::ProcDb;
use crate::on_postgres;
use crate::support::http::{EventStream, StreamEnd};
use crate::support::process::{ServerProcess, STARTUP};
use crate::support::users::{token, with_users};
use replichat_test_support::bodies::{create_message, mutation, push_body};
use serde_json::json;
use std::time::{Duration, Instant};

/// The bound from a push's acknowledgement to the poke on another replica.
const WITHIN: Duration = Duration::from_secs(1);

/// Pushes mutation `id` on `pusher` and asserts that every stream gets a data event
/// within [`WITHIN`] of the acknowledgement.
fn push_and_expect_pokes(pusher: &ServerProcess, id: i64, streams: &mut [(&str, EventStream)]) {
    for (label, stream) in streams.iter_mut() {
        stream.drain(Duration::from_millis(200));
        assert_eq!(
            stream.next_item(Duration::ZERO).err(),
            Some(StreamEnd::Quiet),
            "stream on {label} is not open and quiet"
        );
    }
    let message = format!("m{id}");
    let answer = pusher
        .http
        .push("g", vec![create_message("c", id, &message, "hi", id)])
        .expect("push answered");
    assert!(answer.is_push_ok(), "{answer:?}");
    let acknowledged = Instant::now();
    for (label, stream) in streams.iter_mut() {
        let remaining = WITHIN.saturating_sub(acknowledged.elapsed());
        let poke = stream.next_data(remaining);
        assert_eq!(
            poke.as_deref(),
            Ok("poke"),
            "stream on {label}: no poke within {WITHIN:?} of push {id} acknowledged by {}",
            pusher.port
        );
    }
}

on_postgres! {
fn item_39_a_push_acknowledged_by_one_process_pokes_streams_on_the_others_within_1s() {
    let database = ProcDb::postgres("item_39_pokes_across_processes");
    database.migrate();
    let servers: Vec<ServerProcess> = ["A", "B", "C"]
        .into_iter()
        .map(|label| ServerProcess::start(label, &database.url))
        .collect();
    database.wait_for_listeners(3, STARTUP);
    let mut streams = vec![
        ("B", servers[1].http.subscribe()),
        ("C", servers[2].http.subscribe()),
    ];
    push_and_expect_pokes(&servers[0], 1, &mut streams);

    // Every session dropped, LISTEN included: the listeners reconnect by themselves.
    assert!(
        database.terminate_sessions() >= 3,
        "the listeners were connected"
    );
    database.wait_for_listeners(3, WITHIN);
    let mut streams = vec![("A", servers[0].http.subscribe()), streams.remove(1)];
    push_and_expect_pokes(&servers[1], 2, &mut streams);
}
}

on_postgres! {
fn poke_listener_reconnects_within_1s_after_each_of_six_connection_drops() {
    let database = ProcDb::postgres("poke_listener_reconnects");
    database.migrate();
    let server = ServerProcess::start("A", &database.url);
    database.wait_for_listeners(1, STARTUP);
    for _ in 0..6 {
        assert!(
            database.terminate_sessions() >= 1,
            "the listener was connected"
        );
        database.wait_for_listeners(1, WITHIN);
    }
    let mut streams = vec![("A", server.http.subscribe())];
    push_and_expect_pokes(&server, 1, &mut streams);
}
}

on_postgres! {
/// docs/rooms.md item 46 across processes: a message in a private room, pushed to one
/// process, pokes its members' streams on the others and no other user's stream.
fn item_46_targeted_pokes_cross_processes() {
    let database = ProcDb::postgres("targeted_pokes_across_processes");
    database.migrate();
    let servers: Vec<ServerProcess> = ["A", "B", "C"]
        .into_iter()
        .map(|label| ServerProcess::builder(label, &database.url).configure(with_users).start())
        .collect();
    database.wait_for_listeners(3, STARTUP);
    let push = |server: &ServerProcess, user: &str, id: i64, name: &str, args: serde_json::Value| {
        let body = push_body(&format!("{user}-g"), vec![mutation(&format!("{user}-c"), id, name, args)]);
        let bearer = format!("Bearer {}", token(user));
        let answer = server.http.post_json_as(Some(&bearer), "/api/replicache-push", &body);
        assert!(answer.expect("push answered").is_push_ok());
    };
    push(&servers[0], "alice", 1, "createRoom", json!({"id": "r1", "name": "r1"}));
    push(&servers[0], "alice", 2, "addMember", json!({"roomID": "r1", "userID": "bob"}));
    // Bob listens on B, Carol on C; Alice posts in r1 through A.
    let mut bob = servers[1].http.subscribe_as(&token("bob"));
    let mut carol = servers[2].http.subscribe_as(&token("carol"));
    for stream in [&mut bob, &mut carol] {
        stream.drain(Duration::from_millis(300));
    }
    let message = json!({"id": "m1", "from": "a", "content": "secret", "order": 1, "roomID": "r1"});
    push(&servers[0], "alice", 3, "createMessage", message);
    assert_eq!(bob.next_data(WITHIN).as_deref(), Ok("poke"), "bob, a member, is poked on B");
    assert_eq!(
        carol.next_data(Duration::from_millis(500)).err(),
        Some(StreamEnd::Quiet),
        "carol is not a member: no poke on C"
    );
    // A message in general reaches both.
    let public = json!({"id": "m2", "from": "a", "content": "hi all", "order": 2});
    push(&servers[0], "alice", 4, "createMessage", public);
    assert_eq!(bob.next_data(WITHIN).as_deref(), Ok("poke"));
    assert_eq!(carol.next_data(WITHIN).as_deref(), Ok("poke"));
}
}
