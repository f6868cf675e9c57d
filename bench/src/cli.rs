//! Command-line interface.

use crate::pull::CookieMode;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Drives a Replicache (protocol v1) server over HTTP as real clients would.
#[derive(Debug, Parser)]
#[command(name = "replichat-bench", version, about)]
pub struct Cli {
    /// Runtime worker threads of the load generator (it shares the machine with the server).
    #[arg(long, global = true, default_value_t = 1)]
    pub threads: usize,
    /// Seconds before one HTTP request counts as failed.
    #[arg(long, global = true, default_value_t = 60.0)]
    pub timeout_secs: f64,
    /// The workload.
    #[command(subcommand)]
    pub command: Command,
}

/// Target and repetition options shared by the measured workloads.
#[derive(Debug, Args)]
pub struct Common {
    /// Base URL of server A, e.g. http://127.0.0.1:18200.
    #[arg(long)]
    pub url: String,
    /// Name of server A in tables.
    #[arg(long, default_value = "A")]
    pub name: String,
    /// Base URL of server B: runs alternate A, B, A, B, ... and ratios B/A are reported.
    #[arg(long)]
    pub compare: Option<String>,
    /// Name of server B in tables.
    #[arg(long, default_value = "B")]
    pub compare_name: String,
    /// Runs per server; medians are over these.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Also write the full report (every run, medians, ratios) to this JSON file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// C clients push batches of B createMessage mutations for T seconds, then verify via pull.
    Push {
        #[command(flatten)]
        common: Common,
        /// Concurrent clients, each in its own client group.
        #[arg(long, default_value_t = 8)]
        clients: usize,
        /// Mutations per push.
        #[arg(long, default_value_t = 1)]
        batch: u64,
        /// Measured seconds per run.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Seconds to keep re-sending unacknowledged pushes after the window.
        #[arg(long, default_value_t = 30.0)]
        drain_seconds: f64,
        /// Concurrent verification pulls.
        #[arg(long, default_value_t = 4)]
        verify_concurrency: usize,
    },
    /// Preload M messages, then C clients pull with a null cookie and/or their last cookie.
    Pull {
        #[command(flatten)]
        common: Common,
        /// Messages the server should hold (topped up with large pushes if it holds fewer).
        #[arg(long, default_value_t = 10_000)]
        messages: u64,
        /// Messages server B should hold (default: --messages); compares data sizes when
        /// A and B are the same server software on two databases.
        #[arg(long)]
        compare_messages: Option<u64>,
        /// Concurrent pulling clients.
        #[arg(long, default_value_t = 8)]
        clients: usize,
        /// Measured seconds per phase and run.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Which cookie the measured pulls carry.
        #[arg(long, value_enum, default_value_t = CookieMode::Both)]
        cookie: CookieMode,
        /// Mutations per preload push.
        #[arg(long, default_value_t = 2_000)]
        preload_batch: u64,
        /// Push a mutation that changes no data (error mode: only the version moves)
        /// every this many milliseconds while the pulls run; 0 = no writes.
        #[arg(long, default_value_t = 0)]
        churn_ms: u64,
        /// Free text recorded in the report, e.g. the servers' pull strategies.
        #[arg(long)]
        strategy_note: Option<String>,
    },
    /// S SSE subscribers; latency from push acknowledgement to poke, and missed pokes.
    Poke {
        #[command(flatten)]
        common: Common,
        /// Open SSE streams.
        #[arg(long, default_value_t = 50)]
        subscribers: usize,
        /// Pushes per run.
        #[arg(long, default_value_t = 50)]
        pushes: u64,
        /// Milliseconds between the starts of two pushes.
        #[arg(long, default_value_t = 100)]
        interval_ms: u64,
        /// Open the streams on these servers instead, spread evenly (repeatable): pushes
        /// still go to the target, so this measures pokes across processes.
        #[arg(long = "subscribe-url")]
        subscribe_urls: Vec<String>,
    },
    /// Opens N idle SSE streams and reports the growth of the server's RSS.
    SseIdle {
        /// Base URL of the server.
        #[arg(long)]
        url: String,
        /// Name of the server in tables.
        #[arg(long, default_value = "A")]
        name: String,
        /// Server process id (its /proc/PID/status is read).
        #[arg(long)]
        server_pid: u32,
        /// Streams to open.
        #[arg(long, default_value_t = 1_000)]
        connections: usize,
        /// Seconds to let the server settle before each RSS reading.
        #[arg(long, default_value_t = 3.0)]
        settle_secs: f64,
        /// Fail if the RSS grows by this many MiB or more.
        #[arg(long, default_value_t = 50.0)]
        max_added_mib: f64,
        /// Also write the report to this JSON file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Prints one table from several --json reports.
    Table {
        /// Report files.
        files: Vec<PathBuf>,
    },
}
