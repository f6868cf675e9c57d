//! A batch of combined pushes: one write transaction, its redo policy, and what
//! follows the commit (metrics and the committed hook that pokes).
//!
//! **Redo policy.** Transient failures are retried by the transaction runner (see
//! `db::transaction`), never here. This loop only redoes the batch with other inputs
//! after a permanent failure, as the protocol's error mode asks:
//! - a mutation whose statement failed for good is redone in error mode (its id is
//!   consumed, its effects are not applied), each mutation at most once;
//! - a write of several mutations' rows at once that failed for good is redone one
//!   write at a time, once, so that the failure can be pinned on its mutation.
//!
//! Each redo starts from a rolled-back transaction, so no failed statement leaves a
//! write behind.

use super::combiner::Combiner;
use super::failure::PushFailure;
use super::inserts::WriteMode;
use super::rules::{apply_all, BatchOutcome, BatchPlan};
use super::{PushAnswer, PushJob, PushOutcome};
use crate::db::{Database, TxMode};
use crate::observability::Metrics;
use crate::poke::Poker;
use crate::service::mutators::MutationLimits;
use crate::service::settings::ProtocolSettings;
use std::sync::Arc;

/// What a batch needs, shared by every push handler.
pub(super) struct Batcher {
    pub(super) db: Arc<Database>,
    pub(super) settings: ProtocolSettings,
    pub(super) limits: MutationLimits,
    pub(super) poker: Poker,
    pub(super) metrics: Arc<Metrics>,
    pub(super) combiner: Combiner<PushJob, PushAnswer>,
}

impl Batcher {
    /// Applies `jobs` in one write transaction; one answer per job, in order. After a
    /// commit that changed anything, pokes the streams whose views it changed, once.
    pub(super) fn apply(&self, jobs: &[&PushJob]) -> Vec<PushAnswer> {
        let BatchOutcome { answers, targets } = match self.run(jobs) {
            Ok(outcome) => outcome,
            Err(failure) => {
                let error = failure.into_api_error();
                return jobs.iter().map(|_| Err(error.clone())).collect();
            }
        };
        let mut committed = false;
        for answer in &answers {
            if let Ok(PushOutcome::Accepted(report) | PushOutcome::Refused(_, report)) = answer {
                self.metrics
                    .record_mutations(report.applied, report.skipped, report.errored);
                committed |= report.committed_version.is_some();
            }
        }
        if committed {
            self.poker.committed(targets);
        }
        answers
    }

    /// Runs the batch's transaction until it settles (see the redo policy above).
    fn run(&self, jobs: &[&PushJob]) -> Result<BatchOutcome, PushFailure> {
        let mut plan = BatchPlan::default();
        loop {
            let attempt = self
                .db
                .transaction_with_finish(TxMode::Write, |conn| apply_all(conn, jobs, &plan));
            match attempt {
                Ok(outcome) => return Ok(outcome),
                Err(PushFailure::Batched(error)) if plan.writes == WriteMode::Batched => {
                    rocket::warn!(
                        "push: a batched write failed ({error}); redoing the batch one write at a time"
                    );
                    plan.writes = WriteMode::OneByOne;
                }
                Err(PushFailure::Poisoned { job, mutation })
                    if plan.error_mode.insert((job, mutation)) =>
                {
                    if let Some(failed) = jobs.get(job).and_then(|j| j.mutations.get(mutation)) {
                        rocket::warn!(
                            "push: mutation {} of client {} failed in the database; redoing it in error mode",
                            failed.id,
                            failed.client_id
                        );
                    }
                }
                Err(failure) => return Err(failure),
            }
        }
    }
}
