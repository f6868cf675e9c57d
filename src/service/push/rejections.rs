//! The rejected mutations of a batch, written at its end as the error entries of their
//! client groups' views (`error/<clientID>/<mutationID>`), at most
//! [`KEPT_PER_CLIENT`] per client: older ones are tombstoned.

use crate::db::DbConn;
use crate::domain::{ClientGroupId, ClientId, MutationId, Version};
use crate::models::NewRejectedMutation;
use crate::repository::RejectedRepo;
use chrono::NaiveDateTime;
use diesel::result::QueryResult;
use std::collections::BTreeSet;

/// The newest rejections kept per client.
pub const KEPT_PER_CLIENT: usize = 20;

/// One rejection waiting to be written.
struct Pending<'a> {
    client: &'a ClientId,
    id: MutationId,
    group: &'a ClientGroupId,
    name: &'a str,
    reason: String,
}

/// The rejections of a batch.
#[derive(Default)]
pub(super) struct Rejections<'a> {
    pending: Vec<Pending<'a>>,
}

impl<'a> Rejections<'a> {
    /// Records that mutation `id` (`name`) of `client` in `group` was refused for `reason`.
    pub(super) fn add(
        &mut self,
        client: &'a ClientId,
        id: MutationId,
        group: &'a ClientGroupId,
        name: &'a str,
        reason: String,
    ) {
        self.pending.push(Pending {
            client,
            id,
            group,
            name,
            reason,
        });
    }

    /// Writes the rejections under `version` and trims each client's to the newest
    /// [`KEPT_PER_CLIENT`]. Nothing to do (and no query) for a batch without rejections.
    pub(super) fn save(
        &self,
        conn: &mut DbConn,
        version: Version,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let rows: Vec<NewRejectedMutation> = self
            .pending
            .iter()
            .map(|p| NewRejectedMutation {
                client_id: p.client,
                mutation_id: p.id,
                client_group_id: p.group,
                name: p.name,
                reason: &p.reason,
                created_at: now,
                deleted: false,
                version,
            })
            .collect();
        RejectedRepo::insert_all(conn, &rows)?;
        let clients: BTreeSet<&ClientId> = self.pending.iter().map(|p| p.client).collect();
        for client in clients {
            let live = RejectedRepo::live_ids_of(conn, client)?;
            if live.len() > KEPT_PER_CLIENT {
                RejectedRepo::soft_delete(conn, client, &live[KEPT_PER_CLIENT..], version, now)?;
            }
        }
        Ok(())
    }
}
