//! Pushes and pulls interleaved: snapshot consistency, cookie order and the lmid map
//! (docs/protocol.md checklist items 16, 20, 22). Writers run the deterministic workload (every
//! mutation has a visible effect) while pullers record what they are answered.

use crate::on_both_databases;
use crate::support::app::TestApp;
use crate::support::workload::{assert_view_matches_workload, workload_range};
use replichat_test_support::bodies::{create_message, put};
use replichat_test_support::view::{compare_cookies, ClientView};
use serde_json::{json, Value};
use std::cmp::Ordering as CookieOrder;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Writers: (group, client); each pushes [`MUTATIONS`] workload mutations.
const WRITERS: [(&str, &str); 3] = [("g", "c0"), ("g", "c1"), ("h", "h0")];
const MUTATIONS: i64 = 60;
const BATCH_SIZES: [i64; 5] = [1, 2, 3, 5, 2];

/// One pull as a puller saw it. `started`/`finished` are ticks of a shared clock, so
/// "finished before the other started" is real-time order.
struct Observation {
    puller: usize,
    group: &'static str,
    request: Value,
    response: Value,
    started: u64,
    finished: u64,
}

fn clients_of(group: &str) -> Vec<&'static str> {
    WRITERS
        .iter()
        .filter(|(g, _)| *g == group)
        .map(|(_, c)| *c)
        .collect()
}

async fn write(app: &TestApp, group: &str, client: &str) {
    let mut next = 1;
    for size in BATCH_SIZES.iter().cycle() {
        if next > MUTATIONS {
            break;
        }
        let last = (next + size - 1).min(MUTATIONS);
        app.push_ok(group, workload_range(client, next, last)).await;
        next = last + 1;
    }
}

/// Pulls `group` until the writers are done, then once more. `incremental` pullers
/// keep their cookie; the others always ask for the full view.
async fn pull_until_done(
    app: &TestApp,
    puller: usize,
    group: &'static str,
    incremental: bool,
    done: &AtomicBool,
    clock: &AtomicU64,
) -> Vec<Observation> {
    let mut seen = Vec::new();
    let mut cookie = Value::Null;
    loop {
        let last_round = done.load(Ordering::SeqCst);
        let request = cookie.clone();
        let started = clock.fetch_add(1, Ordering::SeqCst);
        let response = app.pull_ok(group, request.clone()).await;
        let finished = clock.fetch_add(1, Ordering::SeqCst);
        if incremental {
            cookie = response["cookie"].clone();
        }
        seen.push(Observation {
            puller,
            group,
            request,
            response,
            started,
            finished,
        });
        if last_round {
            return seen;
        }
    }
}

/// Runs the writers against three pullers (full pulls of `g`, incremental pulls of
/// `g` and of `h`) and returns every observation.
async fn interleave(app: &TestApp) -> Vec<Observation> {
    let done = AtomicBool::new(false);
    let clock = AtomicU64::new(0);
    let writers = async {
        rocket::tokio::join!(
            write(app, WRITERS[0].0, WRITERS[0].1),
            write(app, WRITERS[1].0, WRITERS[1].1),
            write(app, WRITERS[2].0, WRITERS[2].1),
        );
        done.store(true, Ordering::SeqCst);
    };
    let (_, full, incremental, other) = rocket::tokio::join!(
        writers,
        pull_until_done(app, 0, "g", false, &done, &clock),
        pull_until_done(app, 1, "g", true, &done, &clock),
        pull_until_done(app, 2, "h", true, &done, &clock),
    );
    let observations: Vec<Observation> = [full, incremental, other].into_iter().flatten().collect();
    // The scenario only means something if pulls landed between pushes.
    let midway = observations.iter().filter(|o| {
        let changes = o.response["lastMutationIDChanges"].as_object().unwrap();
        changes
            .values()
            .any(|l| (1..MUTATIONS).contains(&l.as_i64().unwrap()))
    });
    assert!(midway.count() >= 3, "too few pulls saw work in progress");
    observations
}

on_both_databases!(item_16_no_pull_splits_a_mutation_from_its_lmid, |app| {
    let observations = interleave(&app).await;
    let mut views = [ClientView::new(), ClientView::new(), ClientView::new()];
    for o in &observations {
        let view = &mut views[o.puller];
        if o.request.is_null() {
            *view = ClientView::new();
        }
        view.apply(&o.response);
        assert_view_matches_workload(view, &clients_of(o.group));
    }
    // Everyone ends caught up with every mutation.
    for (view, group) in views.iter().zip(["g", "g", "h"]) {
        for client in clients_of(group) {
            assert_eq!(
                view.lmids.get(client),
                Some(&MUTATIONS),
                "{client} in {group}"
            );
        }
        assert_view_matches_workload(view, &clients_of(group));
    }
});

on_both_databases!(item_20_cookies_never_go_down, |app| {
    let observations = interleave(&app).await;
    for o in &observations {
        let order = compare_cookies(&o.response["cookie"], &o.request);
        assert!(
            matches!(order, Some(CookieOrder::Greater | CookieOrder::Equal)),
            "cookie {} answered to {}",
            o.response["cookie"],
            o.request
        );
    }
    // Also from every cookie ever handed out, now that the history is complete.
    let latest = app.current_cookie().await;
    for o in &observations {
        let cookie = &o.response["cookie"];
        let answer = app.pull_ok(o.group, cookie.clone()).await;
        assert_eq!(answer["cookie"], latest, "from {cookie}");
    }
});

on_both_databases!(
    item_22_lmid_map_is_scoped_to_the_group_and_monotonic,
    |app| {
        let observations = interleave(&app).await;
        for o in &observations {
            let changes = o.response["lastMutationIDChanges"].as_object().unwrap();
            let members = clients_of(o.group);
            for (client, lmid) in changes {
                assert!(
                    members.contains(&client.as_str()),
                    "{client} leaked into {}",
                    o.group
                );
                // Any answer completed before this pull started must not be ahead of it.
                for earlier in observations.iter().filter(|e| e.finished < o.started) {
                    if let Some(before) = earlier.response["lastMutationIDChanges"].get(client) {
                        assert!(
                            lmid.as_i64() >= before.as_i64(),
                            "{client}: {before} then {lmid}"
                        );
                    }
                }
            }
        }
        // A pull of g after only h changed reports no client of h.
        let cookie = app.current_cookie().await;
        let next = MUTATIONS + 1;
        app.push_ok("h", vec![create_message("h0", next, "late", "late", 0)])
            .await;
        let answer = app.pull_ok("g", cookie).await;
        assert_eq!(answer["lastMutationIDChanges"], json!({}));
        assert_eq!(answer["patch"], json!([put("late", "late", 0)]));
    }
);
