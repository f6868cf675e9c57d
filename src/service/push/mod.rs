//! Push: applies mutations under the lastMutationID rules (docs/protocol.md §7).
//!
//! Read top to bottom:
//! 1. this file: the entry, what a push answers, and how a request becomes a
//!    [`PushJob`] whose mutations are parsed once into typed mutators;
//! 2. `batch.rs`: pushes arriving together are combined (`combiner.rs`) and applied in
//!    one write transaction; the batch's redo policy and the committed hook;
//! 3. `rules.rs`: each push of the batch inside that transaction: its ownership checks
//!    and the lastMutationID rules, mutation by mutation;
//! 4. `registry.rs`: the clients and groups of the batch, read once, written at the end
//!    (the rooms and messages its mutators check are in `mutators::RoomBook`);
//! 5. `inserts.rs`: new messages, inserted together; `rejections.rs`: the error entries
//!    of refused mutations; `audience.rs`: whose streams the commit pokes;
//! 6. `failure.rs`: how the batch's transaction can fail.

mod audience;
mod batch;
mod combiner;
mod failure;
mod inserts;
mod registry;
mod rejections;
mod rules;

use super::access::check_group;
use super::mutators::{MutationLimits, Mutator, Rejection};
use super::settings::ProtocolSettings;
use crate::auth::Caller;
use crate::db::{Database, TxMode};
use crate::domain::{ClientGroupId, ClientId, MutationId, Version};
use crate::dto::{ProtocolError, PushRequest, VersionType};
use crate::error::ApiError;
use crate::observability::Metrics;
use crate::poke::Poker;
use combiner::Combiner;
use failure::PushFailure;
use std::sync::Arc;

/// Pushes run together at most.
const MAX_PUSHES_PER_TRANSACTION: usize = 64;

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
    pub committed_version: Option<Version>,
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

/// The answer to one push of a batch.
pub type PushAnswer = Result<PushOutcome, ApiError>;

/// One push waiting to be applied, its mutations parsed.
#[derive(Debug)]
pub(crate) struct PushJob {
    /// Who pushes.
    caller: Caller,
    /// Into which group.
    group_id: ClientGroupId,
    /// The mutations, in order.
    mutations: Vec<PendingMutation>,
}

/// A mutation of a push, parsed once.
#[derive(Debug)]
struct PendingMutation {
    client_id: ClientId,
    id: MutationId,
    /// The mutator name as sent, for logs.
    name: String,
    mutator: Result<Mutator, Rejection>,
}

impl PushJob {
    fn parse(caller: Caller, request: PushRequest, limits: &MutationLimits) -> Self {
        let mutations = request
            .mutations
            .into_iter()
            .map(|m| PendingMutation {
                mutator: Mutator::parse(&m.name, m.args, limits),
                client_id: m.client_id,
                id: m.id,
                name: m.name,
            })
            .collect();
        PushJob {
            caller,
            group_id: request.client_group_id,
            mutations,
        }
    }
}

/// Applies pushes. Cheap to clone: clones share the combiner, so pushes of every
/// request handler are combined.
#[derive(Clone)]
pub struct PushService {
    inner: Arc<batch::Batcher>,
}

impl PushService {
    /// A push service over `db`, checking mutator arguments against `limits` and
    /// poking through `poker` after each commit.
    pub fn new(
        db: Arc<Database>,
        settings: ProtocolSettings,
        limits: MutationLimits,
        poker: Poker,
        metrics: Arc<Metrics>,
    ) -> Self {
        let batcher = batch::Batcher {
            db,
            settings,
            limits,
            poker,
            metrics,
            combiner: Combiner::new(MAX_PUSHES_PER_TRANSACTION),
        };
        PushService {
            inner: Arc::new(batcher),
        }
    }

    /// Applies `request` for `caller`.
    pub fn push(&self, caller: Caller, request: PushRequest) -> PushAnswer {
        let batcher = &self.inner;
        if !batcher
            .settings
            .accepts_schema_version(&request.schema_version)
        {
            let refusal = ProtocolError::VersionNotSupported {
                version_type: VersionType::Schema,
            };
            return Ok(PushOutcome::Refused(refusal, PushReport::default()));
        }
        if request.mutations.is_empty() {
            return self.check_empty_push(&caller, &request.client_group_id);
        }
        let job = PushJob::parse(caller, request, &batcher.limits);
        batcher.combiner.run(
            job,
            |jobs| batcher.apply(jobs),
            || Err(ApiError::internal("the push batch failed unexpectedly")),
        )
    }

    /// An empty push changes nothing, but a tombstoned or foreign group is still refused.
    fn check_empty_push(&self, caller: &Caller, group_id: &ClientGroupId) -> PushAnswer {
        let checked = self.inner.db.transaction(TxMode::Read, |conn| {
            check_group::<PushFailure>(conn, caller, group_id)
        });
        match checked {
            Ok(()) => Ok(PushOutcome::Accepted(PushReport::default())),
            Err(PushFailure::Refused(refusal)) => Ok(PushOutcome::Refused(
                refusal.into_answer()?,
                PushReport::default(),
            )),
            Err(failure) => Err(failure.into_api_error()),
        }
    }
}
