//! How a service transaction can fail, and the group checks push and pull share.

use crate::auth::Caller;
use crate::db::{DbConn, DbError, Transient};
use crate::dto::ProtocolError;
use crate::error::ApiError;
use crate::models::ClientGroup;
use crate::repository::ClientGroupRepo;

/// Why a push or pull transaction stopped.
#[derive(Debug)]
pub(super) enum Failure {
    /// The database failed (maybe transiently: the runner retries those).
    Db(DbError),
    /// The caller may not use this group or client: 403.
    Forbidden(String),
    /// Answer with a Replicache error body.
    Refused(ProtocolError),
    /// Push: this mutation of this job of the batch hit a non-transient database error.
    Poisoned {
        /// Index of the push in its batch.
        job: usize,
        /// Index of the mutation in its push.
        mutation: usize,
    },
    /// Push: a write of several mutations' rows at once failed for good; which
    /// mutation caused it is unknown until the batch reruns one write at a time.
    Batched(DbError),
    /// Pull: the cookie needs a reset under a cookie of at least this version.
    NeedsReset(i64),
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Self {
        Failure::Db(e)
    }
}

impl From<diesel::result::Error> for Failure {
    fn from(e: diesel::result::Error) -> Self {
        Failure::Db(DbError::Query(e))
    }
}

impl Transient for Failure {
    fn is_transient(&self) -> bool {
        matches!(self, Failure::Db(e) if e.is_transient())
    }

    fn breaks_connection(&self) -> bool {
        matches!(self, Failure::Db(e) | Failure::Batched(e) if e.breaks_connection())
    }
}

impl Failure {
    /// The Replicache error body to answer, or the HTTP error.
    pub(super) fn into_refusal(self) -> Result<ProtocolError, ApiError> {
        match self {
            Failure::Refused(refusal) => Ok(refusal),
            Failure::Forbidden(message) => Err(ApiError::forbidden(message)),
            Failure::Db(e) | Failure::Batched(e) => Err(e.into()),
            Failure::Poisoned { mutation, .. } => Err(ApiError::internal(format!(
                "mutation {mutation} failed in the database even in error mode"
            ))),
            Failure::NeedsReset(_) => Err(ApiError::internal("pull reset did not converge")),
        }
    }
}

/// Loads the group and checks the caller may use it (see [`check_access`]).
pub(super) fn check_group(
    conn: &mut DbConn,
    caller: &Caller,
    group_id: &str,
) -> Result<(), Failure> {
    check_access(
        ClientGroupRepo::find(conn, group_id)?.as_ref(),
        caller,
        group_id,
    )
}

/// Refuses a tombstoned group (ClientStateNotFound) or one owned by another user (403).
/// A group never seen before (`None`) is fine: new and forked groups are normal.
pub(super) fn check_access(
    group: Option<&ClientGroup>,
    caller: &Caller,
    group_id: &str,
) -> Result<(), Failure> {
    match group {
        Some(group) if group.deleted_at.is_some() => {
            Err(Failure::Refused(ProtocolError::ClientStateNotFound))
        }
        Some(group) if group.user_id != caller.user_id => Err(Failure::Forbidden(format!(
            "client group {group_id} belongs to another user"
        ))),
        _ => Ok(()),
    }
}
