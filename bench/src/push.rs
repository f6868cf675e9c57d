//! Push workload: C closed-loop clients, each in its own client group, pushing batches of
//! B `createMessage` mutations for T seconds, then a drain and a verification through pull.
//!
//! With `rooms > 0` a setup user first creates that many public rooms and every message
//! names one of them (`roomID`, in turn); a server without rooms ignores both (see
//! [`crate::rooms::public`]). With a token minter every client is a user of its own.

use crate::auth::Minter;
use crate::http::{join, Http};
use crate::proto::{random_id, ClientIdentity, RoomCycle, PUSH_PATH};
use crate::rooms::public;
use crate::runner::Outcome;
use crate::stats::Samples;
use crate::verify;
use std::time::{Duration, Instant};

/// Parameters of one push run.
#[derive(Debug, Clone, Copy)]
pub struct PushParams {
    /// Concurrent clients, each with its own client group.
    pub clients: usize,
    /// Mutations per push.
    pub batch: u64,
    /// Measured seconds.
    pub seconds: f64,
    /// Seconds after the measured window in which unacknowledged pushes are re-sent.
    pub drain_seconds: f64,
    /// Concurrent verification pulls.
    pub verify_concurrency: usize,
    /// Public rooms the messages go to (0: none, no `roomID`).
    pub rooms: usize,
}

/// What one simulated client did.
#[derive(Debug)]
pub struct ClientLog {
    /// Its identity.
    pub id: ClientIdentity,
    /// The rooms its messages went to.
    pub rooms: RoomCycle,
    /// Highest mutation id acknowledged (200, non-error body).
    pub acked: u64,
    /// Highest mutation id ever sent.
    pub sent: u64,
    /// Mutations acknowledged by pushes started inside the measured window.
    measured: u64,
    /// When the last measured push was acknowledged.
    last_ack: Option<Instant>,
    /// Latencies of acknowledged measured pushes.
    latencies: Samples,
    /// Pushes that failed (non-200, network error, timeout) and were re-sent.
    failed_attempts: u64,
    /// Problems to report (error bodies, a sample of failed attempts).
    notes: Vec<String>,
}

/// Runs one push measurement against `url` and verifies the result; with `minter`, each
/// client (and the rooms' setup user) is a user of its own.
pub async fn run(
    http: Http,
    url: String,
    p: PushParams,
    minter: Option<Minter>,
) -> anyhow::Result<Outcome> {
    let identity = || match &minter {
        Some(m) => m.identity(&format!("bench-push-{}", random_id())),
        None => Ok(ClientIdentity::fresh()),
    };
    let rooms = match p.rooms {
        0 => None,
        n => Some(public::setup(&http, &url, n, identity()?).await?),
    };
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(p.seconds);
    let drain_deadline = deadline + Duration::from_secs_f64(p.drain_seconds);
    let mut tasks = Vec::with_capacity(p.clients);
    for index in 0..p.clients {
        let (http, url) = (http.clone(), join(&url, PUSH_PATH));
        let cycle = rooms
            .as_ref()
            .map_or_else(RoomCycle::none, |r| r.cycle(index));
        let client = Client {
            id: identity()?,
            rooms: cycle,
            batch: p.batch,
        };
        tasks.push(tokio::spawn(client_loop(
            http,
            url,
            client,
            deadline,
            drain_deadline,
        )));
    }
    let mut logs = Vec::with_capacity(tasks.len());
    for task in tasks {
        logs.push(task.await?);
    }

    let mut out = Outcome::default();
    let measured: u64 = logs.iter().map(|l| l.measured).sum();
    let end = logs
        .iter()
        .filter_map(|l| l.last_ack)
        .max()
        .unwrap_or(deadline);
    let elapsed = end.duration_since(start).as_secs_f64().max(p.seconds);
    let mut latencies = Samples::default();
    for log in &logs {
        latencies.extend(log.latencies.clone());
    }
    out.put("mutations_per_s", measured as f64 / elapsed);
    out.put("p50_ms", latencies.percentile(50.0));
    out.put("p99_ms", latencies.percentile(99.0));
    out.put("acked_mutations", measured as f64);
    out.put(
        "failed_pushes",
        logs.iter().map(|l| l.failed_attempts).sum::<u64>() as f64,
    );
    let unresolved = logs.iter().filter(|l| l.acked < l.sent).count();
    out.put("unacked_at_end", unresolved as f64);
    for log in &logs {
        out.failures.extend(log.notes.iter().cloned());
    }
    let known = rooms.as_ref().is_some_and(|r| r.known);
    if let Some(rooms) = &rooms {
        out.put("rooms_known", f64::from(u8::from(rooms.known)));
    }
    let checks = verify::clients(&http, &url, &logs, p.verify_concurrency, known).await?;
    out.put("verified_clients", checks.verified as f64);
    out.failures.extend(checks.failures);
    Ok(out)
}

/// Who a simulated client is and what it pushes.
struct Client {
    id: ClientIdentity,
    rooms: RoomCycle,
    batch: u64,
}

/// One client: push `batch` new mutations, wait for the answer, repeat until `deadline`.
/// A failed push is re-sent unchanged (with backoff) until acknowledged or `drain_deadline`.
async fn client_loop(
    http: Http,
    url: String,
    client: Client,
    deadline: Instant,
    drain_deadline: Instant,
) -> ClientLog {
    let batch = client.batch;
    let mut log = ClientLog {
        id: client.id,
        rooms: client.rooms,
        acked: 0,
        sent: 0,
        measured: 0,
        last_ack: None,
        latencies: Samples::default(),
        failed_attempts: 0,
        notes: Vec::new(),
    };
    let mut pending: Option<u64> = None; // first id of the unacknowledged batch
    let mut backoff = Duration::from_millis(30);
    loop {
        let started = Instant::now();
        let first = match pending {
            Some(first) if started < drain_deadline => first,
            None if started < deadline => log.acked + 1,
            _ => break,
        };
        pending = Some(first);
        let last = first + batch - 1;
        log.sent = log.sent.max(last);
        let body = log.id.push_body_in(first, batch, &log.rooms);
        match log.id.post(&http, &url, body).await {
            Ok(reply) if reply.is_ok() => {
                log.acked = last;
                pending = None;
                backoff = Duration::from_millis(30);
                if started < deadline {
                    log.measured += batch;
                    log.latencies.push(reply.elapsed);
                    log.last_ack = Some(Instant::now());
                }
            }
            Ok(reply) if reply.status.as_u16() == 200 => {
                // ClientStateNotFound / VersionNotSupported: a real client stops here.
                log.notes.push(format!(
                    "client {}: push of ids {first}..={last} answered with an error body: {}",
                    log.id.client,
                    reply.describe()
                ));
                break;
            }
            failed => {
                log.failed_attempts += 1;
                if log.failed_attempts <= 3 {
                    let why = match failed {
                        Ok(reply) => reply.describe(),
                        Err(e) => format!("{e:#}"),
                    };
                    eprintln!(
                        "    push failed, re-sending (client {}): {why}",
                        log.id.client
                    );
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
    if log.acked < log.sent {
        log.notes.push(format!(
            "client {}: ids {}..={} still unacknowledged after the drain",
            log.id.client,
            log.acked + 1,
            log.sent
        ));
    }
    log
}
