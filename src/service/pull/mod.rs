//! Pull: the client view changes since the request's cookie (docs/protocol.md §4, §5,
//! §8).
//!
//! The cookie is the integer global version under both strategies, read in the same
//! snapshot as the data, so a response with lastMutationID N holds exactly the effects
//! of mutations up to N. The snapshot's [`plan`](plan::plan) decides the answer; a
//! cookie this server cannot serve as it is gets a full reset under a cookie the client
//! accepts as newer, after the global version is raised in a write transaction.

mod changes;
mod plan;
mod read;
mod readable;

use super::access::{check_group, GroupRefusal};
use super::settings::ProtocolSettings;
use super::view::{FullViewCache, ViewScope};
use crate::auth::Caller;
use crate::db::{Database, DbError, Transient, TxMode};
use crate::domain::{ClientGroupId, Version};
use crate::dto::{ProtocolError, PullPayload, PullRequest, RequestCookie, VersionType};
use crate::error::ApiError;
use crate::repository::ServerRepo;
use changes::changes_since;
use plan::{plan, Plan};
use read::{full_view, ViewSource};
use readable::ReadableRooms;
use std::sync::Arc;

/// The answer to a pull.
#[derive(Debug, Clone)]
pub enum PullOutcome {
    /// A pull response.
    Patch(PullPayload),
    /// A Replicache error body.
    Refused(ProtocolError),
}

/// Why a pull's transaction stopped.
#[derive(Debug)]
enum PullFailure {
    /// The database failed (maybe transiently: the transaction runner retries those).
    Db(DbError),
    /// The caller may not use the group.
    Refused(GroupRefusal),
}

impl From<DbError> for PullFailure {
    fn from(e: DbError) -> Self {
        PullFailure::Db(e)
    }
}

impl From<diesel::result::Error> for PullFailure {
    fn from(e: diesel::result::Error) -> Self {
        PullFailure::Db(DbError::Query(e))
    }
}

impl From<GroupRefusal> for PullFailure {
    fn from(refusal: GroupRefusal) -> Self {
        PullFailure::Refused(refusal)
    }
}

impl Transient for PullFailure {
    fn is_transient(&self) -> bool {
        matches!(self, PullFailure::Db(e) if e.is_transient())
    }

    fn breaks_connection(&self) -> bool {
        matches!(self, PullFailure::Db(e) if e.breaks_connection())
    }
}

/// What the read snapshot decided.
enum Step {
    /// The answer, read in the snapshot.
    Answer(PullPayload),
    /// A reset that first raises the global version to this one.
    RaiseTo(Version),
}

/// Answers pulls. Cheap to clone: clones share the full-view cache.
#[derive(Clone)]
pub struct PullService {
    db: Arc<Database>,
    settings: Arc<ProtocolSettings>,
    full_views: Arc<FullViewCache>,
    readable: Arc<ReadableRooms>,
}

impl PullService {
    /// A pull service over `db`.
    pub fn new(db: Arc<Database>, settings: ProtocolSettings) -> Self {
        PullService {
            db,
            settings: Arc::new(settings),
            full_views: Arc::new(FullViewCache::default()),
            readable: Arc::new(ReadableRooms::default()),
        }
    }

    /// Answers `request` for `caller`.
    pub fn pull(&self, caller: &Caller, request: &PullRequest) -> Result<PullOutcome, ApiError> {
        if !self
            .settings
            .accepts_schema_version(&request.schema_version)
        {
            return Ok(PullOutcome::Refused(ProtocolError::VersionNotSupported {
                version_type: VersionType::Schema,
            }));
        }
        let group_id = &request.client_group_id;
        let scope = ViewScope {
            user: &caller.user_id,
            group: group_id,
        };
        let shared = ViewSource::Shared(&self.full_views);
        let readable = &*self.readable;
        let read = self.db.transaction(TxMode::Read, |conn| {
            check_group::<PullFailure>(conn, caller, group_id)?;
            let state = ServerRepo::state(conn)?;
            let cookie = RequestCookie::parse(&request.cookie);
            Ok(
                match plan(cookie, &request.cookie, self.settings.pull_strategy, state) {
                    Plan::Unchanged(version) => Step::Answer(PullPayload::unchanged(version)),
                    Plan::Full => Step::Answer(full_view(conn, scope, state, shared, readable)?),
                    Plan::Since(from) => match changes_since(conn, scope, from, state, readable)? {
                        Some(changes) => Step::Answer(changes),
                        None => Step::Answer(full_view(conn, scope, state, shared, readable)?),
                    },
                    Plan::ResetAbove(target) => Step::RaiseTo(target),
                },
            )
        });
        let payload = match read {
            Ok(Step::Answer(payload)) => Ok(payload),
            Ok(Step::RaiseTo(target)) => self.reset_above(caller, group_id, target),
            Err(failure) => Err(failure),
        };
        match payload {
            Ok(payload) => Ok(PullOutcome::Patch(payload)),
            Err(PullFailure::Refused(refusal)) => refusal.into_answer().map(PullOutcome::Refused),
            Err(PullFailure::Db(e)) => Err(e.into()),
        }
    }

    /// Raises the global version to `target` (so the new cookie is newer than the
    /// request's) and returns the full view, in one write transaction. The view is
    /// rendered privately: its version exists only if the commit succeeds.
    fn reset_above(
        &self,
        caller: &Caller,
        group_id: &ClientGroupId,
        target: Version,
    ) -> Result<PullPayload, PullFailure> {
        rocket::info!(
            "pull: unusable cookie for group {group_id}; full reset at version >= {target}"
        );
        let scope = ViewScope {
            user: &caller.user_id,
            group: group_id,
        };
        self.db.transaction(TxMode::Write, |conn| {
            check_group::<PullFailure>(conn, caller, group_id)?;
            ServerRepo::raise_version(conn, target)?;
            let state = ServerRepo::state(conn)?;
            full_view(conn, scope, state, ViewSource::Private, &self.readable)
        })
    }
}
