//! Membership races (issue 12): messages are written in a private room while a user is
//! added to it and removed from it again and again, and that user and an outsider pull
//! all the while. Every pull must show a state the room really had at one version:
//! the room with its members and exactly the messages of one point of the writer's
//! history (never older than one seen before), or nothing of the room at all; the
//! outsider never sees anything of it. Afterwards every view equals a fresh full pull
//! under both strategies. Run with each pull strategy.

use crate::on_both_databases;
use crate::support::app::TestApp;
use crate::support::users::{with_users, User};
use replichat::config::AppConfig;
use replichat::service::PullStrategy;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// The private room everything happens in.
const ROOM: &str = "race";
/// Writes of the writer (one mutation per push).
const WRITES: usize = 60;
/// Times the member is removed and added back (after a first add).
const TOGGLES: usize = 15;

/// One write of the writer.
#[derive(Debug, Clone)]
enum Write {
    Create(String),
    Update(String, String),
    Delete(String),
}

/// The writer's history: mostly new messages, some deletes and edits of earlier ones.
/// Returns the writes and the room's messages (id → content) after each of them
/// (`states[k]` after `k` writes).
fn history() -> (Vec<Write>, Vec<BTreeMap<String, String>>) {
    let mut live: BTreeMap<String, String> = BTreeMap::new();
    let mut writes = Vec::new();
    let mut states = vec![live.clone()];
    for k in 1..=WRITES {
        let earlier = format!("w{}", k.saturating_sub(2));
        let write = if k % 5 == 0 && live.contains_key(&earlier) {
            live.remove(&earlier);
            Write::Delete(earlier)
        } else if k % 7 == 0 && live.contains_key(&earlier) {
            let content = format!("edited at {k}");
            live.insert(earlier.clone(), content.clone());
            Write::Update(earlier, content)
        } else {
            let id = format!("w{k}");
            let content = format!("written at {k}");
            live.insert(id.clone(), content.clone());
            Write::Create(id)
        };
        writes.push(write);
        states.push(live.clone());
    }
    (writes, states)
}

/// The keys of `view` that belong to the room.
fn room_keys(view: &BTreeMap<String, Value>) -> Vec<&String> {
    view.iter()
        .filter(|(key, value)| {
            key.as_str() == format!("room/{ROOM}")
                || key.starts_with(&format!("member/{ROOM}/"))
                || (key.starts_with("message/") && value["roomID"] == ROOM)
        })
        .map(|(key, _)| key)
        .collect()
}

/// The room's messages in `view`, id → content.
fn messages(view: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    view.iter()
        .filter(|(key, value)| key.starts_with("message/") && value["roomID"] == ROOM)
        .map(|(key, value)| {
            let id = key.trim_start_matches("message/").to_string();
            (
                id,
                value["content"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Checks one of the member's views: the room whole at one point of the history not
/// older than `seen` (which it advances), or nothing of it. True when it saw the room.
fn check_member_view(
    user: &User,
    states: &[BTreeMap<String, String>],
    seen: &mut usize,
    answer: &Value,
) -> bool {
    let view = &user.view.data;
    if !view.contains_key(&format!("room/{ROOM}")) {
        assert_eq!(
            room_keys(view),
            Vec::<&String>::new(),
            "{} holds parts of a room it cannot see, after {answer}",
            user.name
        );
        return false;
    }
    let member = format!("member/{ROOM}/{}", user.name);
    assert!(
        view.contains_key(&member),
        "{} sees the room without being a member, after {answer}",
        user.name
    );
    let held = messages(view);
    let at = (*seen..states.len()).find(|k| states[*k] == held);
    let Some(at) = at else {
        panic!(
            "{}'s messages {held:?} are no state of the room at or after write {seen}, after {answer}",
            user.name
        );
    };
    *seen = at;
    true
}

/// `createMessage`, `updateMessage` or `deleteMessage` arguments of a write.
fn mutation_of(write: &Write) -> (&'static str, Value) {
    match write {
        Write::Create(id) => {
            let content = format!("written at {}", id.trim_start_matches('w'));
            let args =
                json!({"id": id, "from": "Dave", "content": content, "order": 1, "roomID": ROOM});
            ("createMessage", args)
        }
        Write::Update(id, content) => ("updateMessage", json!({"id": id, "content": content})),
        Write::Delete(id) => ("deleteMessage", json!({"id": id})),
    }
}

/// Alice's private room with Dave as a member; Bob is not one yet.
async fn set_up(app: &TestApp) -> (User, User) {
    let (mut alice, mut dave) = (User::new("alice"), User::new("dave"));
    let room = json!({"id": ROOM, "name": "Race", "visibility": "private"});
    alice.run(app, "createRoom", room).await;
    let dave_joins = json!({"roomID": ROOM, "userID": "dave"});
    alice.run(app, "addMember", dave_joins).await;
    dave.pull(app).await;
    (alice, dave)
}

/// The whole race on `app`; `reset` is the strategy it runs with.
async fn race(app: &TestApp, reset: bool) {
    let (writes, states) = history();
    let (mut alice, mut dave) = set_up(app).await;
    let (mut bob, mut carol) = (User::new("bob"), User::new("carol"));
    let done = AtomicBool::new(false);
    let writer = async {
        for write in &writes {
            let (name, args) = mutation_of(write);
            dave.run(app, name, args).await;
        }
    };
    let toggler = async {
        let bob_in = json!({"roomID": ROOM, "userID": "bob"});
        alice.run(app, "addMember", bob_in.clone()).await;
        for _ in 0..TOGGLES {
            alice.run(app, "removeMember", bob_in.clone()).await;
            alice.run(app, "addMember", bob_in.clone()).await;
        }
    };
    let changes = async {
        rocket::tokio::join!(writer, toggler);
        done.store(true, Ordering::SeqCst);
    };
    let member = async {
        let (mut seen, mut inside, mut outside) = (0, 0, 0);
        loop {
            let last_round = done.load(Ordering::SeqCst);
            let answer = bob.pull(app).await;
            if check_member_view(&bob, &states, &mut seen, &answer) {
                inside += 1;
            } else {
                outside += 1;
            }
            if last_round {
                return (inside, outside);
            }
        }
    };
    let outsider = async {
        loop {
            let last_round = done.load(Ordering::SeqCst);
            let answer = carol.pull(app).await;
            assert_eq!(
                room_keys(&carol.view.data),
                Vec::<&String>::new(),
                "carol sees the private room after {answer}"
            );
            if last_round {
                return;
            }
        }
    };
    let (_, (inside, outside), _) = rocket::tokio::join!(changes, member, outsider);
    eprintln!(
        "{:?} (reset: {reset}): bob saw the room in {inside} pulls, nothing of it in {outside}",
        app.db
    );

    // Bob ended as a member: he holds the room's final state, as every fresh pull does.
    let last = &states[WRITES];
    assert_eq!(&messages(&bob.view.data), last, "bob's final messages");
    let other = app
        .sibling(|c| {
            with_users(c);
            c.protocol.pull_strategy = if reset {
                PullStrategy::Version
            } else {
                PullStrategy::Reset
            };
        })
        .await;
    for user in [&mut bob, &mut carol, &mut dave] {
        user.pull(app).await;
        let fresh = user.full_view(app).await;
        let other_fresh = user.full_view(&other).await;
        assert_eq!(
            user.view.data, fresh.data,
            "{}'s view and a fresh pull",
            user.name
        );
        assert_eq!(
            fresh.data, other_fresh.data,
            "{}'s fresh pulls under both strategies",
            user.name
        );
    }
    assert_eq!(&messages(&dave.view.data), last, "dave's final messages");
}

fn version_strategy(config: &mut AppConfig) {
    with_users(config);
    config.protocol.pull_strategy = PullStrategy::Version;
}

fn reset_strategy(config: &mut AppConfig) {
    with_users(config);
    config.protocol.pull_strategy = PullStrategy::Reset;
}

on_both_databases!(
    membership_races_under_the_version_strategy,
    config = version_strategy,
    |app| {
        race(&app, false).await;
    }
);

on_both_databases!(
    membership_races_under_the_reset_strategy,
    config = reset_strategy,
    |app| {
        race(&app, true).await;
    }
);
