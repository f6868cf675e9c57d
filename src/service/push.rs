//! Push: applies mutations under the lastMutationID rules (spec §6).
//!
//! Pushes arriving together are combined (see [`super::combiner`]) and run in one write
//! transaction that holds the global lock from its first statement: one version bump
//! and one commit for the whole batch, each push checked and applied in arrival order.
//! A mutator's permanent refusal only consumes its id (error mode). A database error
//! that is not transient rolls the whole transaction back, and the batch runs again
//! with that mutation in error mode, so no failed statement can leave a write behind.
//! Transient failures rerun the transaction without changing anything.

use super::failure::{check_group, Failure};
use super::push_apply::{apply_all, WriteMode};
use super::Services;
use crate::auth::Caller;
use crate::db::TxMode;
use crate::dto::{ProtocolError, PushRequest, VersionType};
use crate::error::ApiError;
use std::collections::HashSet;

/// Pushes run together at most.
pub(super) const MAX_PUSHES_PER_TRANSACTION: usize = 64;

/// What a push did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Mutations whose mutator ran and committed.
    pub applied: usize,
    /// Mutations already applied earlier (replays), left untouched.
    pub skipped: usize,
    /// Mutations refused by their mutator; only their id was consumed.
    pub errored: usize,
    /// Version the push committed, when it changed anything.
    pub committed_version: Option<i64>,
}

/// The answer to a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// Processed; `{}` is answered.
    Accepted(PushReport),
    /// Refused with a Replicache error body. Mutations before a gap may still have
    /// been committed, which the report says.
    Refused(ProtocolError, PushReport),
}

/// One push waiting to be applied.
#[derive(Debug)]
pub struct PushJob {
    /// Who pushes.
    pub caller: Caller,
    /// What.
    pub request: PushRequest,
}

/// The answer to one push of a batch.
pub type PushAnswer = Result<PushOutcome, ApiError>;

impl Services {
    /// Applies `request` for `caller`.
    pub fn push(&self, caller: Caller, request: PushRequest) -> PushAnswer {
        if !self.config.accepts_schema_version(&request.schema_version) {
            let refusal = ProtocolError::VersionNotSupported {
                version_type: VersionType::Schema,
            };
            return Ok(PushOutcome::Refused(refusal, PushReport::default()));
        }
        if request.mutations.is_empty() {
            return self.check_empty_push(&caller, &request);
        }
        self.push_combiner.run(
            PushJob { caller, request },
            |jobs| self.apply_pushes(jobs),
            || Err(ApiError::internal("the push batch failed unexpectedly")),
        )
    }

    /// An empty push changes nothing, but a tombstoned or foreign group is still refused.
    fn check_empty_push(&self, caller: &Caller, request: &PushRequest) -> PushAnswer {
        let checked = self.db.transaction(TxMode::Read, |conn| {
            check_group(conn, caller, &request.client_group_id)
        });
        match checked {
            Ok(()) => Ok(PushOutcome::Accepted(PushReport::default())),
            Err(failure) => Ok(PushOutcome::Refused(
                failure.into_refusal()?,
                PushReport::default(),
            )),
        }
    }

    /// Applies `jobs` in one write transaction; one answer per job, in order.
    fn apply_pushes(&self, jobs: &[&PushJob]) -> Vec<PushAnswer> {
        let limits = self.config.mutation_limits();
        let mut poisoned = HashSet::new();
        let mut mode = WriteMode::Batched;
        let answers = loop {
            let attempt = self.db.transaction_with_finish(TxMode::Write, |conn| {
                apply_all(conn, jobs, &poisoned, &limits, mode)
            });
            match attempt {
                Ok(answers) => break answers,
                Err(Failure::Batched(error)) => {
                    rocket::warn!("push: a batched write failed ({error}); rerunning the batch one write at a time");
                    mode = WriteMode::OneByOne;
                }
                Err(Failure::Poisoned { job, mutation }) if poisoned.insert((job, mutation)) => {
                    let failed = &jobs[job].request.mutations[mutation];
                    rocket::warn!(
                        "push: mutation {} of client {} failed in the database; rerunning it in error mode",
                        failed.id,
                        failed.client_id
                    );
                }
                Err(failure) => {
                    let error = match failure.into_refusal() {
                        Err(error) => error,
                        Ok(_) => ApiError::internal("a push batch was refused as a whole"),
                    };
                    return jobs.iter().map(|_| Err(error.clone())).collect();
                }
            }
        };
        let mut committed = false;
        for answer in &answers {
            if let Ok(PushOutcome::Accepted(report) | PushOutcome::Refused(_, report)) = answer {
                self.metrics.record_push(report);
                committed |= report.committed_version.is_some();
            }
        }
        if committed {
            self.pokes.after_commit(self.db.backend());
        }
        answers
    }
}
