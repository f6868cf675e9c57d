//! Command-line interface.

use crate::pull::CookieMode;
use crate::rooms::pull::Phase;
use crate::rooms::shape::Shape;
use crate::runner::Target;
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
    /// HS256 secret of servers run with ROCKET_AUTH=jwt (their ROCKET_JWT_SECRET): every
    /// simulated user then sends a token of its own. Required by the rooms workloads.
    #[arg(long, global = true)]
    pub jwt_secret: Option<String>,
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

impl Common {
    /// A, and B when `--compare` is given.
    pub fn targets(&self) -> Vec<Target> {
        let mut targets = vec![Target {
            name: self.name.clone(),
            url: self.url.clone(),
        }];
        if let Some(url) = &self.compare {
            targets.push(Target {
                name: self.compare_name.clone(),
                url: url.clone(),
            });
        }
        targets
    }
}

/// Options of `rooms-pull`.
#[derive(Debug, Args)]
pub struct RoomsPullArgs {
    /// Target and repetition options.
    #[command(flatten)]
    pub common: Common,
    /// Data set of server A, seeded first when it holds less (see `rooms-seed --help`).
    #[arg(long, default_value = "big")]
    pub shape: Shape,
    /// Data set of server B (default: --shape). A=big, B=small compares database sizes
    /// for `current` and `one-new`; A=big, B=mine compares `reset` pulls of the same view.
    #[arg(long)]
    pub compare_shape: Option<Shape>,
    /// Client groups of the measured user pulling at once.
    #[arg(long, default_value_t = 8)]
    pub clients: usize,
    /// Measured seconds per phase and run.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Phases, in order: `current` (current cookie), `one-new` (one new message before
    /// each round of pulls), `reset` (null cookie).
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["current", "one-new", "reset"])]
    pub phases: Vec<Phase>,
    /// `reset` only: another user pushes a no-op every this many milliseconds (0: never).
    #[arg(long, default_value_t = 0)]
    pub churn_ms: u64,
    /// PostgreSQL URL of server A's database: report the rows the server read per pull
    /// (from pg_stat_user_tables).
    #[arg(long)]
    pub database_url: Option<String>,
    /// The same for server B.
    #[arg(long)]
    pub compare_database_url: Option<String>,
    /// Mutations per seeding push.
    #[arg(long, default_value_t = 2_000)]
    pub seed_batch: usize,
    /// Free text recorded in the report, e.g. the servers' pull strategies.
    #[arg(long)]
    pub strategy_note: Option<String>,
}

/// Options of `rooms-poke`.
#[derive(Debug, Args)]
pub struct RoomsPokeArgs {
    /// Target and repetition options.
    #[command(flatten)]
    pub common: Common,
    /// Streams, one per user; user i is a member of room i mod P.
    #[arg(long, default_value_t = 1_000)]
    pub streams: usize,
    /// Private rooms.
    #[arg(long, default_value_t = 100)]
    pub rooms: usize,
    /// Pushes per run, room by room in turn.
    #[arg(long, default_value_t = 50)]
    pub pushes: u64,
    /// Milliseconds between the starts of two pushes.
    #[arg(long, default_value_t = 100)]
    pub interval_ms: u64,
    /// Milliseconds after a push within which its pokes must arrive.
    #[arg(long, default_value_t = 1_000)]
    pub window_ms: u64,
    /// Open the streams on these servers instead, spread evenly (repeatable): pushes
    /// still go to the target, so this measures pokes across processes.
    #[arg(long = "subscribe-url")]
    pub subscribe_urls: Vec<String>,
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
        /// Public rooms the messages go to, created for each run by a setup user; message n
        /// of client c names room (n + c) mod N. 0: no rooms (no roomID). A server from
        /// before rooms runs it too: it refuses createRoom and ignores roomID.
        #[arg(long, default_value_t = 0)]
        rooms: usize,
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
    /// Seeds a server with a rooms data set; seeding again resumes or does nothing.
    ///
    /// Shapes: `big` (1,000 rooms of which 10 % public, 100,000 messages spread evenly,
    /// 1,000 users each a member of 5 private rooms), `small` (1 private room, 1,000
    /// messages, the measured user its only member) and `mine` (of `big` only the rooms
    /// the measured user, user 0, can read: the 100 public rooms and their 5 private
    /// rooms, with the same members and messages). Override any number with
    /// `rooms=`, `public=` (percent), `messages=`, `users=`, `per-user=`, comma-separated,
    /// and add `mine` to any shape: `rooms=50,messages=2000,users=50,mine`.
    ///
    /// `mine` makes the `reset` comparison fair: the measured user's full view is the same,
    /// entry for entry, in `big` and `mine`, so B/A is the cost of the rooms they cannot
    /// read. One seeding user creates and owns every room and posts every message, from one
    /// client of fixed id; a database must hold nothing but its one shape.
    RoomsSeed {
        /// Base URL of the server (run with ROCKET_AUTH=jwt).
        #[arg(long)]
        url: String,
        /// The data set.
        #[arg(long, default_value = "big")]
        shape: Shape,
        /// Mutations per push.
        #[arg(long, default_value_t = 2_000)]
        batch: usize,
    },
    /// Pulls of one user of a rooms data set: current cookie, one new message, null cookie.
    ///
    /// The measured user (user 0 of the shape: a member of K private rooms, a reader of
    /// every public room) pulls from C client groups of their own; all groups of one user
    /// see the same view, so every answer is checked exactly. Each server is seeded first
    /// (see `rooms-seed --help` for the shapes). Phases:
    ///
    /// `current`: closed-loop pulls with the current cookie; every answer must say nothing
    /// changed. `one-new`: rounds of one untimed push of a message into one of the user's
    /// private rooms, then one timed pull of every group from its previous cookie; each
    /// answer must hold exactly that message (and the pusher's lastMutationID); the
    /// messages are deleted after the phase. `reset`: closed-loop null-cookie pulls (a full
    /// view under either pull strategy); first and last answers are checked against the
    /// shape.
    ///
    /// Fair comparisons: `--shape big --compare-shape small` for `current` and `one-new`
    /// (what the size of the database costs); `--shape big --compare-shape mine` for
    /// `reset`, where the user's view is the same entry for entry on both servers, so B/A
    /// is only the cost of the rooms the user cannot read. With `--database-url`, rows the
    /// server read (pg_stat_user_tables; each reading waits > 10 s for PostgreSQL 15's
    /// delayed statistics) are reported per pull.
    RoomsPull(RoomsPullArgs),
    /// A user joins a private room of M messages; their next pull is timed and checked.
    RoomsJoin {
        #[command(flatten)]
        common: Common,
        /// Messages in the room.
        #[arg(long, default_value_t = 10_000)]
        messages: u64,
        /// Mutations per setup push.
        #[arg(long, default_value_t = 2_000)]
        batch: usize,
    },
    /// Targeted pokes: S users' streams over P private rooms; each push must poke exactly
    /// the streams of its room's members.
    RoomsPoke(RoomsPokeArgs),
    /// Prints one table from several --json reports.
    Table {
        /// Report files.
        files: Vec<PathBuf>,
    },
}
