//! How the write transaction of a push batch can fail.

use crate::db::{DbError, Transient};
use crate::error::ApiError;
use crate::service::access::GroupRefusal;

/// Why a push batch's transaction stopped.
#[derive(Debug)]
pub(super) enum PushFailure {
    /// The database failed (maybe transiently: the transaction runner retries those).
    Db(DbError),
    /// The group of an empty push may not be used (the only push checked alone).
    Refused(GroupRefusal),
    /// This mutation of this push of the batch hit a permanent database error: the
    /// batch is redone with the mutation in error mode.
    Poisoned {
        /// Index of the push in its batch.
        job: usize,
        /// Index of the mutation in its push.
        mutation: usize,
    },
    /// A write of several mutations' rows at once failed for good; which mutation
    /// caused it is unknown until the batch is redone one write at a time.
    Batched(DbError),
}

impl From<DbError> for PushFailure {
    fn from(e: DbError) -> Self {
        PushFailure::Db(e)
    }
}

impl From<diesel::result::Error> for PushFailure {
    fn from(e: diesel::result::Error) -> Self {
        PushFailure::Db(DbError::Query(e))
    }
}

impl From<GroupRefusal> for PushFailure {
    fn from(refusal: GroupRefusal) -> Self {
        PushFailure::Refused(refusal)
    }
}

impl Transient for PushFailure {
    fn is_transient(&self) -> bool {
        matches!(self, PushFailure::Db(e) if e.is_transient())
    }

    fn breaks_connection(&self) -> bool {
        matches!(self, PushFailure::Db(e) | PushFailure::Batched(e) if e.breaks_connection())
    }
}

impl PushFailure {
    /// A database error of one mutation: transient ones are retried as they are, other
    /// ones put the mutation in error mode.
    pub(super) fn of_mutation(error: DbError, job: usize, mutation: usize) -> Self {
        if error.is_transient() {
            return error.into();
        }
        rocket::warn!("push: mutation {mutation} of push {job} of the batch failed: {error}");
        PushFailure::Poisoned { job, mutation }
    }

    /// The HTTP error a failure that could not be redone away becomes.
    pub(super) fn into_api_error(self) -> ApiError {
        match self {
            PushFailure::Db(e) | PushFailure::Batched(e) => e.into(),
            PushFailure::Refused(refusal) => match refusal.into_answer() {
                Err(error) => error,
                Ok(_) => ApiError::internal("a push batch was refused as a whole"),
            },
            PushFailure::Poisoned { mutation, .. } => ApiError::internal(format!(
                "mutation {mutation} failed in the database even in error mode"
            )),
        }
    }
}
