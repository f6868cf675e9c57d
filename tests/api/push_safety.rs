//! Push under concurrency, transient database failures and ownership rules
//! (docs/protocol.md checklist items 13–15). A write-audit trigger counts committed row writes, so
//! "applied exactly once" is checked directly, not inferred from the final data.

use crate::on_both_databases;
use crate::support::app::TestApp;
use replichat_test_support::bodies::{
    clear, create_message, general, normalized, pull_body, push_body, put, rejected, update_message,
};
use replichat_test_support::database::{Db, DirectConn};
use rocket::http::{ContentType, Status};
use rocket::tokio::sync::oneshot;
use serde_json::json;
use std::time::{Duration, Instant};

/// Makes the first insert into `message` fail with SQLSTATE 40001. The sequence is not
/// rolled back with the failed transaction, so it counts every attempt.
const PG_FAIL_FIRST_INSERT: &str = "
    CREATE SEQUENCE test_insert_attempts;
    CREATE FUNCTION test_fail_first_insert() RETURNS trigger AS $$ BEGIN
        IF nextval('test_insert_attempts') = 1 THEN
            RAISE EXCEPTION 'injected by the test' USING ERRCODE = 'serialization_failure';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER test_fail_first_insert BEFORE INSERT ON message
        FOR EACH ROW EXECUTE FUNCTION test_fail_first_insert();";

on_both_databases!(item_13_concurrent_identical_pushes_apply_once, |app| {
    let mut conn = app.direct();
    conn.install_write_audit();
    app.push_ok("g1", vec![create_message("c1", 1, "m0", "start", 0)])
        .await;
    let rounds = 8;
    for round in 0..rounds {
        let id = 2 + 3 * round;
        let batch = push_body(
            "g1",
            vec![
                update_message("c1", id, "m0", &format!("round {round} a")),
                create_message("c1", id + 1, &format!("r{round}"), "new", round),
                update_message("c1", id + 2, "m0", &format!("round {round} b")),
            ],
        );
        let (first, second) = rocket::tokio::join!(app.push(&batch), app.push(&batch));
        assert_eq!(first, (Status::Ok, json!({})), "round {round}");
        assert_eq!(second, (Status::Ok, json!({})), "round {round}");
    }
    assert_eq!(conn.audited_writes(), 1 + 3 * rounds, "row writes");
    let pulled = app.pull_ok("g1", json!(null)).await;
    let mut patch = vec![clear(), put("m0", &format!("round {} b", rounds - 1), 0)];
    patch.extend((0..rounds).map(|round| put(&format!("r{round}"), "new", round)));
    patch.push(general());
    assert_eq!(
        normalized(&pulled)["lastMutationIDChanges"],
        json!({"c1": 1 + 3 * rounds})
    );
    assert_eq!(normalized(&pulled)["patch"], json!(patch));
});

/// Makes every insert of a message with content `never` fail with SQLSTATE 40001.
const PG_ALWAYS_FAIL: &str = "
    CREATE FUNCTION test_always_fail() RETURNS trigger AS $$ BEGIN
        IF NEW.content = 'never' THEN
            RAISE EXCEPTION 'injected by the test' USING ERRCODE = 'serialization_failure';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER test_always_fail BEFORE INSERT ON message
        FOR EACH ROW EXECUTE FUNCTION test_always_fail();";

/// Takes SQLite's write lock from a connection of the test's own and holds it for
/// 300 ms (far beyond a 20 ms busy timeout) on a background thread.
async fn hold_sqlite_lock(app: &TestApp) -> std::thread::JoinHandle<()> {
    let (locked_tx, locked) = oneshot::channel();
    let url = app.database_url.clone();
    let holder = std::thread::spawn(move || {
        let mut lock = DirectConn::open(Db::Sqlite, &url);
        lock.execute("BEGIN IMMEDIATE");
        locked_tx.send(()).expect("test waits");
        std::thread::sleep(Duration::from_millis(300));
        lock.execute("COMMIT");
    });
    locked.await.expect("lock taken");
    holder
}

on_both_databases!(
    item_14_transient_failure_is_retried_and_applied_once,
    config = |c| c.database.sqlite_busy_timeout_ms = 20,
    |app| {
        let mut conn = app.direct();
        conn.install_write_audit();
        let batch = vec![
            create_message("c1", 1, "m1", "first", 1),
            create_message("c1", 2, "m2", "second", 2),
        ];
        match app.db {
            Db::Postgres => {
                conn.execute(PG_FAIL_FIRST_INSERT);
                app.push_ok("g1", batch).await;
                let attempts = conn.number("SELECT last_value AS n FROM test_insert_attempts");
                assert_eq!(attempts, 3, "one failed insert, then one per message");
            }
            Db::Sqlite => {
                let holder = hold_sqlite_lock(&app).await;
                let started = Instant::now();
                app.push_ok("g1", batch).await;
                let waited = started.elapsed();
                holder.join().expect("lock holder");
                assert!(
                    waited >= Duration::from_millis(250),
                    "the push did not meet the lock ({waited:?})"
                );
            }
        }
        assert_eq!(
            conn.audited_writes(),
            2,
            "each message written exactly once"
        );
        let applied = json!({"cookie": 2, "lastMutationIDChanges": {"c1": 2},
                             "patch": [clear(), put("m1", "first", 1), put("m2", "second", 2),
                                       general()]});
        assert_eq!(normalized(&app.pull_ok("g1", json!(null)).await), applied);

        // When the retries run out, the push fails (so the client pushes again) and the
        // mutation is not consumed in error mode: lmid and data stay as they were.
        let impatient = app
            .sibling(|c| {
                c.database.sqlite_busy_timeout_ms = 20;
                c.database.transaction_attempts = 2;
            })
            .await;
        let doomed = push_body("g1", vec![create_message("c1", 3, "m3", "never", 3)]);
        let response = match app.db {
            Db::Postgres => {
                conn.execute(PG_ALWAYS_FAIL);
                impatient.push(&doomed).await
            }
            Db::Sqlite => {
                let holder = hold_sqlite_lock(&app).await;
                let response = impatient.push(&doomed).await;
                holder.join().expect("lock holder");
                response
            }
        };
        assert_ne!(response.0, Status::Ok, "{}", response.1);
        assert!(response.1["error"].is_string(), "{}", response.1);
        assert_eq!(conn.audited_writes(), 2);
        assert_eq!(normalized(&app.pull_ok("g1", json!(null)).await), applied);
    }
);

on_both_databases!(item_15_foreign_group_or_client_is_forbidden, |app| {
    let mut conn = app.direct();
    conn.install_write_audit();
    conn.insert_foreign_group("owned", "someone-else");
    let post = |path: &'static str, body: serde_json::Value| {
        app.post_raw(path, Some(ContentType::JSON), vec![], body.to_string())
    };
    let push = push_body("owned", vec![create_message("c1", 1, "m1", "intruder", 1)]);
    let response = post("/api/replicache-push", push).await;
    assert_eq!(response.assert_json_error(Status::Forbidden), "forbidden");
    let pull = pull_body("owned", json!(null));
    let response = post("/api/replicache-pull", pull).await;
    assert_eq!(response.assert_json_error(Status::Forbidden), "forbidden");
    assert_eq!(conn.audited_writes(), 0);
    assert_eq!(app.current_cookie().await, json!(1));

    // c1 belongs to gA; a push under gB naming c1 is refused as a whole.
    app.push_ok("gA", vec![create_message("c1", 1, "a1", "mine", 1)])
        .await;
    let cookie = app.current_cookie().await;
    let push = push_body(
        "gB",
        vec![
            create_message("c2", 1, "b1", "new client", 2),
            create_message("c1", 2, "a2", "stolen", 3),
        ],
    );
    let response = post("/api/replicache-push", push).await;
    assert_eq!(response.assert_json_error(Status::Forbidden), "forbidden");
    assert_eq!(conn.audited_writes(), 1);
    assert_eq!(app.current_cookie().await, cookie);
    assert_eq!(
        normalized(&app.pull_ok("gB", json!(null)).await),
        json!({"cookie": cookie, "lastMutationIDChanges": {},
               "patch": [clear(), put("a1", "mine", 1), general()]})
    );
});

/// Makes inserting a message with content `poison` fail with an error that no retry
/// can cure (PostgreSQL: SQLSTATE P0001; SQLite: a trigger's ABORT).
const PG_POISON: &str = "
    CREATE FUNCTION test_poison() RETURNS trigger AS $$ BEGIN
        IF NEW.content = 'poison' THEN RAISE EXCEPTION 'injected by the test'; END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER test_poison BEFORE INSERT ON message
        FOR EACH ROW EXECUTE FUNCTION test_poison();";
const SQLITE_POISON: &str = "
    CREATE TRIGGER test_poison BEFORE INSERT ON message WHEN NEW.content = 'poison'
    BEGIN SELECT RAISE(ABORT, 'injected by the test'); END;";

on_both_databases!(
    a_permanent_database_error_puts_only_its_mutation_in_error_mode,
    |app| {
        let mut conn = app.direct();
        conn.execute_either(PG_POISON, SQLITE_POISON);
        // Pushed together, so the new messages would be inserted in one write: the
        // failing write must be pinned on m2 alone, in this push and in the other.
        let first = push_body(
            "g1",
            vec![
                create_message("c1", 1, "m1", "fine", 1),
                create_message("c1", 2, "m2", "poison", 2),
                create_message("c1", 3, "m3", "fine too", 3),
            ],
        );
        let second = push_body("g2", vec![create_message("c2", 1, "n1", "other", 4)]);
        let (a, b) = rocket::tokio::join!(app.push(&first), app.push(&second));
        assert_eq!(a, (Status::Ok, json!({})));
        assert_eq!(b, (Status::Ok, json!({})));
        let pulled = normalized(&app.pull_ok("g1", json!(null)).await);
        assert_eq!(pulled["lastMutationIDChanges"], json!({"c1": 3}));
        assert_eq!(
            pulled["patch"],
            json!([
                clear(),
                rejected(
                    "c1",
                    2,
                    "createMessage",
                    "the server could not store this change"
                ),
                put("m1", "fine", 1),
                put("m3", "fine too", 3),
                put("n1", "other", 4),
                general()
            ])
        );
    }
);

/// Makes an insert of a message with content `slow` outlast the statement timeout.
const PG_SLOW: &str = "
    CREATE FUNCTION test_slow() RETURNS trigger AS $$ BEGIN
        IF NEW.content = 'slow' THEN PERFORM pg_sleep(5); END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    CREATE TRIGGER test_slow BEFORE INSERT ON message
        FOR EACH ROW EXECUTE FUNCTION test_slow();";

/// SQLite cannot be filled up from outside the app's connections: the trigger fails
/// the insert with the message SQLite gives for SQLITE_FULL.
const SQLITE_FULL: &str = "
    CREATE TRIGGER test_slow BEFORE INSERT ON message WHEN NEW.content = 'slow'
    BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;";

on_both_databases!(
    a_resource_shortage_is_answered_503_and_never_drops_the_mutation,
    config = |c| {
        c.database.statement_timeout_ms = 1000;
        c.database.transaction_attempts = 2;
    },
    |app| {
        let mut conn = app.direct();
        conn.execute_either(PG_SLOW, SQLITE_FULL);
        let body = push_body(
            "g1",
            vec![
                create_message("c1", 1, "m1", "fine", 1),
                create_message("c1", 2, "m2", "slow", 2),
            ],
        );
        let answer = app
            .post_raw(
                "/api/replicache-push",
                Some(ContentType::JSON),
                Vec::new(),
                body.to_string(),
            )
            .await;
        assert_eq!(
            answer.assert_json_error(Status::ServiceUnavailable),
            "unavailable"
        );
        let pulled = normalized(&app.pull_ok("g1", json!(null)).await);
        assert_eq!(
            pulled["lastMutationIDChanges"],
            json!({}),
            "nothing applied"
        );

        // The shortage ends; the client's next push of the same batch applies both.
        conn.execute_either(
            "DROP TRIGGER test_slow ON message",
            "DROP TRIGGER test_slow",
        );
        app.push_ok(
            "g1",
            body["mutations"].as_array().cloned().unwrap_or_default(),
        )
        .await;
        let pulled = normalized(&app.pull_ok("g1", json!(null)).await);
        assert_eq!(pulled["lastMutationIDChanges"], json!({"c1": 2}));
        assert_eq!(
            pulled["patch"],
            json!([
                clear(),
                put("m1", "fine", 1),
                put("m2", "slow", 2),
                general()
            ])
        );
    }
);
