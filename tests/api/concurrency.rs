//! The concurrency test: 16 tasks push 200 workload mutations each at the same
//! time, mixing clients of one group, several groups, identical batches pushed twice at
//! once and batches of varying size, while a puller follows along. Afterwards every
//! effect must exist exactly once and every lastMutationID and cookie must agree.

use crate::on_both_databases;
use crate::support::app::TestApp;
use crate::support::workload::{
    assert_view_matches_workload, workload_errors, workload_mutation, workload_view,
    workload_writes,
};
use replichat_test_support::bodies::{general, unchanged};
use replichat_test_support::view::ClientView;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

const SIZES_A: &[usize] = &[1, 4, 9, 2, 7, 3, 16, 5];
const SIZES_B: &[usize] = &[3, 1, 12, 6, 2, 8];
const SIZES_C: &[usize] = &[20, 1, 5, 2, 11, 3];

/// One pushing task: its group, the clients whose mutations it sends (interleaved in
/// each batch) with how many each, and its batch sizes. Listed twice = two tasks
/// pushing identical batches concurrently.
struct Task {
    group: &'static str,
    clients: &'static [(&'static str, i64)],
    sizes: &'static [usize],
}

const fn task(
    group: &'static str,
    clients: &'static [(&'static str, i64)],
    sizes: &'static [usize],
) -> Task {
    Task {
        group,
        clients,
        sizes,
    }
}

const TASKS: [Task; 16] = [
    task("g0", &[("a0", 200)], SIZES_A),
    task("g0", &[("a0", 200)], SIZES_A),
    task("g0", &[("a1", 200)], SIZES_B),
    task("g0", &[("a1", 200)], SIZES_B),
    task("g1", &[("b0", 200)], SIZES_C),
    task("g1", &[("b1", 200)], SIZES_A),
    task("g1", &[("b2", 200)], SIZES_B),
    task("g1", &[("b3", 100), ("b4", 100)], SIZES_C),
    task("g2", &[("c0", 100), ("c1", 100)], SIZES_B),
    task("g2", &[("c0", 100), ("c1", 100)], SIZES_B),
    task("g2", &[("c2", 200)], SIZES_A),
    task("g2", &[("c3", 200)], SIZES_C),
    task("g3", &[("d0", 200)], SIZES_B),
    task("g4", &[("e0", 200)], SIZES_A),
    task("g5", &[("f0", 200)], SIZES_C),
    task("g6", &[("h0", 200)], SIZES_B),
];

/// Every (group, client, mutation count), once.
fn clients() -> BTreeMap<&'static str, (&'static str, i64)> {
    let mut all = BTreeMap::new();
    for t in &TASKS {
        for &(client, count) in t.clients {
            all.insert(client, (t.group, count));
        }
    }
    all
}

async fn run_task(app: &TestApp, t: &Task) {
    let longest = t.clients.iter().map(|c| c.1).max().unwrap_or(0);
    let mutations: Vec<Value> = (1..=longest)
        .flat_map(|k| {
            let due = t.clients.iter().filter(move |c| k <= c.1);
            due.map(move |&(client, _)| workload_mutation(client, k))
        })
        .collect();
    let mut rest = &mutations[..];
    for &size in t.sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (batch, tail) = rest.split_at(size.min(rest.len()));
        app.push_ok(t.group, batch.to_vec()).await;
        rest = tail;
    }
}

/// Follows g2 incrementally while the tasks run, checking every answer on the way.
async fn follow(app: &TestApp, done: &AtomicBool) -> ClientView {
    let members: Vec<&str> = ["c0", "c1", "c2", "c3"].into();
    let mut view = ClientView::new();
    loop {
        let last_round = done.load(Ordering::SeqCst);
        view.apply(&app.pull_ok("g2", view.cookie.clone()).await);
        assert_view_matches_workload(&view, &members);
        if last_round {
            return view;
        }
    }
}

on_both_databases!(
    sixteen_tasks_push_concurrently_without_loss_or_duplicates,
    |app| {
        let started = std::time::Instant::now();
        let mut conn = app.direct();
        conn.install_write_audit();
        let done = AtomicBool::new(false);
        let pushes = async {
            rocket::futures::future::join_all(TASKS.iter().map(|t| run_task(&app, t))).await;
            done.store(true, Ordering::SeqCst);
        };
        let (_, followed) = rocket::tokio::join!(pushes, follow(&app, &done));

        let clients = clients();
        // Every group sees every message and the room general; the error entries of
        // refused mutations only in the group of their client.
        let mut expected_data = BTreeMap::new();
        let room = general();
        expected_data.insert(
            room["key"].as_str().unwrap().to_string(),
            room["value"].clone(),
        );
        let mut expected_writes = 0;
        for (client, &(_, count)) in &clients {
            expected_data.extend(workload_view(client, count));
            expected_writes += workload_writes(count);
        }
        let data_of = |group: &str| {
            let mut data = expected_data.clone();
            for (client, &(g, count)) in &clients {
                if g == group {
                    data.extend(workload_errors(client, count));
                }
            }
            data
        };
        assert_eq!(
            conn.audited_writes(),
            expected_writes,
            "committed row writes"
        );

        let server_version = conn.number("SELECT version AS n FROM replicache_server");
        let cookie = json!(server_version);
        let groups: Vec<&str> = TASKS.iter().map(|t| t.group).collect();
        for group in groups {
            let full = ClientView::from_response(&app.pull_ok(group, json!(null)).await);
            let expected_lmids: BTreeMap<String, i64> = clients
                .iter()
                .filter(|(_, (g, _))| *g == group)
                .map(|(client, (_, count))| (client.to_string(), *count))
                .collect();
            assert_eq!(full.lmids, expected_lmids, "lastMutationIDs of {group}");
            assert!(
                full.data == data_of(group),
                "the messages seen by {group} are wrong"
            );
            assert_eq!(full.cookie, cookie, "cookie of {group}");
            assert_eq!(app.pull_ok(group, cookie.clone()).await, unchanged(&cookie));
        }
        // The follower caught up to the same state, without ever seeing an inconsistent one.
        assert_eq!(followed.cookie, cookie);
        assert!(
            followed.data == data_of("g2"),
            "the follower's view differs"
        );
        // No row or client claims a version the cookie does not cover.
        let newest_row = conn.number("SELECT max(version) AS n FROM message");
        let newest_client = conn.number("SELECT max(version) AS n FROM replicache_client");
        assert_eq!(newest_row.max(newest_client), server_version);
        eprintln!(
            "{:?}: 16 tasks x 200 mutations in {:?}",
            app.db,
            started.elapsed()
        );
    }
);
