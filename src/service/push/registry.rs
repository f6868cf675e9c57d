//! The groups and clients a batch names: read once up front, kept up to date in memory
//! while the batch runs (so a later push of the batch sees the earlier ones), and
//! written at the end in one statement.

use super::failure::PushFailure;
use super::PushJob;
use crate::db::DbConn;
use crate::domain::{ClientGroupId, ClientId, MutationId, UserId, Version};
use crate::models::{ClientGroup, NewClient, NewClientGroup};
use crate::repository::{ClientGroupRepo, ClientRepo};
use crate::service::access::GroupRefusal;
use chrono::NaiveDateTime;
use std::collections::{BTreeSet, HashMap};

/// How stale a group's last-seen time may get before a push refreshes it (GC works in
/// days, so a write per push would be wasted).
const LAST_SEEN_RESOLUTION_SECS: i64 = 60;

/// A known client: its group and last mutation id.
struct KnownClient {
    group_id: ClientGroupId,
    last_mutation_id: MutationId,
}

/// The groups and clients of a batch, as stored plus what the batch changed so far.
pub(super) struct Registry {
    groups: HashMap<ClientGroupId, ClientGroup>,
    clients: HashMap<ClientId, KnownClient>,
    /// Clients whose lastMutationID the batch advanced.
    changed_clients: BTreeSet<ClientId>,
    /// Groups pushed to: to create, or whose last-seen time may need a refresh.
    touched_groups: BTreeSet<ClientGroupId>,
}

impl Registry {
    /// Reads every client the batch names with its group, and the groups of pushes
    /// whose clients are all new: at most two queries.
    pub(super) fn load(conn: &mut DbConn, jobs: &[&PushJob]) -> Result<Self, PushFailure> {
        let mut ids: Vec<&ClientId> = jobs
            .iter()
            .flat_map(|job| job.mutations.iter())
            .map(|m| &m.client_id)
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
        let mut missing: Vec<&ClientGroupId> = jobs
            .iter()
            .map(|job| &job.group_id)
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

    /// The stored group, if any.
    pub(super) fn group(&self, id: &ClientGroupId) -> Option<&ClientGroup> {
        self.groups.get(id)
    }

    /// Refuses a client registered in another group than `group_id`.
    pub(super) fn check_membership(
        &self,
        client_id: &ClientId,
        group_id: &ClientGroupId,
    ) -> Result<(), GroupRefusal> {
        match self.clients.get(client_id) {
            Some(known) if &known.group_id != group_id => Err(GroupRefusal::Forbidden(format!(
                "client {client_id} belongs to another client group"
            ))),
            _ => Ok(()),
        }
    }

    /// The client's lastMutationID as the batch stands.
    pub(super) fn last_mutation_id(&self, client_id: &ClientId) -> MutationId {
        self.clients
            .get(client_id)
            .map_or(MutationId::NONE, |known| known.last_mutation_id)
    }

    /// Records a client's new lastMutationID.
    pub(super) fn advance(
        &mut self,
        client_id: &ClientId,
        group_id: &ClientGroupId,
        last_mutation_id: MutationId,
    ) {
        let known = KnownClient {
            group_id: group_id.clone(),
            last_mutation_id,
        };
        self.clients.insert(client_id.clone(), known);
        self.changed_clients.insert(client_id.clone());
    }

    /// Records that the group was pushed to now, by `user_id` when it is new.
    pub(super) fn touch_group(&mut self, group_id: &ClientGroupId, user_id: &UserId) {
        if !self.groups.contains_key(group_id) {
            let group = ClientGroup {
                id: group_id.clone(),
                user_id: user_id.clone(),
                // The epoch: a new group is always written.
                last_seen: NaiveDateTime::default(),
                deleted_at: None,
            };
            self.groups.insert(group_id.clone(), group);
        }
        self.touched_groups.insert(group_id.clone());
    }

    /// Writes the touched groups whose last-seen time is stale (or that are new) and
    /// every changed client; true when anything changed.
    pub(super) fn save(
        &self,
        conn: &mut DbConn,
        version: Version,
        now: NaiveDateTime,
    ) -> Result<bool, PushFailure> {
        for group_id in &self.touched_groups {
            let Some(group) = self.groups.get(group_id) else {
                continue;
            };
            if (now - group.last_seen).num_seconds() >= LAST_SEEN_RESOLUTION_SECS {
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
