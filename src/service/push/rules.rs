//! One attempt at a batch inside the write transaction: for each push, its ownership
//! checks and the lastMutationID rules, mutation by mutation (docs/protocol.md §7).
//!
//! Per client, mutation ids must be consecutive: an id at or below the client's
//! lastMutationID is a replay and is skipped; the next id is applied (or, when its
//! mutator refuses it, only consumed: error mode); an id beyond the next one means the
//! server lost the client's state, so the push stops there and answers
//! `ClientStateNotFound` (what came before stays committed).

use super::failure::PushFailure;
use super::inserts::{PendingInserts, WriteMode};
use super::registry::Registry;
use super::{PendingMutation, PushAnswer, PushJob, PushOutcome, PushReport};
use crate::db::{DbConn, DbError, Finish};
use crate::domain::{ClientId, MutationId, Version};
use crate::dto::ProtocolError;
use crate::repository::ServerRepo;
use crate::service::access::{check_access, GroupRefusal};
use crate::service::mutators::{Effect, MutatorError};
use chrono::{NaiveDateTime, Utc};
use std::collections::{HashMap, HashSet};

/// What the redo policy changed for this attempt.
#[derive(Debug, Default)]
pub(super) struct BatchPlan {
    /// (push, mutation) pairs to run in error mode after a database failure.
    pub(super) error_mode: HashSet<(usize, usize)>,
    /// How new messages are written.
    pub(super) writes: WriteMode,
}

/// Applies every job under one new version. A push refused for its group or clients
/// (403, tombstone) gets its own answer and writes nothing; the others go on. Commits
/// only when some push changed something.
pub(super) fn apply_all(
    conn: &mut DbConn,
    jobs: &[&PushJob],
    plan: &BatchPlan,
) -> Result<(Vec<PushAnswer>, Finish), PushFailure> {
    // The first write after the lock: every row this batch writes carries this version.
    // When nothing changes the transaction is rolled back, version included.
    let version = ServerRepo::bump_version(conn)?;
    let now = Utc::now().naive_utc();
    let mut registry = Registry::load(conn, jobs)?;
    let mut inserts = PendingInserts::new(plan.writes);
    let mut reports = vec![PushReport::default(); jobs.len()];
    let mut ends = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        let run = PushRun {
            index,
            job,
            version,
            now,
            plan,
        };
        ends.push(run.apply(conn, &mut registry, &mut inserts, &mut reports)?);
    }
    inserts.flush(conn, &mut reports)?;
    let changed = registry.save(conn, version, now)?;
    let answers = reports
        .into_iter()
        .zip(ends)
        .map(|(report, end)| end.answer(report, version))
        .collect();
    let finish = if changed {
        Finish::Commit
    } else {
        Finish::Rollback
    };
    Ok((answers, finish))
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
    /// Applies the push's mutations in order, counting them in `reports[self.index]`.
    fn apply(
        &self,
        conn: &mut DbConn,
        registry: &mut Registry,
        inserts: &mut PendingInserts<'a>,
        reports: &mut [PushReport],
    ) -> Result<PushEnd, PushFailure> {
        if let Err(refusal) = self.check_ownership(registry) {
            return Ok(PushEnd::Refused(refusal));
        }
        let mut last_ids: HashMap<&ClientId, MutationId> = HashMap::new();
        for (index, mutation) in self.job.mutations.iter().enumerate() {
            let client_id = &mutation.client_id;
            let last = *last_ids
                .entry(client_id)
                .or_insert_with(|| registry.last_mutation_id(client_id));
            let expected = last.next();
            if mutation.id < expected {
                reports[self.index].skipped += 1;
                continue;
            }
            if mutation.id > expected {
                rocket::info!(
                    "push: client {client_id} sent mutation {} but the server expects {expected}",
                    mutation.id
                );
                return Ok(self.finish(registry, last_ids, true));
            }
            self.apply_one(conn, mutation, index, inserts, reports)?;
            last_ids.insert(client_id, mutation.id);
        }
        Ok(self.finish(registry, last_ids, false))
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
        inserts: &mut PendingInserts<'a>,
        reports: &mut [PushReport],
    ) -> Result<(), PushFailure> {
        let report = &mut reports[self.index];
        if self.plan.error_mode.contains(&(self.index, index)) {
            report.errored += 1;
            return Ok(());
        }
        let mutator = match &mutation.mutator {
            Ok(mutator) => mutator,
            Err(rejection) => {
                log_rejection(mutation, rejection);
                report.errored += 1;
                return Ok(());
            }
        };
        if mutator.reads_existing_rows() {
            // It may read a row created earlier in the batch.
            inserts.flush(conn, reports)?;
        }
        match mutator.apply(conn, self.version, self.now) {
            Ok(Effect::Insert(row)) => inserts.add(conn, row, (self.index, index), reports),
            Ok(Effect::Written) => {
                reports[self.index].applied += 1;
                Ok(())
            }
            Err(MutatorError::Rejected(rejection)) => {
                log_rejection(mutation, &rejection);
                reports[self.index].errored += 1;
                Ok(())
            }
            Err(MutatorError::Database(e)) => Err(PushFailure::of_mutation(
                DbError::Query(e),
                self.index,
                index,
            )),
        }
    }

    /// Records the push's new lastMutationIDs (and its group) in the registry.
    fn finish(
        &self,
        registry: &mut Registry,
        last_ids: HashMap<&ClientId, MutationId>,
        gap: bool,
    ) -> PushEnd {
        let group_id = &self.job.group_id;
        let mut changed = false;
        for (client, last) in last_ids {
            if last > registry.last_mutation_id(client) {
                registry.advance(client, group_id, last);
                changed = true;
            }
        }
        if changed {
            registry.touch_group(group_id, &self.job.caller.user_id);
        }
        PushEnd::Done { changed, gap }
    }
}

fn log_rejection(mutation: &PendingMutation, rejection: &impl std::fmt::Display) {
    rocket::info!(
        "push: mutation {} ({}) of client {} rejected: {rejection}",
        mutation.id,
        mutation.name,
        mutation.client_id
    );
}
