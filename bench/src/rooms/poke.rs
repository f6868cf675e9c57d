//! `rooms-poke`: pokes that reach only the users concerned. Per run S fresh users, user i a
//! member of private room i mod P (a further user creates the rooms and opens no stream),
//! each with one SSE stream authenticated by `?auth=`, spread evenly over the subscribe
//! URLs. N pushes, `interval` apart: push n is a `createMessage` by the first member of
//! room n mod P (user n mod P) into that room, sent to the target.
//!
//! A push's intended recipients are the streams of its room's members, the pusher's own
//! included. Each must see an event within `window` of the push's send (and before the next
//! push into that room); ack→poke latency is taken from the first such event (see
//! [`Tally`]). Every other event a stream receives after the first push is a stray: a poke
//! for a push into another room, or a second one for the same push. Missed and stray pokes
//! fail the run; events before the first push are only counted.

use crate::auth::Minter;
use crate::http::{join, Http};
use crate::poke::{open_urls, read_events, Tally};
use crate::proto::{random_id, ClientIdentity, RoomCycle, POKE_PATH, PUSH_PATH};
use crate::runner::Outcome;
use anyhow::{bail, Result};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Mutations per setup push.
const SETUP_BATCH: usize = 2_000;

/// Parameters of every run.
#[derive(Clone)]
pub struct RoomsPokeParams {
    /// Streams, one per user.
    pub streams: usize,
    /// Private rooms the users are spread over.
    pub rooms: usize,
    /// Pushes per run.
    pub pushes: u64,
    /// Time between the starts of two pushes.
    pub interval: Duration,
    /// How long after its send a push's poke may arrive.
    pub window: Duration,
    /// Signs every user's token.
    pub minter: Minter,
}

/// One push as sent.
struct Sent {
    room: usize,
    sent: Instant,
    acked: Instant,
}

/// One run: pushes to `url`, streams on `subscribe_urls` (`url` itself when empty).
pub async fn run(
    http: Http,
    url: String,
    p: &RoomsPokeParams,
    subscribe_urls: &[String],
) -> Result<Outcome> {
    if p.rooms == 0 || p.streams < p.rooms {
        bail!(
            "rooms-poke needs at least one room and a stream per room ({} streams, {} rooms)",
            p.streams,
            p.rooms
        );
    }
    let tag = random_id();
    let user = |i: usize| format!("rk-{tag}-u{i}");
    let room = |k: usize| format!("rk-{tag}-r{k}");
    let push_url = join(&url, PUSH_PATH);
    let owner = p.minter.identity(&format!("rk-{tag}-owner"))?;
    let mut steps: Vec<(&str, Value)> = (0..p.rooms)
        .map(|k| {
            let args = json!({"id": room(k), "name": room(k), "visibility": "private"});
            ("createRoom", args)
        })
        .collect();
    steps.extend((0..p.streams).map(|i| {
        let args = json!({"roomID": room(i % p.rooms), "userID": user(i)});
        ("addMember", args)
    }));
    for (chunk_index, chunk) in steps.chunks(SETUP_BATCH).enumerate() {
        let first = (chunk_index * SETUP_BATCH) as u64 + 1;
        let batch = chunk
            .iter()
            .zip(first..)
            .map(|((name, args), id)| owner.mutation(id, name, args.clone()))
            .collect();
        owner
            .post_until_ok(&http, &push_url, owner.push_of(batch), "creating the rooms")
            .await?;
    }

    let hosts: Vec<&str> = if subscribe_urls.is_empty() {
        vec![url.as_str()]
    } else {
        subscribe_urls.iter().map(String::as_str).collect()
    };
    let mut urls = Vec::with_capacity(p.streams);
    for i in 0..p.streams {
        let token = p.minter.token(&user(i))?;
        let path = format!("{POKE_PATH}?clientGroupID={}&auth={token}", random_id());
        urls.push(join(hosts[i % hosts.len()], &path));
    }
    let streams = open_urls(&http, urls).await?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let readers: Vec<_> = streams
        .into_iter()
        .map(|s| tokio::spawn(read_events(s, stop_rx.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut out = Outcome::default();
    let mut pushers: Vec<Option<(ClientIdentity, u64)>> = vec![None; p.rooms];
    let mut sent = Vec::with_capacity(p.pushes as usize);
    for n in 0..p.pushes {
        let k = (n % p.rooms as u64) as usize;
        let (pusher, last) = match &mut pushers[k] {
            Some(entry) => entry,
            slot => slot.insert((p.minter.identity(&user(k))?, 0)),
        };
        *last += 1;
        let rooms = RoomCycle::new(Arc::from(vec![room(k)]), 0);
        let body = pusher.push_body_in(*last, 1, &rooms);
        let started = Instant::now();
        let reply = pusher.post(&http, &push_url, body).await;
        let acked = Instant::now();
        match reply {
            Ok(r) if r.is_ok() => {}
            Ok(r) => out
                .failures
                .push(format!("push {n} failed: {}", r.describe())),
            Err(e) => out.failures.push(format!("push {n} failed: {e:#}")),
        }
        sent.push(Sent {
            room: k,
            sent: started,
            acked,
        });
        tokio::time::sleep_until((started + p.interval).into()).await;
    }
    tokio::time::sleep(p.window.max(p.interval)).await;
    let end = Instant::now();
    let _ = stop_tx.send(true);

    let mut events = Vec::with_capacity(readers.len());
    for reader in readers {
        let (arrivals, closed) = reader.await?;
        out.failures.extend(closed);
        events.push(arrivals);
    }
    account(&events, &sent, p, end, &mut out);
    Ok(out)
}

/// Tallies intended, missed and stray pokes of every stream (stream i: user i).
fn account(
    events: &[Vec<Instant>],
    sent: &[Sent],
    p: &RoomsPokeParams,
    end: Instant,
    out: &mut Outcome,
) {
    // Each push's window: up to `window` after its send, and before the next push into its
    // room (pushes go to the rooms in turn, so that is `rooms` pushes later).
    let window_end: Vec<Instant> = sent
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let next = sent.get(n + p.rooms).map_or(end, |later| later.sent);
            (s.sent + p.window).min(next).min(end)
        })
        .collect();
    let first_send = sent.first().map_or(end, |s| s.sent);
    let mut tally = Tally::default();
    let (mut expected, mut stray, mut early) = (0usize, 0usize, 0usize);
    for (i, arrivals) in events.iter().enumerate() {
        let mine: Vec<usize> = (0..sent.len())
            .filter(|n| sent[*n].room == i % p.rooms)
            .collect();
        for &n in &mine {
            tally.add(arrivals, sent[n].sent, sent[n].acked, window_end[n]);
            expected += 1;
        }
        // Each push into the stream's room explains the first event of its window; any
        // other event after the first push is a stray.
        let explained = mine
            .iter()
            .filter(|&&n| {
                arrivals
                    .iter()
                    .any(|at| sent[n].sent <= *at && *at < window_end[n])
            })
            .count();
        let after_first = arrivals.iter().filter(|at| **at >= first_send).count();
        early += arrivals.len() - after_first;
        stray += after_first - explained;
    }
    tally.report(out);
    let missed = tally.missed();
    out.put("pokes_expected", expected as f64);
    out.put("pokes_received", (expected - missed) as f64);
    out.put("stray_pokes", stray as f64);
    out.put("events_before_pushes", early as f64);
    out.put(
        "recipients_per_push",
        expected as f64 / sent.len().max(1) as f64,
    );
    if missed > 0 {
        out.failures.push(format!(
            "{missed} of {expected} intended pokes did not arrive within {} ms",
            p.window.as_millis()
        ));
    }
    if stray > 0 {
        out.failures.push(format!(
            "{stray} pokes reached streams of users outside the pushed room"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(rooms: usize) -> RoomsPokeParams {
        RoomsPokeParams {
            streams: 4,
            rooms,
            pushes: 2,
            interval: Duration::from_millis(100),
            window: Duration::from_millis(1_000),
            minter: Minter::new("x"),
        }
    }

    fn figure(out: &Outcome, name: &str) -> f64 {
        out.metrics
            .iter()
            .find(|(n, _)| n == name)
            .map_or(f64::NAN, |(_, v)| *v)
    }

    #[test]
    fn only_the_rooms_members_may_be_poked() {
        let t0 = Instant::now();
        let ms = |n: u64| t0 + Duration::from_millis(n);
        // Two pushes: into room 0 at 0 ms, into room 1 at 100 ms; streams 0 and 2 are in
        // room 0, streams 1 and 3 in room 1.
        let sent = vec![
            Sent {
                room: 0,
                sent: ms(0),
                acked: ms(5),
            },
            Sent {
                room: 1,
                sent: ms(100),
                acked: ms(105),
            },
        ];
        let exact = vec![vec![ms(6)], vec![ms(106)], vec![ms(7)], vec![ms(107)]];
        let mut out = Outcome::default();
        account(&exact, &sent, &params(2), ms(2_000), &mut out);
        assert!(out.failures.is_empty(), "{:?}", out.failures);
        assert_eq!(figure(&out, "pokes_received"), 4.0);

        // Stream 3 also woken by room 0's push; stream 2 never poked.
        let wrong = vec![vec![ms(6)], vec![ms(106)], vec![], vec![ms(8), ms(107)]];
        let mut out = Outcome::default();
        account(&wrong, &sent, &params(2), ms(2_000), &mut out);
        assert_eq!(figure(&out, "stray_pokes"), 1.0);
        assert_eq!(figure(&out, "pokes_received"), 3.0);
        assert_eq!(out.failures.len(), 3);
    }
}
