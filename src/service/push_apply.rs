//! Applying pushes inside the write transaction: the lastMutationID rules, error mode,
//! ownership checks and the client bookkeeping of each push of a batch.

use super::failure::{check_access, Failure};
use super::mutators::{self, MutationLimits, MutatorError};
use super::push::{PushAnswer, PushJob, PushOutcome, PushReport};
use crate::db::{DbConn, DbError, Finish, Transient};
use crate::dto::{ProtocolError, PushRequest};
use crate::models::{ClientGroup, NewClient, NewClientGroup};
use crate::repository::{ClientGroupRepo, ClientRepo, ServerRepo};
use chrono::{NaiveDateTime, Utc};
use std::collections::{HashMap, HashSet};

/// Applies every job under one new version. A push refused for its group or clients
/// (403, tombstone) gets its own answer and writes nothing; the others go on. Commits
/// only when some push changed something.
pub(super) fn apply_all(
    conn: &mut DbConn,
    jobs: &[&PushJob],
    poisoned: &HashSet<(usize, usize)>,
    limits: &MutationLimits,
) -> Result<(Vec<PushAnswer>, Finish), Failure> {
    // The first write after the lock: every row this batch writes carries this version.
    // When nothing changes the transaction is rolled back, version included.
    let version = ServerRepo::bump_version(conn)?;
    let now = Utc::now().naive_utc();
    let mut answers = Vec::with_capacity(jobs.len());
    let mut changed = false;
    for (index, job) in jobs.iter().enumerate() {
        let run = PushRun {
            job,
            version,
            now,
            limits,
            is_poisoned: &|mutation| poisoned.contains(&(index, mutation)),
        };
        let answer = match run.apply(conn) {
            Ok(applied) => {
                changed |= applied.report.committed_version.is_some();
                Ok(applied.into_outcome())
            }
            Err(Failure::Poisoned { mutation, .. }) => {
                return Err(Failure::Poisoned {
                    job: index,
                    mutation,
                })
            }
            Err(Failure::Db(e)) => return Err(Failure::Db(e)),
            Err(refused) => refused
                .into_refusal()
                .map(|refusal| PushOutcome::Refused(refusal, PushReport::default())),
        };
        answers.push(answer);
    }
    let finish = if changed {
        Finish::Commit
    } else {
        Finish::Rollback
    };
    Ok((answers, finish))
}

/// What one push did inside the batch.
struct Applied {
    report: PushReport,
    /// Processing stopped at a mutation id beyond the next expected one.
    gap: bool,
}

impl Applied {
    fn into_outcome(self) -> PushOutcome {
        if self.gap {
            PushOutcome::Refused(ProtocolError::ClientStateNotFound, self.report)
        } else {
            PushOutcome::Accepted(self.report)
        }
    }
}

/// One push being applied.
struct PushRun<'a> {
    job: &'a PushJob,
    version: i64,
    now: NaiveDateTime,
    limits: &'a MutationLimits,
    /// Mutations (by index) to run in error mode after a database failure.
    is_poisoned: &'a dyn Fn(usize) -> bool,
}

impl PushRun<'_> {
    fn apply(&self, conn: &mut DbConn) -> Result<Applied, Failure> {
        let (caller, request) = (&self.job.caller, &self.job.request);
        let group_id = request.client_group_id.as_str();
        let next_version = self.version;
        let known = load_clients(conn, request)?;
        check_access(known.group.as_ref(), caller, group_id)?;
        let mut last_ids = known.last_ids;
        let limits = self.limits;

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
            if (self.is_poisoned)(index) {
                report.errored += 1;
            } else {
                match mutators::apply(conn, mutation, next_version, limits) {
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
                        return Err(Failure::Poisoned {
                            job: 0,
                            mutation: index,
                        });
                    }
                }
            }
            last_ids.insert(client_id, mutation.id);
            if !changed_clients.contains(&client_id) {
                changed_clients.push(client_id);
            }
        }

        if changed_clients.is_empty() {
            return Ok(Applied { report, gap });
        }
        let now = self.now;
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
        Ok(Applied { report, gap })
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
