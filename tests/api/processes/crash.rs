//! Crash recovery (README "Shutdown and faults"): `kill -9` of the server while three writers push
//! concurrently, then a restart on the same database. Every mutation a pull had
//! confirmed (or a push had acknowledged) is still there, and exactly once; resending
//! what was pending (as Replicache does after the server comes back) applies each
//! remaining mutation once and skips the rest.

use super::ProcDb;
use crate::on_both_databases;
use crate::support::http::Http;
use crate::support::process::ServerProcess;
use crate::support::workload::{assert_view_matches_workload, workload_writes};
use crate::support::writer::{Outcome, Writer};
use replichat_test_support::view::ClientView;
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long the writers push before the kill.
const LOAD: Duration = Duration::from_millis(1500);

const NAMES: [&str; 3] = ["k0", "k1", "k2"];

/// Pushes and pulls until the server is marked dead; a request may only go unanswered
/// once it is.
fn load(name: &str, server: &Http, dead: &AtomicBool) -> Writer {
    let mut writer = Writer::new(name);
    for n in 0.. {
        if dead.load(Ordering::SeqCst) {
            break;
        }
        match writer.request(server, n) {
            Outcome::Ok => {}
            Outcome::Unreachable if dead.load(Ordering::SeqCst) => {}
            other => panic!("{name}: {other:?} from a running server"),
        }
    }
    writer
}

fn confirmed_mutations_survive_kill_9(database: ProcDb) {
    database.migrate();
    database.direct().install_write_audit();
    let mut server = ServerProcess::start("crash", &database.url);
    let dead = AtomicBool::new(false);
    let http = server.http.clone();
    let mut writers: Vec<Writer> = std::thread::scope(|scope| {
        let handles: Vec<_> = NAMES
            .into_iter()
            .map(|name| scope.spawn(|| load(name, &http, &dead)))
            .collect();
        std::thread::sleep(LOAD);
        dead.store(true, Ordering::SeqCst);
        server.kill();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        writers.iter().all(|w| w.confirmed() > 0),
        "the load confirmed nothing"
    );

    // Before any client resends: everything confirmed is there, with no partial push.
    server.restart();
    let mut view = ClientView::new();
    let mut lmids = Vec::new();
    for writer in &writers {
        let after = ClientView::from_response(&server.http.pull_ok(&writer.group, Value::Null));
        let lmid = after.lmids.get(&writer.client).copied().unwrap_or(0);
        // A push answers after its commit: acknowledged implies durable.
        let durable = writer.confirmed().max(writer.acknowledged);
        assert!(
            (durable..=writer.created).contains(&lmid),
            "{}: lastMutationID {lmid} after the restart; before: {} confirmed, {} \
             acknowledged, {} created",
            writer.client,
            writer.confirmed(),
            writer.acknowledged,
            writer.created
        );
        view.data = after.data;
        view.lmids.extend(after.lmids);
        lmids.push(lmid);
    }
    assert_view_matches_workload(&view, &NAMES);
    let writes: i64 = lmids.iter().map(|&lmid| workload_writes(lmid)).sum();
    assert_eq!(
        database.direct().audited_writes(),
        writes,
        "writes after the restart"
    );

    // The clients resend their pending mutations: each is applied once, replays skipped.
    for writer in &mut writers {
        writer.flush(&server.http, 5);
    }
    let writes: i64 = writers.iter().map(|w| workload_writes(w.created)).sum();
    assert_eq!(
        database.direct().audited_writes(),
        writes,
        "writes after resending"
    );
}

on_both_databases!(
    kill_9_under_push_load_keeps_every_confirmed_mutation_exactly_once,
    blocking | db | {
        confirmed_mutations_survive_kill_9(ProcDb::new(db, "kill_9_under_push_load"));
    }
);
