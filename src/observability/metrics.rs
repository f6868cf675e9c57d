//! Prometheus metrics of one process, exposed on `GET /metrics`.

use prometheus::core::Collector;
#[cfg(target_os = "linux")]
use prometheus::process_collector::ProcessCollector;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

/// The process's metrics. Counters are shared atomics: cloning a handle is cheap.
pub struct Metrics {
    registry: Registry,
    /// Request latency by endpoint and status (its `_count` is the request count).
    pub requests: HistogramVec,
    /// Mutations by outcome: `applied`, `skipped` (replays), `errored` (mutator errors).
    pub mutations: IntCounterVec,
    /// Transactions rerun after a transient failure.
    pub transaction_retries: IntCounter,
    /// `data: poke` events written to SSE streams.
    pub pokes_sent: IntCounter,
    sse_streams: IntGauge,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
}

/// Values sampled when metrics are scraped.
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshot {
    /// Open SSE streams.
    pub sse_streams: usize,
    /// Open pooled connections.
    pub pool_connections: u32,
    /// Idle pooled connections.
    pub pool_idle: u32,
}

impl Metrics {
    /// Creates and registers every metric. `transaction_retries` is the database's own
    /// counter, registered here so it is exported with the rest.
    pub fn new(transaction_retries: IntCounter) -> prometheus::Result<Self> {
        let registry = Registry::new();
        let buckets = vec![
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
        ];
        let requests = HistogramVec::new(
            HistogramOpts::new(
                "replichat_http_request_duration_seconds",
                "Time to answer a request (to the start of the body for SSE), by endpoint and status.",
            )
            .buckets(buckets),
            &["endpoint", "status"],
        )?;
        let mutations = IntCounterVec::new(
            Opts::new("replichat_mutations_total", "Pushed mutations by outcome."),
            &["outcome"],
        )?;
        let metrics = Metrics {
            requests,
            mutations,
            transaction_retries,
            pokes_sent: IntCounter::new(
                "replichat_pokes_sent_total",
                "Poke events written to SSE streams.",
            )?,
            sse_streams: IntGauge::new("replichat_sse_streams", "Open poke (SSE) streams.")?,
            pool_connections: IntGauge::new(
                "replichat_db_pool_connections",
                "Open pooled database connections.",
            )?,
            pool_idle: IntGauge::new(
                "replichat_db_pool_idle_connections",
                "Idle pooled database connections.",
            )?,
            registry,
        };
        let collectors: [Box<dyn Collector>; 7] = [
            Box::new(metrics.requests.clone()),
            Box::new(metrics.mutations.clone()),
            Box::new(metrics.transaction_retries.clone()),
            Box::new(metrics.pokes_sent.clone()),
            Box::new(metrics.sse_streams.clone()),
            Box::new(metrics.pool_connections.clone()),
            Box::new(metrics.pool_idle.clone()),
        ];
        for collector in collectors {
            metrics.registry.register(collector)?;
        }
        let build_info = IntGaugeVec::new(
            Opts::new(
                "replichat_build_info",
                "Always 1; the label names this build's version.",
            ),
            &["version"],
        )?;
        build_info.with_label_values(&[crate::VERSION]).set(1);
        metrics.registry.register(Box::new(build_info))?;
        // process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds, ...
        #[cfg(target_os = "linux")]
        metrics
            .registry
            .register(Box::new(ProcessCollector::for_self()))?;
        Ok(metrics)
    }

    /// Counts a push's mutations by outcome: applied, skipped (replays) and errored
    /// (refused by their mutator).
    pub fn record_mutations(&self, applied: usize, skipped: usize, errored: usize) {
        let counts = [
            ("applied", applied),
            ("skipped", skipped),
            ("errored", errored),
        ];
        for (outcome, count) in counts {
            if count > 0 {
                self.mutations
                    .with_label_values(&[outcome])
                    .inc_by(count as u64);
            }
        }
    }

    /// The Prometheus text exposition, after sampling the gauges from `snapshot`.
    pub fn render(&self, snapshot: Snapshot) -> String {
        self.sse_streams.set(snapshot.sse_streams as i64);
        self.pool_connections
            .set(i64::from(snapshot.pool_connections));
        self.pool_idle.set(i64::from(snapshot.pool_idle));
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            rocket::error!("metrics encoding failed: {e}");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
