//! Graceful shutdown (README "Shutdown and faults"): on SIGTERM the server closes its SSE streams at once,
//! lets a request that is in flight finish and commit, and exits 0 when Rocket's grace
//! period (2 s by default) ends: Rocket waits that long for idle keep-alive connections
//! (this test's client holds some, as browsers do) before it closes them.

use super::{hold_write_lock, release, wait_in_flight, ProcDb};
use crate::on_both_databases;
use crate::support::process::ServerProcess;
use replichat_test_support::bodies::create_message;
use std::time::{Duration, Instant};

/// Rocket's default `shutdown.grace`.
const GRACE: Duration = Duration::from_secs(2);

fn sigterm_drains_and_exits_0(database: ProcDb) {
    database.migrate();
    let mut server = ServerProcess::start("sigterm", &database.url);
    let http = server.http.clone();
    let first = create_message("c", 1, "m1", "x", 1);
    assert!(http.push("g", vec![first]).unwrap().is_push_ok());
    let mut stream = http.subscribe();

    // A push that cannot commit yet: the test holds the write lock.
    let lock = hold_write_lock(&database);
    let (answer, terminated_at) = std::thread::scope(|scope| {
        let in_flight = scope.spawn(|| {
            let second = create_message("c", 2, "m2", "y", 2);
            http.push("g", vec![second])
        });
        wait_in_flight(&server);
        server.terminate();
        let terminated_at = Instant::now();
        assert!(
            stream.wait_closed(Duration::from_millis(500)),
            "the poke stream stayed open"
        );
        assert!(
            server.try_exit_status().is_none(),
            "exited with a request in flight"
        );
        release(lock);
        (in_flight.join().unwrap(), terminated_at)
    });
    let answer = answer.expect("the in-flight push was answered");
    assert!(answer.is_push_ok(), "{answer:?}");
    let limit = GRACE + Duration::from_secs(1);
    let status = server.wait_exit(limit.saturating_sub(terminated_at.elapsed()));
    let status = status.unwrap_or_else(|| panic!("still running {limit:?} after SIGTERM"));
    eprintln!("exited {:?} after SIGTERM", terminated_at.elapsed());
    assert!(status.success(), "exit status {status}");
    assert!(server.output().contains("graceful shutdown completed"));

    // The push committed before the process went away.
    let sql = "SELECT last_mutation_id AS n FROM replicache_client WHERE id = 'c'";
    assert_eq!(database.direct().number(sql), 2);
}

on_both_databases!(
    sigterm_closes_streams_finishes_the_request_in_flight_and_exits_0,
    blocking | db | {
        sigterm_drains_and_exits_0(ProcDb::new(db, "sigterm_drains"));
    }
);
