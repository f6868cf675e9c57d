//! Applying a batch of pushes inside the write transaction: the lastMutationID rules,
//! error mode, ownership checks and the client bookkeeping of each push.
//!
//! The batch reads every group and client it names once, up front, keeps what each
//! push changes in memory (so a later push of the batch sees the earlier ones), and
//! writes the client rows at the end in one statement. New messages are inserted
//! together too, just before any mutator that might read them and at the end; in
//! [`WriteMode::OneByOne`] each is inserted at once, so a database error can be pinned
//! on its mutation.

use super::failure::{check_access, Failure};
use super::mutators::{self, Effect, MutationLimits, MutatorError};
use super::push::{PushAnswer, PushJob, PushOutcome, PushReport};
use crate::db::{DbConn, DbError, Finish, Transient};
use crate::dto::ProtocolError;
use crate::models::{ClientGroup, NewClient, NewClientGroup, NewMessage};
use crate::repository::{ClientGroupRepo, ClientRepo, MessageRepo, ServerRepo};
use chrono::{NaiveDateTime, Utc};
use std::collections::{BTreeSet, HashMap, HashSet};

/// How new messages reach the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WriteMode {
    /// Together, in as few statements as possible.
    Batched,
    /// Each on its own, so a failing insert names its mutation.
    OneByOne,
}

/// Applies every job under one new version. A push refused for its group or clients
/// (403, tombstone) gets its own answer and writes nothing; the others go on. Commits
/// only when some push changed something.
pub(super) fn apply_all(
    conn: &mut DbConn,
    jobs: &[&PushJob],
    poisoned: &HashSet<(usize, usize)>,
    limits: &MutationLimits,
    mode: WriteMode,
) -> Result<(Vec<PushAnswer>, Finish), Failure> {
    // The first write after the lock: every row this batch writes carries this version.
    // When nothing changes the transaction is rolled back, version included.
    let version = ServerRepo::bump_version(conn)?;
    let now = Utc::now().naive_utc();
    let mut registry = Registry::load(conn, jobs)?;
    let mut inserts = PendingInserts::new(mode);
    let mut reports = vec![PushReport::default(); jobs.len()];
    let mut ends = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        let run = PushRun {
            index,
            job,
            version,
            limits,
            poisoned,
        };
        match run.apply(conn, &mut registry, &mut inserts, &mut reports) {
            Ok(end) => ends.push(Ok(end)),
            Err(refused @ (Failure::Forbidden(_) | Failure::Refused(_))) => ends.push(Err(refused)),
            Err(failure) => return Err(failure),
        }
    }
    inserts.flush(conn, &mut reports)?;
    let changed = registry.save(conn, version, now)?;

    let answers = reports
        .into_iter()
        .zip(ends)
        .map(|(mut report, end)| match end {
            Err(refused) => refused
                .into_refusal()
                .map(|refusal| PushOutcome::Refused(refusal, PushReport::default())),
            Ok(end) => {
                if end.changed {
                    report.committed_version = Some(version);
                }
                Ok(if end.gap {
                    PushOutcome::Refused(ProtocolError::ClientStateNotFound, report)
                } else {
                    PushOutcome::Accepted(report)
                })
            }
        })
        .collect();
    let finish = if changed {
        Finish::Commit
    } else {
        Finish::Rollback
    };
    Ok((answers, finish))
}

/// How a push that was not refused ended.
struct PushEnd {
    /// It advanced some client's lastMutationID.
    changed: bool,
    /// It stopped at a mutation id beyond the next expected one.
    gap: bool,
}

/// One push being applied.
struct PushRun<'a> {
    /// Its position in the batch.
    index: usize,
    job: &'a PushJob,
    version: i64,
    limits: &'a MutationLimits,
    /// (push, mutation) pairs to run in error mode after a database failure.
    poisoned: &'a HashSet<(usize, usize)>,
}

impl<'a> PushRun<'a> {
    /// Applies the push's mutations in order, counting them in `reports[self.index]`.
    fn apply(
        &self,
        conn: &mut DbConn,
        registry: &mut Registry,
        inserts: &mut PendingInserts<'a>,
        reports: &mut [PushReport],
    ) -> Result<PushEnd, Failure> {
        let (caller, request) = (&self.job.caller, &self.job.request);
        let group_id = request.client_group_id.as_str();
        check_access(registry.groups.get(group_id), caller, group_id)?;
        for mutation in &request.mutations {
            registry.check_membership(&mutation.client_id, group_id)?;
        }

        let mut last_ids: HashMap<&str, i64> = HashMap::new();
        for (index, mutation) in request.mutations.iter().enumerate() {
            let client_id = mutation.client_id.as_str();
            let last = *last_ids
                .entry(client_id)
                .or_insert_with(|| registry.last_mutation_id(client_id));
            let expected = last + 1;
            if mutation.id < expected {
                reports[self.index].skipped += 1;
                continue;
            }
            if mutation.id > expected {
                rocket::info!(
                    "push: client {client_id} sent mutation {} but the server expects {expected}",
                    mutation.id
                );
                return self.finish(registry, last_ids, true);
            }
            if self.poisoned.contains(&(self.index, index)) {
                reports[self.index].errored += 1;
            } else {
                if mutators::reads_messages(&mutation.name) {
                    // It may read a message created earlier in the batch.
                    inserts.flush(conn, reports)?;
                }
                match mutators::apply(conn, mutation, self.version, self.limits) {
                    Ok(Effect::Insert(row)) => {
                        inserts.add(conn, row, (self.index, index), reports)?;
                    }
                    Ok(Effect::Written) => reports[self.index].applied += 1,
                    Err(MutatorError::Rejected(reason)) => {
                        rocket::info!(
                            "push: mutation {} ({}) of client {client_id} rejected: {reason}",
                            mutation.id,
                            mutation.name
                        );
                        reports[self.index].errored += 1;
                    }
                    Err(MutatorError::Database(e)) => {
                        return Err(poisoned(DbError::Query(e), self.index, index));
                    }
                }
            }
            last_ids.insert(client_id, mutation.id);
        }
        self.finish(registry, last_ids, false)
    }

    /// Records the push's new lastMutationIDs (and its group) in the registry.
    fn finish(
        &self,
        registry: &mut Registry,
        last_ids: HashMap<&str, i64>,
        gap: bool,
    ) -> Result<PushEnd, Failure> {
        let group_id = &self.job.request.client_group_id;
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
        Ok(PushEnd { changed, gap })
    }
}

/// A database error of one mutation: retried when transient, otherwise the mutation
/// is rerun in error mode.
fn poisoned(error: DbError, job: usize, mutation: usize) -> Failure {
    if error.is_transient() {
        return error.into();
    }
    rocket::warn!("push: mutation {mutation} of push {job} of the batch failed: {error}");
    Failure::Poisoned { job, mutation }
}

/// New messages waiting to be inserted, with the mutation each came from.
struct PendingInserts<'m> {
    mode: WriteMode,
    rows: Vec<NewMessage<'m>>,
    /// (job, mutation) of each row.
    origins: Vec<(usize, usize)>,
    ids: HashSet<&'m str>,
}

impl<'m> PendingInserts<'m> {
    fn new(mode: WriteMode) -> Self {
        PendingInserts {
            mode,
            rows: Vec::new(),
            origins: Vec::new(),
            ids: HashSet::new(),
        }
    }

    /// Queues `row` (inserting it at once in one-by-one mode). A second message with an
    /// id already queued is a rejected mutation.
    fn add(
        &mut self,
        conn: &mut DbConn,
        row: NewMessage<'m>,
        origin: (usize, usize),
        reports: &mut [PushReport],
    ) -> Result<(), Failure> {
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
    fn flush(&mut self, conn: &mut DbConn, reports: &mut [PushReport]) -> Result<(), Failure> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let inserted = match MessageRepo::insert_new(conn, &self.rows) {
            Ok(ids) => ids,
            Err(e) => {
                let error = DbError::Query(e);
                return Err(match (self.mode, self.origins.as_slice()) {
                    (WriteMode::OneByOne, [(job, mutation)]) => poisoned(error, *job, *mutation),
                    _ if error.is_transient() => error.into(),
                    // Several rows: the batch reruns one by one to find the culprit.
                    _ => Failure::Batched(error),
                });
            }
        };
        let inserted: HashSet<&str> = inserted.iter().map(String::as_str).collect();
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
}

/// A known client: its group and last mutation id.
struct KnownClient {
    group_id: String,
    last_mutation_id: i64,
}

/// The groups and clients a batch names, as stored plus what the batch changed so far.
struct Registry {
    groups: HashMap<String, ClientGroup>,
    clients: HashMap<String, KnownClient>,
    /// Clients whose lastMutationID the batch advanced.
    changed_clients: BTreeSet<String>,
    /// Groups pushed to: to create, or whose last-seen time may need a refresh.
    touched_groups: BTreeSet<String>,
}

impl Registry {
    /// Reads every client the batch names with its group, and the groups of pushes
    /// whose clients are all new: at most two queries.
    fn load(conn: &mut DbConn, jobs: &[&PushJob]) -> Result<Self, Failure> {
        let mut ids: Vec<&str> = jobs
            .iter()
            .flat_map(|job| job.request.mutations.iter())
            .map(|m| m.client_id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut registry = Registry {
            groups: HashMap::new(),
            clients: HashMap::with_capacity(ids.len()),
            changed_clients: BTreeSet::new(),
            touched_groups: BTreeSet::new(),
        };
        for (client, group) in ClientRepo::find_with_groups(conn, &ids)? {
            let known = KnownClient {
                group_id: client.client_group_id,
                last_mutation_id: client.last_mutation_id,
            };
            registry.clients.insert(client.id, known);
            registry.groups.insert(group.id.clone(), group);
        }
        let mut missing: Vec<&str> = jobs
            .iter()
            .map(|job| job.request.client_group_id.as_str())
            .filter(|id| !registry.groups.contains_key(*id))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            for group in ClientGroupRepo::find_all(conn, &missing)? {
                registry.groups.insert(group.id.clone(), group);
            }
        }
        Ok(registry)
    }

    /// Refuses a client registered in another group than `group_id`.
    fn check_membership(&self, client_id: &str, group_id: &str) -> Result<(), Failure> {
        match self.clients.get(client_id) {
            Some(known) if known.group_id != group_id => Err(Failure::Forbidden(format!(
                "client {client_id} belongs to another client group"
            ))),
            _ => Ok(()),
        }
    }

    fn last_mutation_id(&self, client_id: &str) -> i64 {
        self.clients
            .get(client_id)
            .map_or(0, |known| known.last_mutation_id)
    }

    fn advance(&mut self, client_id: &str, group_id: &str, last_mutation_id: i64) {
        let known = KnownClient {
            group_id: group_id.to_string(),
            last_mutation_id,
        };
        self.clients.insert(client_id.to_string(), known);
        self.changed_clients.insert(client_id.to_string());
    }

    /// Records that the group was pushed to now, by `user_id` when it is new.
    fn touch_group(&mut self, group_id: &str, user_id: &str) {
        if !self.groups.contains_key(group_id) {
            let epoch = NaiveDateTime::default();
            let group = ClientGroup {
                id: group_id.to_string(),
                user_id: user_id.to_string(),
                last_seen: epoch,
                deleted_at: None,
            };
            self.groups.insert(group_id.to_string(), group);
        }
        self.touched_groups.insert(group_id.to_string());
    }

    /// Writes the touched groups whose last-seen time is stale (or that are new) and
    /// every changed client; true when anything changed.
    fn save(&self, conn: &mut DbConn, version: i64, now: NaiveDateTime) -> Result<bool, Failure> {
        for group_id in &self.touched_groups {
            let Some(group) = self.groups.get(group_id) else {
                continue;
            };
            if needs_touch(group, now) {
                let row = NewClientGroup {
                    id: group_id,
                    user_id: &group.user_id,
                    last_seen: now,
                };
                ClientGroupRepo::upsert(conn, &row)?;
            }
        }
        let rows: Vec<NewClient> = self
            .changed_clients
            .iter()
            .filter_map(|id| {
                self.clients.get(id).map(|known| NewClient {
                    id,
                    client_group_id: &known.group_id,
                    last_mutation_id: known.last_mutation_id,
                    version,
                    last_seen: now,
                })
            })
            .collect();
        ClientRepo::upsert_all(conn, &rows)?;
        Ok(!rows.is_empty())
    }
}

/// How stale a group's last-seen time may get before a push refreshes it (GC works in
/// days, so a write per push would be wasted).
const LAST_SEEN_RESOLUTION_SECS: i64 = 60;

/// True when the group row must be written: it is new (its last-seen time is the
/// epoch placeholder) or its last-seen time is stale.
fn needs_touch(group: &ClientGroup, now: NaiveDateTime) -> bool {
    (now - group.last_seen).num_seconds() >= LAST_SEEN_RESOLUTION_SECS
}
