//! One attempt at a batch inside the write transaction: for each push, its ownership
//! checks and the lastMutationID rules, mutation by mutation (docs/protocol.md §7).
//!
//! Per client, mutation ids must be consecutive: an id at or below the client's
//! lastMutationID is a replay and is skipped; the next id is applied (or, when its
//! mutator refuses it, only consumed: error mode, with an error entry for the client's
//! view); an id beyond the next one means the server lost the client's state, so the
//! push stops there and answers `ClientStateNotFound` (what came before stays committed).

use super::audience::BatchAudience;
use super::failure::PushFailure;
use super::inserts::{PendingInserts, WriteMode};
use super::registry::Registry;
use super::rejections::Rejections;
use super::{PendingMutation, PushAnswer, PushJob, PushOutcome, PushReport};
use crate::db::{DbConn, DbError, Finish};
use crate::domain::{ClientId, MutationId, Version};
use crate::dto::ProtocolError;
use crate::poke::PokeTargets;
use crate::repository::ServerRepo;
use crate::service::access::{check_access, GroupRefusal};
use crate::service::mutators::{Effect, MutationContext, MutatorError, RoomBook};
use chrono::{NaiveDateTime, Utc};
use std::collections::{HashMap, HashSet};

/// The reason an error entry gives for a mutation the database refused even though its
/// arguments were checked (the details go to the log only).
const DATABASE_REFUSED: &str = "the server could not store this change";

/// What the redo policy changed for this attempt.
#[derive(Debug, Default)]
pub(super) struct BatchPlan {
    /// (push, mutation) pairs to run in error mode after a database failure.
    pub(super) error_mode: HashSet<(usize, usize)>,
    /// How new messages are written.
    pub(super) writes: WriteMode,
}

/// What a committed batch answers and whom it pokes.
pub(super) struct BatchOutcome {
    /// One answer per push, in order.
    pub(super) answers: Vec<PushAnswer>,
    /// The streams whose views the batch changed.
    pub(super) targets: PokeTargets,
}

/// Everything a batch gathers while its pushes run.
struct BatchState<'a> {
    registry: Registry,
    book: RoomBook,
    inserts: PendingInserts<'a>,
    rejections: Rejections<'a>,
    audience: BatchAudience,
    reports: Vec<PushReport>,
}

/// Applies every job under one new version. A push refused for its group or clients
/// (403, tombstone) gets its own answer and writes nothing; the others go on. Commits
/// only when some push changed something.
pub(super) fn apply_all(
    conn: &mut DbConn,
    jobs: &[&PushJob],
    plan: &BatchPlan,
) -> Result<(BatchOutcome, Finish), PushFailure> {
    // The first write after the lock: every row this batch writes carries this version.
    // When nothing changes the transaction is rolled back, version included.
    let version = ServerRepo::bump_version(conn)?;
    let now = Utc::now().naive_utc();
    let mutators = jobs.iter().flat_map(|job| {
        let user = &job.caller.user_id;
        job.mutations
            .iter()
            .filter_map(move |m| m.mutator.as_ref().ok().map(|mutator| (mutator, user)))
    });
    let mut state = BatchState {
        registry: Registry::load(conn, jobs)?,
        book: RoomBook::load(conn, mutators)?,
        inserts: PendingInserts::new(plan.writes),
        rejections: Rejections::default(),
        audience: BatchAudience::default(),
        reports: vec![PushReport::default(); jobs.len()],
    };
    let mut ends = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        let run = PushRun {
            index,
            job,
            version,
            now,
            plan,
        };
        ends.push(run.apply(conn, &mut state)?);
    }
    state.inserts.flush(conn, &mut state.reports)?;
    state.rejections.save(conn, version, now)?;
    if state.book.wrote_rooms() {
        ServerRepo::mark_access_change(conn, version)?;
    }
    let changed = state.registry.save(conn, version, now)?;
    let targets = if changed {
        state.audience.resolve(conn, &state.book)?
    } else {
        PokeTargets::nobody()
    };
    let answers = state
        .reports
        .into_iter()
        .zip(ends)
        .map(|(report, end)| end.answer(report, version))
        .collect();
    let finish = if changed {
        Finish::Commit
    } else {
        Finish::Rollback
    };
    Ok((BatchOutcome { answers, targets }, finish))
}

/// How one push of the batch ended.
enum PushEnd {
    /// Refused for its group or one of its clients: nothing of it is written.
    Refused(GroupRefusal),
    /// Processed up to its end or up to a gap.
    Done {
        /// It advanced some client's lastMutationID.
        changed: bool,
        /// It stopped at a mutation id beyond the next expected one.
        gap: bool,
    },
}

impl PushEnd {
    fn answer(self, mut report: PushReport, version: Version) -> PushAnswer {
        match self {
            PushEnd::Refused(refusal) => refusal
                .into_answer()
                .map(|refusal| PushOutcome::Refused(refusal, PushReport::default())),
            PushEnd::Done { changed, gap } => {
                if changed {
                    report.committed_version = Some(version);
                }
                Ok(if gap {
                    PushOutcome::Refused(ProtocolError::ClientStateNotFound, report)
                } else {
                    PushOutcome::Accepted(report)
                })
            }
        }
    }
}

/// One push being applied.
struct PushRun<'a> {
    /// Its position in the batch.
    index: usize,
    job: &'a PushJob,
    version: Version,
    now: NaiveDateTime,
    plan: &'a BatchPlan,
}

impl<'a> PushRun<'a> {
    /// Applies the push's mutations in order, counting them in its report.
    fn apply(&self, conn: &mut DbConn, state: &mut BatchState<'a>) -> Result<PushEnd, PushFailure> {
        if let Err(refusal) = self.check_ownership(&state.registry) {
            return Ok(PushEnd::Refused(refusal));
        }
        let mut last_ids: HashMap<&ClientId, MutationId> = HashMap::new();
        for (index, mutation) in self.job.mutations.iter().enumerate() {
            let client_id = &mutation.client_id;
            let last = *last_ids
                .entry(client_id)
                .or_insert_with(|| state.registry.last_mutation_id(client_id));
            let expected = last.next();
            if mutation.id < expected {
                state.reports[self.index].skipped += 1;
                continue;
            }
            if mutation.id > expected {
                log::info!(
                    client = client_id.as_str(),
                    mutation_id = mutation.id.get(),
                    expected = expected.get();
                    "client {:?} sent mutation {} but the server expects {expected}",
                    client_id.as_str(),
                    mutation.id
                );
                return Ok(self.finish(state, last_ids, true));
            }
            self.apply_one(conn, mutation, index, state)?;
            last_ids.insert(client_id, mutation.id);
        }
        Ok(self.finish(state, last_ids, false))
    }

    /// The group must be the caller's and every client must belong to it.
    fn check_ownership(&self, registry: &Registry) -> Result<(), GroupRefusal> {
        let group_id = &self.job.group_id;
        check_access(registry.group(group_id), &self.job.caller, group_id)?;
        for mutation in &self.job.mutations {
            registry.check_membership(&mutation.client_id, group_id)?;
        }
        Ok(())
    }

    /// Runs the mutator of the mutation expected next (or only consumes its id when it
    /// is in error mode or refused).
    fn apply_one(
        &self,
        conn: &mut DbConn,
        mutation: &'a PendingMutation,
        index: usize,
        state: &mut BatchState<'a>,
    ) -> Result<(), PushFailure> {
        if self.plan.error_mode.contains(&(self.index, index)) {
            self.reject(mutation, DATABASE_REFUSED.to_string(), state);
            return Ok(());
        }
        let mutator = match &mutation.mutator {
            Ok(mutator) => mutator,
            Err(rejection) => {
                self.reject(mutation, rejection.to_string(), state);
                return Ok(());
            }
        };
        if mutator.reads_existing_rows() {
            // It may read a row created earlier in the batch.
            state.inserts.flush(conn, &mut state.reports)?;
        }
        let ctx = MutationContext {
            user: &self.job.caller.user_id,
            version: self.version,
            now: self.now,
        };
        match mutator.apply(conn, &mut state.book, &ctx) {
            Ok(applied) => {
                state.audience.add(applied.audience);
                match applied.effect {
                    Effect::Insert(row) => {
                        let origin = (self.index, index);
                        state.inserts.add(conn, row, origin, &mut state.reports)?;
                    }
                    Effect::Written => state.reports[self.index].applied += 1,
                }
                Ok(())
            }
            Err(MutatorError::Rejected(rejection)) => {
                self.reject(mutation, rejection.to_string(), state);
                Ok(())
            }
            Err(MutatorError::Database(e)) => Err(PushFailure::of_mutation(
                DbError::Query(e),
                self.index,
                index,
            )),
        }
    }

    /// Consumes the mutation's id without its effect, and records why for its client.
    fn reject(&self, mutation: &'a PendingMutation, reason: String, state: &mut BatchState<'a>) {
        let (client, name) = (mutation.client_id.as_str(), mutation.name.as_str());
        log::warn!(
            group = self.job.group_id.as_str(),
            client = client,
            mutation_id = mutation.id.get(),
            mutator = name,
            reason = reason.as_str();
            "mutation {} ({name:?}) of client {client:?} rejected: {reason}",
            mutation.id
        );
        state.reports[self.index].errored += 1;
        let job: &'a PushJob = self.job;
        let group = &job.group_id;
        let (client, id, name) = (&mutation.client_id, mutation.id, mutation.name.as_str());
        state.rejections.add(client, id, group, name, reason);
    }

    /// Records the push's new lastMutationIDs (and its group) in the registry, and its
    /// pusher among the streams to poke.
    fn finish(
        &self,
        state: &mut BatchState<'a>,
        last_ids: HashMap<&ClientId, MutationId>,
        gap: bool,
    ) -> PushEnd {
        let group_id = &self.job.group_id;
        let mut changed = false;
        for (client, last) in last_ids {
            if last > state.registry.last_mutation_id(client) {
                state.registry.advance(client, group_id, last);
                changed = true;
            }
        }
        if changed {
            let user = &self.job.caller.user_id;
            state.registry.touch_group(group_id, user);
            state.audience.add_user(user);
        }
        PushEnd::Done { changed, gap }
    }
}
