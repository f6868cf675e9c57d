//! Poke workload: S SSE subscribers, one pusher doing N spaced single-mutation pushes;
//! latency from each push's acknowledgement to each subscriber's next `data:` event.
//!
//! Attribution, per subscriber and push k: the first event at or after the send of push k
//! gives the latency (pokes may coalesce, so one event can serve two pushes). `missed`:
//! that event came only after push k+1 was sent (or never); `never_poked`: no event at all
//! by 1 s after the last push, the one verification failure. `extra_events`: further events
//! between the sends of push k and k+1. A server may poke before it acknowledges (the
//! anchor does): such an event is clamped to 0 ms and counted in `before_ack`; `signed_p50_ms` keeps the sign, and `send_to_poke_*` measure from the
//! push's send, which is comparable across servers whichever order they poke and answer in.

use crate::http::{join, Http};
use crate::proto::{random_id, ClientIdentity, POKE_PATH, PUSH_PATH};
use crate::runner::Outcome;
use crate::stats::Samples;
use anyhow::Result;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::Response;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Parameters of one poke run.
#[derive(Debug, Clone, Copy)]
pub struct PokeParams {
    /// Open SSE streams.
    pub subscribers: usize,
    /// Pushes made by the pusher.
    pub pushes: u64,
    /// Time between the starts of two pushes.
    pub interval: Duration,
}

/// Opens `n` SSE streams on `url`'s poke endpoint, a few at a time.
pub async fn open_streams(http: &Http, url: &str, n: usize) -> Result<Vec<Response<Incoming>>> {
    let urls = (0..n)
        .map(|_| join(url, &format!("{POKE_PATH}?clientGroupID={}", random_id())))
        .collect();
    open_urls(http, urls).await
}

/// Opens one SSE stream per URL, a few at a time, in order.
pub async fn open_urls(http: &Http, urls: Vec<String>) -> Result<Vec<Response<Incoming>>> {
    let mut streams = Vec::with_capacity(urls.len());
    for chunk in urls.chunks(50) {
        let opening: Vec<_> = chunk
            .iter()
            .map(|url| {
                let (http, url) = (http.clone(), url.clone());
                tokio::spawn(async move { http.open_stream(&url).await })
            })
            .collect();
        for task in opening {
            streams.push(task.await??);
        }
    }
    Ok(streams)
}

/// Runs one poke measurement: pushes to `url`, streams on `subscribe_urls` (spread
/// evenly; `url` itself when empty).
pub async fn run(
    http: Http,
    url: String,
    p: PokeParams,
    subscribe_urls: Vec<String>,
) -> Result<Outcome> {
    let hosts = if subscribe_urls.is_empty() {
        vec![url.clone()]
    } else {
        subscribe_urls
    };
    let mut streams = Vec::with_capacity(p.subscribers);
    for (i, host) in hosts.iter().enumerate() {
        let share = p.subscribers / hosts.len() + usize::from(i < p.subscribers % hosts.len());
        streams.extend(open_streams(&http, host, share).await?);
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let readers: Vec<_> = streams
        .into_iter()
        .map(|s| tokio::spawn(read_events(s, stop_rx.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let pusher = ClientIdentity::fresh();
    let push_url = join(&url, PUSH_PATH);
    let mut out = Outcome::default();
    let (mut sends, mut acks) = (Vec::new(), Vec::new());
    for id in 1..=p.pushes {
        let sent = Instant::now();
        let reply = pusher.post(&http, &push_url, pusher.push_body(id, 1)).await;
        let acked = Instant::now();
        match reply {
            Ok(r) if r.is_ok() => {}
            Ok(r) => out
                .failures
                .push(format!("poke push {id} failed: {}", r.describe())),
            Err(e) => out.failures.push(format!("poke push {id} failed: {e:#}")),
        }
        sends.push(sent);
        acks.push(acked);
        tokio::time::sleep_until((sent + p.interval).into()).await;
    }
    tokio::time::sleep(p.interval.max(Duration::from_secs(1))).await;
    let end = Instant::now();
    let _ = stop_tx.send(true);

    let mut tally = Tally::default();
    for reader in readers {
        let (events, closed) = reader.await?;
        if let Some(why) = closed {
            out.failures.push(why);
        }
        for (k, (&sent, &acked)) in sends.iter().zip(&acks).enumerate() {
            let next = sends.get(k + 1).copied().unwrap_or(end);
            tally.add(&events, sent, acked, next);
        }
    }
    tally.report(&mut out);
    Ok(out)
}

/// Poke figures summed over every (subscriber, push) pair.
#[derive(Default)]
pub struct Tally {
    /// ack→poke, clamped at 0.
    clamped: Samples,
    /// ack→poke, negative when the poke came first.
    signed: Samples,
    /// push send→poke.
    from_send: Samples,
    missed: usize,
    never: usize,
    before_ack: usize,
    extra: usize,
}

impl Tally {
    /// Accounts one subscriber's `events` for the push sent at `sent`, acknowledged at
    /// `acked`, followed by the next push (or the end) at `next`.
    pub fn add(&mut self, events: &[Instant], sent: Instant, acked: Instant, next: Instant) {
        let Some(&first) = events.iter().find(|t| **t >= sent) else {
            self.never += 1;
            self.missed += 1;
            return;
        };
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        self.clamped.push(first.saturating_duration_since(acked));
        self.signed.push_ms(if first >= acked {
            ms(first - acked)
        } else {
            -ms(acked - first)
        });
        self.from_send.push(first.saturating_duration_since(sent));
        self.before_ack += usize::from(first < acked);
        self.missed += usize::from(first >= next);
        let in_window = events.iter().filter(|t| **t >= sent && **t < next).count();
        self.extra += in_window.saturating_sub(1);
    }

    /// (subscriber, push) pairs whose first event came only at or after `next`, or never.
    pub fn missed(&self) -> usize {
        self.missed
    }

    /// Puts the latencies and counts into `out`; a pair that never saw an event fails it.
    pub fn report(&self, out: &mut Outcome) {
        out.put("p50_ms", self.clamped.percentile(50.0));
        out.put("p99_ms", self.clamped.percentile(99.0));
        out.put("signed_p50_ms", self.signed.percentile(50.0));
        out.put("send_to_poke_p50_ms", self.from_send.percentile(50.0));
        out.put("send_to_poke_p99_ms", self.from_send.percentile(99.0));
        out.put("missed", self.missed as f64);
        out.put("never_poked", self.never as f64);
        out.put("before_ack", self.before_ack as f64);
        out.put("extra_events", self.extra as f64);
        if self.never > 0 {
            out.failures.push(format!(
                "{} (subscriber, push) pairs never received an event after the push",
                self.never
            ));
        }
    }
}

/// Records the arrival time of every `data:` line until `stop`; also says why the stream
/// ended early, if it did.
pub async fn read_events(
    stream: Response<Incoming>,
    mut stop: watch::Receiver<bool>,
) -> (Vec<Instant>, Option<String>) {
    let mut body = stream.into_body();
    let (mut events, mut pending) = (Vec::new(), Vec::<u8>::new());
    loop {
        let frame = tokio::select! {
            frame = body.frame() => frame,
            _ = stop.changed() => return (events, None),
        };
        let frame = match frame {
            None => return (events, Some("an SSE stream ended during the run".into())),
            Some(Err(e)) => return (events, Some(format!("an SSE stream failed: {e}"))),
            Some(Ok(frame)) => frame,
        };
        let Some(data) = frame.data_ref() else {
            continue;
        };
        let now = Instant::now();
        pending.extend_from_slice(data);
        while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=pos).collect();
            if line.starts_with(b"data:") {
                events.push(now);
            }
        }
    }
}
