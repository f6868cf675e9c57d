//! Database faults (README "Shutdown and faults"): a SQLite file write-locked by another
//! process for 2 s, and a PostgreSQL database that refuses connections for a while.
//! Requests wait or fail with 503 JSON, never 500, and succeed afterwards without a
//! restart.

use super::{hold_write_lock, release, ProcDb};
use crate::on_postgres;
use crate::support::http::{Answer, Transport};
use crate::support::process::ServerProcess;
use replichat_test_support::bodies::create_message;
use replichat_test_support::database::Db;
use replichat_test_support::view::ClientView;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const LOCK_HELD: Duration = Duration::from_secs(2);

#[test]
fn a_sqlite_file_locked_by_another_process_for_2s_makes_pushes_wait_or_fail_with_503() {
    let database = ProcDb::new(Db::Sqlite, "sqlite_file_locked");
    database.migrate();
    database.direct().install_write_audit();
    // Same file: one process with the default busy timeout (5 s), one that gives up fast.
    let patient = ServerProcess::start("patient", &database.url);
    let hasty = ServerProcess::builder("hasty", &database.url)
        .configure(|c| {
            c.database.sqlite_busy_timeout_ms = 100;
            c.database.transaction_attempts = 1;
        })
        .start();
    let push = |server: &ServerProcess, client: &str, id: i64| {
        let message = format!("{client}-{id}");
        let mutation = create_message(client, id, &message, "x", id);
        server
            .http
            .push("g", vec![mutation])
            .expect("push answered")
    };
    assert!(push(&patient, "p", 1).is_push_ok());

    // This test process is the other process: it holds the write lock for 2 s.
    let lock = hold_write_lock(&database);
    let locked_at = Instant::now();
    let (waited, during) = std::thread::scope(|scope| {
        let waiting = scope.spawn(|| (push(&patient, "p", 2), locked_at.elapsed()));
        let failed = push(&hasty, "h", 1);
        let read = patient.http.pull_ok("g", Value::Null);
        std::thread::sleep(LOCK_HELD.saturating_sub(locked_at.elapsed()));
        release(lock);
        (waiting.join().unwrap(), (failed, read))
    });
    let (failed, read) = during;
    assert!(failed.is_json_503(), "the hasty process: {failed:?}");
    assert_eq!(
        read["lastMutationIDChanges"],
        json!({"p": 1}),
        "readers are not blocked"
    );
    let (answer, elapsed) = waited;
    assert!(answer.is_push_ok(), "the patient process: {answer:?}");
    assert!(
        elapsed >= LOCK_HELD,
        "the push was applied under the lock: {elapsed:?}"
    );

    // The client retries the failed push: it is applied now; nothing ran twice.
    assert!(push(&hasty, "h", 1).is_push_ok());
    let pulled = hasty.http.pull_ok("g", Value::Null);
    assert_eq!(pulled["lastMutationIDChanges"], json!({"p": 2, "h": 1}));
    assert_eq!(database.direct().audited_writes(), 3);
}

/// Asserts a 503 JSON answer within `within`.
fn assert_prompt_503(answer: Result<Answer, Transport>, started: Instant, within: Duration) {
    let elapsed = started.elapsed();
    let answer = answer.expect("answered");
    assert!(answer.is_json_503(), "{answer:?}");
    assert!(elapsed < within, "answered after {elapsed:?}");
}

on_postgres! {
fn healthz_answers_503_json_while_postgres_refuses_connections_and_recovers_without_restart() {
    let database = ProcDb::postgres("healthz_recovers");
    let server = ServerProcess::builder("healthz", &database.url)
        .configure(|c| c.database.pool_timeout_secs = 3)
        .start();
    let first = create_message("c", 1, "m1", "x", 1);
    assert!(server.http.push("g", vec![first]).unwrap().is_push_ok());

    // Dropped connections alone do not make the database unhealthy.
    assert!(database.terminate_sessions() > 0);
    let health = server.http.get("/healthz").unwrap();
    assert_eq!(
        (health.status, health.json()["status"].clone()),
        (200, json!("ok"))
    );

    let mut admin = database.admin();
    let allow = |on: bool| format!("ALTER DATABASE {} ALLOW_CONNECTIONS {on}", database.name());
    admin.execute(&allow(false));
    database.terminate_sessions();
    for _ in 0..3 {
        let started = Instant::now();
        assert_prompt_503(server.http.get("/healthz"), started, Duration::from_secs(2));
    }
    // A push cannot be applied and says so after one wait for a connection (3 s).
    let started = Instant::now();
    let second = create_message("c", 2, "m2", "y", 2);
    let refused = server.http.push("g", vec![second.clone()]);
    assert_prompt_503(refused, started, Duration::from_secs(5));

    admin.execute(&allow(true));
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.http.get("/healthz").unwrap().status != 200 {
        assert!(Instant::now() < deadline, "healthz did not recover");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The pool reconnected: the client's resent push is applied, the first one kept.
    assert!(server.http.push("g", vec![second]).unwrap().is_push_ok());
    let view = ClientView::from_response(&server.http.pull_ok("g", Value::Null));
    assert_eq!(view.lmids.get("c"), Some(&2));
    // Both messages, and the room general.
    assert_eq!(view.data.len(), 3, "{:?}", view.data);
}
}
