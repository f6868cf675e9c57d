//! Public rooms for the push workload (`push --rooms N`), created by one setup user, and
//! whether the server knows rooms at all.
//!
//! A server from before rooms refuses `createRoom` as an unknown mutator (the mutation's id
//! is consumed, nothing else happens) and ignores the `roomID` of `createMessage` (its
//! argument struct does not deny unknown fields), so the workload runs unchanged on it. The
//! setup tells the two apart by the setup user's pull: a rooms server lists `room/` entries
//! (at least `general`), an older one none.

use crate::http::{join, Http};
use crate::proto::{random_id, ClientIdentity, RoomCycle, PULL_PATH, PUSH_PATH};
use crate::verify::pull_full;
use anyhow::{bail, Result};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Arc;

/// Rooms created per setup push.
const PER_PUSH: usize = 1_000;

/// The rooms of one push run.
#[derive(Debug, Clone)]
pub struct PublicRooms {
    /// Their ids.
    pub ids: Arc<[String]>,
    /// Whether the server stores rooms (false: a server from before rooms).
    pub known: bool,
}

impl PublicRooms {
    /// The rooms client number `client` posts to in turn.
    pub fn cycle(&self, client: usize) -> RoomCycle {
        RoomCycle::new(Arc::clone(&self.ids), client)
    }
}

/// Creates `n` public rooms of fresh ids as `user`, then finds out whether the server knows
/// rooms; fails when it does but did not create every one.
pub async fn setup(http: &Http, url: &str, n: usize, user: ClientIdentity) -> Result<PublicRooms> {
    let prefix = format!("pr-{}", random_id());
    let ids: Vec<String> = (0..n).map(|i| format!("{prefix}-{i}")).collect();
    let push_url = join(url, PUSH_PATH);
    for (chunk_index, chunk) in ids.chunks(PER_PUSH).enumerate() {
        let first = (chunk_index * PER_PUSH) as u64 + 1;
        let mutations: Vec<Value> = chunk
            .iter()
            .zip(first..)
            .map(|(id, mutation_id)| {
                let args = json!({"id": id, "name": format!("bench {id}"), "visibility": "public"});
                user.mutation(mutation_id, "createRoom", args)
            })
            .collect();
        user.post_until_ok(http, &push_url, user.push_of(mutations), "creating rooms")
            .await?;
    }
    let view = pull_full(http, &join(url, PULL_PATH), &user).await?;
    let listed: HashSet<&str> = view.puts_under("room/").map(|(id, _)| id).collect();
    let created = ids.iter().filter(|id| listed.contains(id.as_str())).count();
    let known = match created {
        c if c == n => true,
        0 if listed.is_empty() => {
            eprintln!("note: {url} lists no rooms: a server without rooms (roomID is ignored)");
            false
        }
        c => {
            let refusals: Vec<String> = view
                .puts_under("error/")
                .take(3)
                .map(|(key, value)| format!("{key}: {}", value.map_or(Value::Null, Clone::clone)))
                .collect();
            bail!("{url} created {c} of {n} rooms; refusals: {refusals:?}")
        }
    };
    Ok(PublicRooms {
        ids: Arc::from(ids),
        known,
    })
}
