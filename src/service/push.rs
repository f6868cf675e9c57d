//! Push: applies a batch of mutations under the lastMutationID rules (spec §6).
//!
//! The whole push runs in one write transaction that holds the global lock from its
//! first statement, so every mutation of the batch shares one new version and one
//! commit. A mutator's permanent refusal only consumes its id (error mode). A database
//! error that is not transient rolls the whole transaction back, and the push is run
//! again with that mutation in error mode, so no failed statement can leave a write
//! behind. Transient failures rerun the transaction without changing anything.

use super::failure::{check_access, check_group, Failure};
use super::mutators::{self, MutatorError};
use super::Services;
use crate::auth::Caller;
use crate::db::{DbConn, DbError, Finish, Transient, TxMode};
use crate::dto::{ProtocolError, PushRequest, VersionType};
use crate::error::ApiError;
use crate::models::{ClientGroup, NewClient, NewClientGroup};
use crate::repository::{ClientGroupRepo, ClientRepo, ServerRepo};
use chrono::{NaiveDateTime, Utc};
use std::collections::{HashMap, HashSet};

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

/// The result of one successful push transaction.
struct BatchResult {
    report: PushReport,
    gap: bool,
}

impl Services {
    /// Applies `request` for `caller`.
    pub fn push(&self, caller: &Caller, request: &PushRequest) -> Result<PushOutcome, ApiError> {
        if !self.config.accepts_schema_version(&request.schema_version) {
            let refusal = ProtocolError::VersionNotSupported {
                version_type: VersionType::Schema,
            };
            return Ok(PushOutcome::Refused(refusal, PushReport::default()));
        }
        if request.mutations.is_empty() {
            return self.check_empty_push(caller, request);
        }
        let mut poisoned = HashSet::new();
        let batch = loop {
            let attempt = self.db.transaction_with_finish(TxMode::Write, |conn| {
                self.apply_batch(conn, caller, request, &poisoned)
            });
            match attempt {
                Ok(batch) => break batch,
                Err(Failure::Poisoned(index)) if poisoned.insert(index) => {
                    rocket::warn!(
                        "push: mutation {} of client {} failed in the database; rerunning it in error mode",
                        request.mutations[index].id,
                        request.mutations[index].client_id
                    );
                }
                Err(failure) => {
                    let refusal = failure.into_refusal()?;
                    return Ok(PushOutcome::Refused(refusal, PushReport::default()));
                }
            }
        };
        self.metrics.record_push(&batch.report);
        if batch.report.committed_version.is_some() {
            self.pokes.after_commit(self.db.backend());
        }
        if batch.gap {
            Ok(PushOutcome::Refused(
                ProtocolError::ClientStateNotFound,
                batch.report,
            ))
        } else {
            Ok(PushOutcome::Accepted(batch.report))
        }
    }

    /// An empty push changes nothing, but a tombstoned or foreign group is still refused.
    fn check_empty_push(
        &self,
        caller: &Caller,
        request: &PushRequest,
    ) -> Result<PushOutcome, ApiError> {
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

    fn apply_batch(
        &self,
        conn: &mut DbConn,
        caller: &Caller,
        request: &PushRequest,
        poisoned: &HashSet<usize>,
    ) -> Result<(BatchResult, Finish), Failure> {
        let group_id = request.client_group_id.as_str();
        // The first write after the lock: every row this push writes carries this version.
        // When the push changes nothing the transaction is rolled back, version included.
        let next_version = ServerRepo::bump_version(conn)?;
        let known = load_clients(conn, request)?;
        check_access(known.group.as_ref(), caller, group_id)?;
        let mut last_ids = known.last_ids;
        let limits = self.config.mutation_limits();

        let mut report = PushReport::default();
        let mut gap = false;
        let mut changed_clients: Vec<&str> = Vec::new();
        for (index, mutation) in request.mutations.iter().enumerate() {
            let client_id = mutation.client_id.as_str();
            let expected = last_ids.get(client_id).copied().unwrap_or(0) + 1;
            if mutation.id < expected {
                report.skipped += 1;
                continue;
            }
            if mutation.id > expected {
                rocket::info!(
                    "push: client {client_id} sent mutation {} but the server expects {expected}",
                    mutation.id
                );
                gap = true;
                break;
            }
            if poisoned.contains(&index) {
                report.errored += 1;
            } else {
                match mutators::apply(conn, mutation, next_version, &limits) {
                    Ok(()) => report.applied += 1,
                    Err(MutatorError::Rejected(reason)) => {
                        rocket::info!(
                            "push: mutation {} ({}) of client {client_id} rejected: {reason}",
                            mutation.id,
                            mutation.name
                        );
                        report.errored += 1;
                    }
                    Err(MutatorError::Database(e)) => {
                        let error = DbError::Query(e);
                        if error.is_transient() {
                            return Err(error.into());
                        }
                        rocket::warn!("push: mutation {} failed: {error}", mutation.id);
                        return Err(Failure::Poisoned(index));
                    }
                }
            }
            last_ids.insert(client_id, mutation.id);
            if !changed_clients.contains(&client_id) {
                changed_clients.push(client_id);
            }
        }

        if changed_clients.is_empty() {
            return Ok((BatchResult { report, gap }, Finish::Rollback));
        }
        let now = Utc::now().naive_utc();
        if needs_touch(known.group.as_ref(), now) {
            let group = NewClientGroup {
                id: group_id,
                user_id: &caller.user_id,
                last_seen: now,
            };
            ClientGroupRepo::upsert(conn, &group)?;
        }
        for &id in &changed_clients {
            let row = NewClient {
                id,
                client_group_id: group_id,
                last_mutation_id: last_ids.get(id).copied().unwrap_or(0),
                version: next_version,
                last_seen: now,
            };
            ClientRepo::upsert(conn, &row)?;
        }
        report.committed_version = Some(next_version);
        Ok((BatchResult { report, gap }, Finish::Commit))
    }
}

/// How stale a group's last-seen time may get before a push refreshes it (GC works in
/// days, so a write per push would be wasted).
const LAST_SEEN_RESOLUTION_SECS: i64 = 60;

/// True when the group must be written: it is new, or its last-seen time is stale.
fn needs_touch(group: Option<&ClientGroup>, now: NaiveDateTime) -> bool {
    group.is_none_or(|g| (now - g.last_seen).num_seconds() >= LAST_SEEN_RESOLUTION_SECS)
}

/// The push's group and the last mutation ids of its known clients.
struct KnownClients<'r> {
    group: Option<ClientGroup>,
    last_ids: HashMap<&'r str, i64>,
}

/// Loads the push's clients with their groups in one query (the group row comes along
/// with any known client; only a push of new clients reads it separately). A client
/// registered in another group is refused before anything is applied.
fn load_clients<'r>(
    conn: &mut DbConn,
    request: &'r PushRequest,
) -> Result<KnownClients<'r>, Failure> {
    let mut ids: Vec<&str> = request
        .mutations
        .iter()
        .map(|m| m.client_id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut group = None;
    let mut last_ids = HashMap::with_capacity(ids.len());
    for (client, client_group) in ClientRepo::find_with_groups(conn, &ids)? {
        if client.client_group_id != request.client_group_id {
            return Err(Failure::Forbidden(format!(
                "client {} belongs to another client group",
                client.id
            )));
        }
        if let Ok(position) = ids.binary_search(&client.id.as_str()) {
            last_ids.insert(ids[position], client.last_mutation_id);
        }
        group = Some(client_group);
    }
    if group.is_none() {
        group = ClientGroupRepo::find(conn, &request.client_group_id)?;
    }
    Ok(KnownClients { group, last_ids })
}
