//! The scale-out run (README "Running several processes"): three writers push to three processes for
//! ten seconds, each request to the next process. Three seconds in, process C is
//! killed with SIGKILL; six seconds in, every database session is terminated. Requests
//! answer 200 or 503 JSON (never 500); only the killed process may not answer at all.
//! Process A retries transactions on dead connections (the default); B is configured
//! with a single attempt, so it answers 503 and the writers' resends must succeed.
//! Afterwards nothing acknowledged is lost, nothing is applied twice, and every process
//! answers the same pull identically.

use super::ProcDb;
use crate::on_postgres;
use crate::support::http::Http;
use crate::support::process::ServerProcess;
use crate::support::workload::{assert_view_matches_workload, workload_writes};
use crate::support::writer::{Outcome, Writer};
use replichat_test_support::bodies::normalized;
use replichat_test_support::view::ClientView;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const RUN: Duration = Duration::from_secs(10);
const KILL_AT: Duration = Duration::from_secs(3);
const TERMINATE_AT: Duration = Duration::from_secs(6);

/// What one writer saw.
struct Tally {
    writer: Writer,
    /// Requests answered 200 after the kill and after the termination.
    ok_after_kill: usize,
    ok_after_terminate: usize,
    unavailable: usize,
}

/// One writer's loop: request `n` goes to process `(first + n) % 3`, skipping the
/// killed one once it is marked dead.
fn write(name: &str, first: usize, servers: &[Http], dead: &[AtomicBool], start: Instant) -> Tally {
    let mut tally = Tally {
        writer: Writer::new(name),
        ok_after_kill: 0,
        ok_after_terminate: 0,
        unavailable: 0,
    };
    let mut n = first;
    let mut next_server = || loop {
        n += 1;
        if !dead[n % servers.len()].load(Ordering::SeqCst) {
            return n % servers.len();
        }
    };
    for request in 0.. {
        if start.elapsed() > RUN {
            break;
        }
        let index = next_server();
        match tally.writer.request(&servers[index], request) {
            Outcome::Ok if start.elapsed() > TERMINATE_AT + Duration::from_millis(500) => {
                tally.ok_after_kill += 1;
                tally.ok_after_terminate += 1;
            }
            Outcome::Ok if start.elapsed() > KILL_AT + Duration::from_millis(500) => {
                tally.ok_after_kill += 1
            }
            Outcome::Ok => {}
            Outcome::Unavailable => tally.unavailable += 1,
            Outcome::Unreachable => assert!(
                dead[index].load(Ordering::SeqCst),
                "{name}: process {index} stopped answering but was not killed"
            ),
        }
    }
    tally
}

fn retries(server: &ServerProcess) -> f64 {
    server.http.metric("replichat_transaction_retries_total")
}

on_postgres! {
fn three_writers_on_three_processes_survive_a_killed_process_and_terminated_connections() {
    let database = ProcDb::postgres("scale_out");
    database.migrate();
    database.direct().install_write_audit();
    // B gives up on the first transient failure; A and C retry as configured.
    let mut servers: Vec<ServerProcess> = ["A", "B", "C"]
        .into_iter()
        .map(|label| {
            let server = ServerProcess::builder(label, &database.url);
            if label == "B" {
                server.configure(|c| c.database.transaction_attempts = 1)
            } else {
                server
            }
            .start()
        })
        .collect();
    let clients: Vec<Http> = servers.iter().map(|s| s.http.clone()).collect();
    let dead: Vec<AtomicBool> = (0..3).map(|_| AtomicBool::new(false)).collect();
    let start = Instant::now();
    let (tallies, retries_before) = std::thread::scope(|scope| {
        let writers: Vec<_> = ["w0", "w1", "w2"]
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                scope.spawn({
                    let (clients, dead) = (&clients, &dead);
                    move || write(name, i, clients, dead, start)
                })
            })
            .collect();
        std::thread::sleep(KILL_AT.saturating_sub(start.elapsed()));
        dead[2].store(true, Ordering::SeqCst);
        servers[2].kill();
        std::thread::sleep(TERMINATE_AT.saturating_sub(start.elapsed()));
        let before = retries(&servers[0]);
        assert!(
            database.terminate_sessions() > 0,
            "the servers had sessions"
        );
        let tallies: Vec<Tally> = writers.into_iter().map(|w| w.join().unwrap()).collect();
        (tallies, before)
    });

    // The survivors kept serving through both faults and recovered from the second: A
    // by retrying on a fresh connection, B by answering 503 until the clients' resends
    // reached a fresh one.
    assert!(
        retries(&servers[0]) > retries_before,
        "A: no retry after the termination"
    );
    let unavailable: usize = tallies.iter().map(|t| t.unavailable).sum();
    assert!(
        unavailable > 0,
        "B never answered 503 after the termination"
    );
    for tally in &tallies {
        let name = &tally.writer.client;
        assert!(
            tally.ok_after_kill > 20,
            "{name}: {} answers after the kill",
            tally.ok_after_kill
        );
        assert!(
            tally.ok_after_terminate > 10,
            "{name}: {} after termination",
            tally.ok_after_terminate
        );
    }
    let created: i64 = tallies.iter().map(|t| t.writer.created).sum();
    eprintln!("scale-out: {created} mutations, {unavailable} answers 503");

    // The killed process comes back on the same database; every writer sends what is
    // still pending, as Replicache does, and all of it is confirmed.
    servers[2].restart();
    let mut writers: Vec<Writer> = tallies.into_iter().map(|t| t.writer).collect();
    for writer in &mut writers {
        writer.flush(&servers[2].http, 20);
    }
    check_final_state(&database, &servers, &writers);
}
}

/// Every process answers the same pulls identically, the final view holds exactly every
/// writer's mutations, and each mutation wrote once.
fn check_final_state(database: &ProcDb, servers: &[ServerProcess], writers: &[Writer]) {
    let mut view = ClientView::new();
    for writer in writers {
        let step = (writer.cookies.len() / 8).max(1);
        let mut cookies: Vec<Value> = writer.cookies.iter().step_by(step).cloned().collect();
        cookies.push(Value::Null);
        for cookie in cookies {
            let answers: Vec<Value> = servers
                .iter()
                .map(|s| normalized(&s.http.pull_ok(&writer.group, cookie.clone())))
                .collect();
            assert!(
                answers.iter().all(|a| *a == answers[0]),
                "{} from cookie {cookie}: the processes disagree",
                writer.group
            );
        }
        let full = ClientView::from_response(&servers[0].http.pull_ok(&writer.group, Value::Null));
        assert_eq!(full.lmids.get(&writer.client), Some(&writer.created));
        view.data = full.data;
        view.lmids.extend(full.lmids);
    }
    let names: Vec<&str> = writers.iter().map(|w| w.client.as_str()).collect();
    assert_view_matches_workload(&view, &names);
    let writes: i64 = writers.iter().map(|w| workload_writes(w.created)).sum();
    assert_eq!(database.direct().audited_writes(), writes, "row writes");
}
