//! New messages of a batch, inserted together: just before any mutator that might read
//! them and at the end of the batch. In [`WriteMode::OneByOne`] each is inserted at
//! once, so a database error can be pinned on its mutation.

use super::failure::PushFailure;
use super::PushReport;
use crate::db::{DbConn, DbError, Transient};
use crate::domain::MessageId;
use crate::models::NewMessage;
use crate::repository::MessageRepo;
use std::collections::HashSet;

/// How new messages reach the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum WriteMode {
    /// Together, in as few statements as possible.
    #[default]
    Batched,
    /// Each on its own, so a failing insert names its mutation.
    OneByOne,
}

/// New messages waiting to be inserted, with the mutation each came from.
pub(super) struct PendingInserts<'m> {
    mode: WriteMode,
    rows: Vec<NewMessage<'m>>,
    /// (push, mutation) of each row.
    origins: Vec<(usize, usize)>,
    ids: HashSet<&'m MessageId>,
}

impl<'m> PendingInserts<'m> {
    /// Nothing queued yet.
    pub(super) fn new(mode: WriteMode) -> Self {
        PendingInserts {
            mode,
            rows: Vec::new(),
            origins: Vec::new(),
            ids: HashSet::new(),
        }
    }

    /// Queues `row` (inserting it at once in one-by-one mode). A second message with an
    /// id already queued is a rejected mutation.
    pub(super) fn add(
        &mut self,
        conn: &mut DbConn,
        row: NewMessage<'m>,
        origin: (usize, usize),
        reports: &mut [PushReport],
    ) -> Result<(), PushFailure> {
        if !self.ids.insert(row.id) {
            rocket::info!("push: message {} already exists", row.id);
            reports[origin.0].errored += 1;
            return Ok(());
        }
        self.rows.push(row);
        self.origins.push(origin);
        if self.mode == WriteMode::OneByOne {
            self.flush(conn, reports)?;
        }
        Ok(())
    }

    /// Inserts the queued rows and counts each mutation applied (inserted) or errored
    /// (its id was taken) in the report of its push.
    pub(super) fn flush(
        &mut self,
        conn: &mut DbConn,
        reports: &mut [PushReport],
    ) -> Result<(), PushFailure> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let inserted = match MessageRepo::insert_new(conn, &self.rows) {
            Ok(ids) => ids,
            Err(e) => return Err(self.failure(DbError::Query(e))),
        };
        let inserted: HashSet<&MessageId> = inserted.iter().collect();
        for (row, (job, _)) in self.rows.iter().zip(&self.origins) {
            let report = &mut reports[*job];
            if inserted.contains(row.id) {
                report.applied += 1;
            } else {
                rocket::info!("push: message {} already exists", row.id);
                report.errored += 1;
            }
        }
        self.rows.clear();
        self.origins.clear();
        Ok(())
    }

    /// What a failed insert of the queued rows means for the batch.
    fn failure(&self, error: DbError) -> PushFailure {
        match (self.mode, self.origins.as_slice()) {
            (WriteMode::OneByOne, [(job, mutation)]) => {
                PushFailure::of_mutation(error, *job, *mutation)
            }
            _ if error.is_transient() => error.into(),
            // Several rows: the batch is redone one write at a time to find the culprit.
            _ => PushFailure::Batched(error),
        }
    }
}
