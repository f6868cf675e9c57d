//! `rooms-pull`: pulls of the measured user of a [`Shape`] (user 0, a member of K private
//! rooms who also reads every public room) from C client groups of that user. Every group
//! of one user has the same view, so all C answers can be checked exactly. Each phase has
//! C fresh groups; those of `current` and `one-new` first take their view with a null pull
//! (untimed, checked against the shape). Then, for `--seconds`:
//! - `current`: each group pulls in a closed loop with the cookie of its last answer; with
//!   nothing written meanwhile every answer must be "nothing changed" (same cookie, empty
//!   patch, no lastMutationID changes).
//! - `one-new`: lock-step rounds. A group (in turn) pushes one `createMessage` into one of
//!   the user's private rooms (untimed; public rooms when the user has none), then all C
//!   groups pull from their previous cookie at once (timed). Each answer must hold exactly
//!   that message's `put`, and lastMutationID changes exactly for the pushing group's
//!   client. Throughput is pulls per second of pulling (the pushes excluded). After the
//!   phase the new messages are deleted again (untimed), so the live data stays the
//!   shape's; their tombstones stay.
//! - `reset`: each group pulls in a closed loop with a null cookie (a full view under
//!   either pull strategy). The first and last answer of each group are checked against
//!   the shape, and without `--churn-ms` every answer must be as long as the first.
//!
//! With a database URL, the server's reads of table `message` (and of every table) are
//! counted around each measured window through [`RowCounter`] (each reading waits for the
//! server's statistics, over 10 s); in `one-new` they include the round's one push per C
//! pulls. The groups' views are taken before the first phase, so that one reading can end a
//! phase and start the next one when nothing was written in between.

mod answers;
mod log;
mod loops;
mod one_new;

use super::expect::Expected;
use super::pgstats::{RowCounter, RowCounts};
use super::shape::{Shape, MEASURED};
use crate::auth::Minter;
use crate::http::{join, Http};
use crate::proto::{ClientIdentity, PULL_PATH, PUSH_PATH};
use crate::runner::Outcome;
use crate::verify::pull_full;
use anyhow::{bail, Result};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Problems kept per phase before a phase stops early.
const MAX_PROBLEMS: usize = 20;

/// A measured phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Phase {
    /// Pulls with the current cookie: nothing changed.
    Current,
    /// One new message before each round of pulls from the previous cookie.
    OneNew,
    /// Pulls with a null cookie: the full view.
    Reset,
}

impl Phase {
    /// The phase as the command line names it.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Current => "current",
            Phase::OneNew => "one-new",
            Phase::Reset => "reset",
        }
    }

    /// Prefix of the phase's metrics.
    fn name(self) -> &'static str {
        match self {
            Phase::Current => "current",
            Phase::OneNew => "one_new",
            Phase::Reset => "reset",
        }
    }
}

/// Parameters shared by every run.
#[derive(Clone)]
pub struct Params {
    /// Client groups of the measured user pulling at once.
    pub clients: usize,
    /// Measured seconds per phase.
    pub seconds: f64,
    /// Phases in order.
    pub phases: Vec<Phase>,
    /// `reset` only: another user pushes a no-op this often (0: never), so the version
    /// moves and server-side caches of the full view keep going stale.
    pub churn_ms: u64,
    /// Signs the measured user's (and the churning user's) tokens.
    pub minter: Minter,
}

/// One server under test: its data set and, when given, its statistics.
pub struct Subject {
    /// The shape its database holds.
    pub shape: Shape,
    /// What the measured user sees in it.
    pub expected: Arc<Expected>,
    /// Reads the server database's counters.
    pub counter: Option<RowCounter>,
}

/// A run against one server.
struct Run<'a> {
    http: Http,
    pull_url: String,
    push_url: String,
    p: &'a Params,
    subject: &'a Subject,
}

/// Runs every phase of `p` against `url`, which holds `subject.shape`.
pub async fn run(http: Http, url: String, p: &Params, subject: &Subject) -> Result<Outcome> {
    let run = Run {
        http,
        pull_url: join(&url, PULL_PATH),
        push_url: join(&url, PUSH_PATH),
        p,
        subject,
    };
    let mut out = Outcome::default();
    out.put("visible_messages", subject.expected.messages.len() as f64);
    // Groups and their starting cookies come first, so that one settled reading of the
    // counters can end a phase and start the next while nothing is written in between.
    let mut prepared = Vec::with_capacity(p.phases.len());
    for &phase in &p.phases {
        prepared.push(run.prepare(phase, &mut out).await?);
    }
    let (mut reading, mut wrote) = (None, false);
    for (&phase, groups) in p.phases.iter().zip(prepared) {
        // Cookies taken before an earlier phase wrote are no longer current.
        let groups = if wrote && groups.cookies.is_some() {
            reading = None;
            run.prepare(phase, &mut out).await?
        } else {
            groups
        };
        let end = run.phase(phase, groups, reading, &mut out).await?;
        wrote |= end.wrote;
        reading = end.reading;
    }
    // Whatever the phases wrote is gone again: the view is still exactly the shape's.
    let view = pull_full(&run.http, &run.pull_url, &run.measured()?).await?;
    out.failures.extend(
        subject
            .expected
            .differences(&view)
            .into_iter()
            .map(|p| format!("after the run: {p}")),
    );
    Ok(out)
}

/// The client groups of one phase.
struct Groups {
    ids: Vec<ClientIdentity>,
    /// The cookies of their checked null pulls; `None` for `reset`, which pulls with a
    /// null cookie anyway.
    cookies: Option<Vec<Value>>,
}

/// How a phase left the server.
struct PhaseEnd {
    /// Whether it wrote (cookies taken before it are stale).
    wrote: bool,
    /// A settled reading of the counters with nothing requested since, if any.
    reading: Option<RowCounts>,
}

impl Run<'_> {
    /// A fresh group of the measured user.
    fn measured(&self) -> Result<ClientIdentity> {
        self.p
            .minter
            .identity(&self.subject.shape.user_id(MEASURED))
    }

    /// C fresh groups for `phase`, with their views in place when it needs cookies.
    async fn prepare(&self, phase: Phase, out: &mut Outcome) -> Result<Groups> {
        let ids = (0..self.p.clients.max(1))
            .map(|_| self.measured())
            .collect::<Result<Vec<_>>>()?;
        let cookies = match phase {
            Phase::Reset => None,
            _ => Some(self.full_views(&ids, out).await?),
        };
        Ok(Groups { ids, cookies })
    }

    /// Measures `phase` with `groups`; `reading`: a settled reading of the counters with
    /// nothing requested since, if there is one.
    async fn phase(
        &self,
        phase: Phase,
        groups: Groups,
        reading: Option<RowCounts>,
        out: &mut Outcome,
    ) -> Result<PhaseEnd> {
        let before = match (&self.subject.counter, reading) {
            (Some(_), Some(reading)) => Some(reading),
            (Some(counter), None) => Some(counter.settled().await?),
            (None, _) => None,
        };
        let deadline = Instant::now() + Duration::from_secs_f64(self.p.seconds);
        let Groups { ids, cookies } = groups;
        let (log, written) = match (phase, cookies) {
            (Phase::Current, Some(cookies)) => {
                (self.current(&ids, cookies, deadline).await?, Vec::new())
            }
            (Phase::OneNew, Some(cookies)) => self.one_new(&ids, cookies, deadline).await?,
            (Phase::Reset, _) => (self.reset(&ids, deadline).await?, Vec::new()),
            (phase, None) => bail!("phase {phase:?} started without cookies"),
        };
        let after = match &self.subject.counter {
            Some(counter) => Some(counter.settled().await?),
            None => None,
        };
        let rows = before.zip(after).map(|(before, after)| after.since(before));
        let churned = self.p.churn_ms > 0 && phase == Phase::Reset;
        let wrote = churned || written.iter().any(|w| !w.is_empty());
        self.delete_written(&ids, written).await?;
        log.report(phase.name(), rows, out);
        Ok(PhaseEnd {
            wrote,
            reading: if wrote { None } else { after },
        })
    }

    /// A checked null pull per group; their cookies.
    async fn full_views(&self, ids: &[ClientIdentity], out: &mut Outcome) -> Result<Vec<Value>> {
        let tasks: Vec<_> = ids
            .iter()
            .map(|id| {
                let (http, url, id) = (self.http.clone(), self.pull_url.clone(), id.clone());
                tokio::spawn(async move { pull_full(&http, &url, &id).await })
            })
            .collect();
        let mut cookies = Vec::with_capacity(tasks.len());
        for task in tasks {
            let view = task.await??;
            let problems = self.subject.expected.differences(&view);
            out.failures.extend(
                problems
                    .into_iter()
                    .map(|p| format!("full view of the measured user: {p}")),
            );
            cookies.push(view.cookie);
        }
        Ok(cookies)
    }
}
