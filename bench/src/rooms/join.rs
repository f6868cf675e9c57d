//! `rooms-join`: the pull that brings a whole room to a user who just joined it. Per run a
//! fresh owner creates a private room and posts M messages to it, a fresh user takes their
//! current cookie (a null pull) and the owner adds them (all untimed); the user's next pull
//! from that cookie is timed. It must carry the room, its two memberships and each of the M
//! messages once, and nothing else, unless the server answers with a full reset (`clear`,
//! counted in `join_resets`), which may also hold the rest of the user's view.

use super::expect::Expected;
use crate::auth::Minter;
use crate::http::{join, Http};
use crate::proto::{random_id, ClientIdentity, PullView, PULL_PATH, PUSH_PATH};
use crate::pull::next_cookie;
use crate::runner::Outcome;
use anyhow::{Context, Result};
use serde_json::{json, Value};
use std::time::Instant;

/// Parameters of every run.
#[derive(Clone)]
pub struct JoinParams {
    /// Messages in the room.
    pub messages: u64,
    /// Mutations per setup push.
    pub batch: usize,
    /// Signs the owner's and the user's tokens.
    pub minter: Minter,
}

/// One join against `url`.
pub async fn run(http: Http, url: String, p: &JoinParams) -> Result<Outcome> {
    let tag = random_id();
    let room = format!("rj-{tag}");
    let (owner_id, user_id) = (format!("rj-{tag}-owner"), format!("rj-{tag}-user"));
    let owner = p.minter.identity(&owner_id)?;
    let user = p.minter.identity(&user_id)?;
    let (push_url, pull_url) = (join(&url, PUSH_PATH), join(&url, PULL_PATH));
    let setup = Instant::now();

    let mut expected = Expected::default();
    let mut mutations = vec![owner.mutation(
        1,
        "createRoom",
        json!({"id": room, "name": "joined room", "visibility": "private"}),
    )];
    for i in 0..p.messages {
        let id = format!("{room}-m{i}");
        let args = json!({"id": id, "from": "owner", "content": format!("history {i}"),
                          "order": i, "roomID": room});
        mutations.push(owner.mutation(i + 2, "createMessage", args));
        expected.messages.insert(id, room.clone());
    }
    let last_id = mutations.len() as u64;
    push_all(&http, &push_url, &owner, mutations, p.batch).await?;
    let answer = user
        .post(&http, &pull_url, user.pull_body(&Value::Null))
        .await?;
    let cookie = next_cookie(&answer.body).context("the user's first pull")?;
    let add = json!({"roomID": room, "userID": user_id});
    let body = owner.push_of(vec![owner.mutation(last_id + 1, "addMember", add)]);
    owner
        .post_until_ok(&http, &push_url, body, "adding the user")
        .await?;
    let setup_secs = setup.elapsed().as_secs_f64();

    let reply = user.post(&http, &pull_url, user.pull_body(&cookie)).await?;
    let mut out = Outcome::default();
    out.put("join_ms", reply.elapsed.as_secs_f64() * 1000.0);
    out.put("join_bytes", reply.body.len() as f64);
    out.put("setup_s", setup_secs);
    if !reply.is_ok() {
        out.failures
            .push(format!("the joining pull failed: {}", reply.describe()));
        return Ok(out);
    }
    let view: PullView =
        serde_json::from_slice(&reply.body).context("the joining pull's answer")?;
    expected.rooms.insert(room.clone());
    for member in [&owner_id, &user_id] {
        expected.members.insert(format!("{room}/{member}"));
    }
    let (of_room, others) = split_room(view, &room);
    out.put("join_messages", of_room.message_puts().count() as f64);
    out.put("join_resets", f64::from(u8::from(of_room.clears())));
    out.failures.extend(expected.differences(&of_room));
    if !of_room.clears() && others > 0 {
        out.failures.push(format!(
            "the joining pull carried {others} operations besides the room's entries"
        ));
    }
    Ok(out)
}

/// Pushes `mutations` as `id` in pushes of `batch`.
async fn push_all(
    http: &Http,
    url: &str,
    id: &ClientIdentity,
    mutations: Vec<Value>,
    batch: usize,
) -> Result<()> {
    for chunk in mutations.chunks(batch.max(1)) {
        let body = id.push_of(chunk.to_vec());
        id.post_until_ok(http, url, body, "creating the room to join")
            .await?;
    }
    Ok(())
}

/// `view` with only the operations of `room` (and `clear`), and how many others it had.
fn split_room(mut view: PullView, room: &str) -> (PullView, usize) {
    let member_prefix = format!("member/{room}/");
    let room_key = format!("room/{room}");
    let before = view.patch.len();
    view.patch.retain(|op| {
        let key = op.key.as_deref().unwrap_or_default();
        let in_room = op
            .value
            .as_ref()
            .and_then(|v| v.get("roomID"))
            .and_then(Value::as_str)
            == Some(room);
        op.op == "clear"
            || key == room_key
            || key.starts_with(&member_prefix)
            || (key.starts_with("message/") && in_room)
    });
    let others = before - view.patch.len();
    (view, others)
}
