//! What a phase measured, merged over its clients and reported as metrics.

use crate::http::Reply;
use crate::rooms::pgstats::RowCounts;
use crate::runner::Outcome;
use crate::stats::Samples;
use anyhow::Result;
use std::time::Instant;

/// What one phase measured.
#[derive(Default)]
pub(super) struct PhaseLog {
    pub(super) latencies: Samples,
    pub(super) bytes: u64,
    /// Seconds the throughput is computed over.
    pub(super) seconds: f64,
    /// No-op pushes acknowledged meanwhile (`--churn-ms`).
    pub(super) churn_pushes: Option<u64>,
    pub(super) problems: Vec<String>,
}

impl PhaseLog {
    /// Counts one answered pull.
    pub(super) fn add(&mut self, reply: &Reply) {
        self.latencies.push(reply.elapsed);
        self.bytes += reply.body.len() as u64;
    }

    /// Puts the phase's figures, under `name`, into `out`.
    pub(super) fn report(self, name: &str, rows: Option<RowCounts>, out: &mut Outcome) {
        let pulls = self.latencies.len();
        out.put(format!("{name}_pulls_per_s"), pulls as f64 / self.seconds);
        for p in [50.0, 90.0, 99.0] {
            out.put(format!("{name}_p{p}_ms"), self.latencies.percentile(p));
        }
        if let Some(pushes) = self.churn_pushes {
            out.put(
                format!("{name}_churn_pushes_per_s"),
                pushes as f64 / self.seconds,
            );
        }
        let per_pull = |n: i64| n as f64 / pulls.max(1) as f64;
        out.put(format!("{name}_bytes"), per_pull(self.bytes as i64));
        if let Some(rows) = rows {
            out.put(
                format!("{name}_msg_rows_per_pull"),
                per_pull(rows.message_rows),
            );
            out.put(
                format!("{name}_msg_idx_per_pull"),
                per_pull(rows.message_index_entries),
            );
            out.put(format!("{name}_rows_per_pull"), per_pull(rows.all_rows));
        }
        if pulls == 0 {
            out.failures.push(format!("{name}: no pull completed"));
        }
        out.failures
            .extend(self.problems.into_iter().map(|p| format!("{name}: {p}")));
    }
}

/// Joins closed-loop clients; throughput over the time until the last one finished.
pub(super) async fn gather(
    tasks: Vec<tokio::task::JoinHandle<Result<PhaseLog>>>,
    started: Instant,
    seconds: f64,
) -> Result<PhaseLog> {
    let mut logs = Vec::with_capacity(tasks.len());
    for task in tasks {
        logs.push(task.await??);
    }
    Ok(merge(logs, started, seconds))
}

/// The logs of every client as one; `seconds` is at least the phase's length.
pub(super) fn merge(logs: Vec<PhaseLog>, started: Instant, seconds: f64) -> PhaseLog {
    let mut all = PhaseLog {
        seconds: started.elapsed().as_secs_f64().max(seconds),
        ..PhaseLog::default()
    };
    for log in logs {
        all.latencies.extend(log.latencies);
        all.bytes += log.bytes;
        all.problems.extend(log.problems);
    }
    all
}
