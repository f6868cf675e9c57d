//! Pull workload: M preloaded messages, C clients (own group each) pulling in a closed loop
//! with a null cookie (the full view) and/or with their last cookie (nothing changed).

use crate::http::{join, Http};
use crate::proto::{ClientIdentity, CookieOnly, PULL_PATH, PUSH_PATH};
use crate::runner::Outcome;
use crate::stats::Samples;
use crate::verify::pull_full;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Which cookie the measured pulls carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CookieMode {
    /// `cookie: null`: a fresh cache, answered with the full view.
    Null,
    /// The cookie of the client's previous response: nothing changed since.
    Last,
    /// Both phases, one after the other.
    Both,
}

impl CookieMode {
    fn phases(self) -> &'static [CookieMode] {
        match self {
            CookieMode::Null => &[CookieMode::Null],
            CookieMode::Last => &[CookieMode::Last],
            CookieMode::Both => &[CookieMode::Null, CookieMode::Last],
        }
    }

    fn name(self) -> &'static str {
        match self {
            CookieMode::Null => "null",
            CookieMode::Last => "last",
            CookieMode::Both => "both",
        }
    }
}

/// Parameters of one pull run.
#[derive(Debug, Clone, Copy)]
pub struct PullParams {
    /// Concurrent pulling clients.
    pub clients: usize,
    /// Measured seconds per phase.
    pub seconds: f64,
    /// Cookie phases to run.
    pub cookie: CookieMode,
    /// While the pulls run, one more client pushes a mutation that changes no data every
    /// this many milliseconds, so the server's version keeps moving (0: off).
    pub churn_ms: u64,
}

/// Number of messages a null-cookie pull returns.
pub async fn count_messages(http: &Http, url: &str) -> Result<u64> {
    let view = pull_full(http, &join(url, PULL_PATH), &ClientIdentity::fresh()).await?;
    Ok(view.message_puts().count() as u64)
}

/// Tops the server up to `target` messages with pushes of `batch` mutations from one fresh
/// client; returns the count a null pull then shows (more than `target` if it held more).
pub async fn preload(http: &Http, url: &str, target: u64, batch: u64) -> Result<u64> {
    let have = count_messages(http, url).await?;
    if have < target {
        let id = ClientIdentity::fresh();
        let push_url = join(url, PUSH_PATH);
        let started = Instant::now();
        let mut first = 1;
        while first <= target - have {
            let count = batch.min(target - have - first + 1);
            push_until_acked(http, &push_url, &id, first, count).await?;
            first += count;
        }
        eprintln!(
            "preloaded {} messages into {url} in {:.1} s",
            target - have,
            started.elapsed().as_secs_f64()
        );
    }
    let now = count_messages(http, url).await?;
    if now > target {
        eprintln!("note: {url} holds {now} messages, more than the requested {target}");
    }
    Ok(now)
}

async fn push_until_acked(
    http: &Http,
    url: &str,
    id: &ClientIdentity,
    first: u64,
    count: u64,
) -> Result<()> {
    let what = format!("preload push of ids {first}..{}", first + count);
    id.post_until_ok(http, url, id.push_body(first, count), &what)
        .await?;
    Ok(())
}

/// Runs every phase of `p` against `url`, which holds `expected` messages.
pub async fn run(http: Http, url: String, p: PullParams, expected: u64) -> Result<Outcome> {
    let mut out = Outcome::default();
    out.put("messages", expected as f64);
    let pull_url = join(&url, PULL_PATH);
    for &mode in p.cookie.phases() {
        // Clients first take their starting cookie, outside the measured window.
        let fetches: Vec<_> = (0..p.clients)
            .map(|_| tokio::spawn(first_cookie(http.clone(), pull_url.clone(), mode)))
            .collect();
        let mut starts = Vec::with_capacity(p.clients);
        for fetch in fetches {
            starts.push(fetch.await??);
        }
        let start = Instant::now();
        let deadline = start + Duration::from_secs_f64(p.seconds);
        let tasks: Vec<_> = starts
            .into_iter()
            .map(|(id, cookie)| {
                let (http, url) = (http.clone(), pull_url.clone());
                tokio::spawn(client_loop(http, url, mode, id, cookie, deadline))
            })
            .collect();
        let churn = (p.churn_ms > 0).then(|| {
            let every = Duration::from_millis(p.churn_ms);
            let id = ClientIdentity::fresh();
            tokio::spawn(churn(
                http.clone(),
                join(&url, PUSH_PATH),
                id,
                every,
                deadline,
            ))
        });
        let mut latencies = Samples::default();
        let (mut bytes, mut end) = (0u64, deadline);
        for task in tasks {
            let log = task.await??;
            latencies.extend(log.latencies);
            bytes += log.bytes;
            end = end.max(log.last_done.unwrap_or(deadline));
            out.failures.extend(log.errors);
        }
        let elapsed = end.duration_since(start).as_secs_f64().max(p.seconds);
        let name = mode.name();
        if let Some(churn) = churn {
            let pushes = churn.await??;
            out.put(
                format!("{name}_churn_pushes_per_s"),
                pushes as f64 / elapsed,
            );
        }
        out.put(
            format!("{name}_pulls_per_s"),
            latencies.len() as f64 / elapsed,
        );
        out.put(format!("{name}_p50_ms"), latencies.percentile(50.0));
        out.put(format!("{name}_p99_ms"), latencies.percentile(99.0));
        out.put(
            format!("{name}_bytes"),
            bytes as f64 / latencies.len().max(1) as f64,
        );
    }
    // A sanity check that the full view really carries every message.
    let seen = count_messages(&http, &url).await?;
    if seen < expected {
        out.failures.push(format!(
            "a null pull shows {seen} messages, expected {expected}"
        ));
    }
    Ok(out)
}

/// Pushes a no-op mutation as `id` every `every` until `deadline`; returns how many were
/// acknowledged.
pub async fn churn(
    http: Http,
    url: String,
    id: ClientIdentity,
    every: Duration,
    deadline: Instant,
) -> Result<u64> {
    let mut ticker = tokio::time::interval(every);
    let mut acked = 0;
    while Instant::now() < deadline {
        ticker.tick().await;
        let reply = id.post(&http, &url, id.no_op_push_body(acked + 1)).await?;
        if !reply.is_ok() {
            bail!("churn push failed: {}", reply.describe());
        }
        acked += 1;
    }
    Ok(acked)
}

#[derive(Default)]
struct PullLog {
    latencies: Samples,
    bytes: u64,
    last_done: Option<Instant>,
    errors: Vec<String>,
}

/// A fresh client and the cookie its measured pulls start from.
async fn first_cookie(
    http: Http,
    url: String,
    mode: CookieMode,
) -> Result<(ClientIdentity, Value)> {
    let id = ClientIdentity::fresh();
    if mode != CookieMode::Last {
        return Ok((id, Value::Null));
    }
    let cookie = next_cookie(&id.post(&http, &url, id.pull_body(&Value::Null)).await?.body)?;
    Ok((id, cookie))
}

/// Pulls as `id`, starting from `cookie`, until `deadline`; in `Last` mode each pull
/// carries the previous response's cookie.
async fn client_loop(
    http: Http,
    url: String,
    mode: CookieMode,
    id: ClientIdentity,
    mut cookie: Value,
    deadline: Instant,
) -> Result<PullLog> {
    let mut log = PullLog::default();
    while Instant::now() < deadline {
        match id.post(&http, &url, id.pull_body(&cookie)).await {
            Ok(reply) if reply.is_ok() => {
                log.latencies.push(reply.elapsed);
                log.bytes += reply.body.len() as u64;
                log.last_done = Some(Instant::now());
                if mode == CookieMode::Last {
                    cookie = next_cookie(&reply.body)?;
                }
            }
            Ok(reply) => log
                .errors
                .push(format!("pull failed: {}", reply.describe())),
            Err(e) => log.errors.push(format!("pull failed: {e:#}")),
        }
        if log.errors.len() >= 3 {
            break;
        }
    }
    Ok(log)
}

/// The non-null cookie of a pull response body.
pub fn next_cookie(body: &[u8]) -> Result<Value> {
    let parsed: CookieOnly =
        serde_json::from_slice(body).context("pull response without a cookie")?;
    if parsed.cookie.is_null() {
        return Err(anyhow!("pull response carries a null cookie"));
    }
    Ok(parsed.cookie)
}
