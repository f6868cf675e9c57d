//! Memory cost of idle SSE connections: the server's RSS before and after opening N streams.

use crate::http::Http;
use crate::poke::{open_streams, read_events};
use crate::runner::Outcome;
use anyhow::{anyhow, Context, Result};
use std::time::Duration;
use tokio::sync::watch;

/// Parameters of the idle-connection measurement.
#[derive(Debug, Clone, Copy)]
pub struct IdleParams {
    /// Streams to open.
    pub connections: usize,
    /// Server process whose RSS is read.
    pub pid: u32,
    /// Seconds to wait before each RSS reading.
    pub settle: Duration,
    /// Largest acceptable RSS growth in MiB.
    pub max_added_mib: f64,
}

/// `VmRSS` of `pid` in MiB.
pub fn rss_mib(pid: u32) -> Result<f64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| anyhow!("no VmRSS in {path}"))?;
    Ok(kib / 1024.0)
}

/// Opens the streams, holds them idle (draining heartbeats), and reports RSS growth.
pub async fn run(http: Http, url: String, p: IdleParams) -> Result<Outcome> {
    tokio::time::sleep(p.settle).await;
    let before = rss_mib(p.pid)?;
    let streams = open_streams(&http, &url, p.connections).await?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let readers: Vec<_> = streams
        .into_iter()
        .map(|s| tokio::spawn(read_events(s, stop_rx.clone())))
        .collect();
    tokio::time::sleep(p.settle).await;
    let open = rss_mib(p.pid)?;
    let _ = stop_tx.send(true);
    let mut out = Outcome::default();
    for reader in readers {
        if let (_, Some(why)) = reader.await? {
            out.failures.push(why);
        }
    }
    let added = open - before;
    out.put("connections", p.connections as f64);
    out.put("rss_before_mib", before);
    out.put("rss_open_mib", open);
    out.put("added_mib", added);
    out.put(
        "per_connection_kib",
        added * 1024.0 / p.connections.max(1) as f64,
    );
    if added >= p.max_added_mib {
        out.failures.push(format!(
            "{} idle SSE connections added {added:.1} MiB RSS (limit {} MiB)",
            p.connections, p.max_added_mib
        ));
    }
    Ok(out)
}
