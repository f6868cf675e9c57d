//! Queries on `replicache_client`.

use super::IDS_PER_QUERY;
use crate::db::DbConn;
use crate::domain::{ClientGroupId, ClientId, MutationId, Version};
use crate::models::{Client, ClientGroup, NewClient};
use crate::schema::replicache_client as client;
use crate::schema::replicache_client_group as client_group;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;

/// Reads and writes clients and their last mutation ids.
pub struct ClientRepo;

impl ClientRepo {
    /// The clients among `ids` that exist, each with its group, in any order.
    pub fn find_with_groups(
        conn: &mut DbConn,
        ids: &[&ClientId],
    ) -> QueryResult<Vec<(Client, ClientGroup)>> {
        let mut found = Vec::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            found.extend(crate::with_conn!(conn, c => client::table
                .inner_join(client_group::table)
                .filter(client::id.eq_any(chunk))
                .select((Client::as_select(), ClientGroup::as_select()))
                .load(c))?);
        }
        Ok(found)
    }

    /// Inserts each client, or updates last mutation id, version and last-seen time of
    /// those that exist. The ids of `rows` must be distinct. One statement per chunk
    /// on PostgreSQL; one per row on SQLite (in-process, and Diesel has no multi-row
    /// upsert there).
    pub fn upsert_all(conn: &mut DbConn, rows: &[NewClient<'_>]) -> QueryResult<()> {
        macro_rules! upsert {
            ($values:expr) => {
                diesel::insert_into(client::table)
                    .values($values)
                    .on_conflict(client::id)
                    .do_update()
                    .set((
                        client::last_mutation_id.eq(excluded(client::last_mutation_id)),
                        client::version.eq(excluded(client::version)),
                        client::last_seen.eq(excluded(client::last_seen)),
                    ))
            };
        }
        match conn {
            DbConn::Pg(c) => {
                for chunk in rows.chunks(IDS_PER_QUERY) {
                    upsert!(chunk).execute(c)?;
                }
            }
            DbConn::Sqlite(c) => {
                for row in rows {
                    upsert!(row).execute(c)?;
                }
            }
        }
        Ok(())
    }

    /// Deletes clients that last pushed before `before`; returns how many.
    pub fn delete_idle(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
        let target = client::table.filter(client::last_seen.lt(before));
        crate::with_conn!(conn, c => diesel::delete(target).execute(c))
    }

    /// `(clientID, lastMutationID)` of the group's clients changed after `version`
    /// (every client of the group for [`Version::BEFORE_ALL`]).
    pub fn mutation_ids_since(
        conn: &mut DbConn,
        group_id: &ClientGroupId,
        version: Version,
    ) -> QueryResult<Vec<(ClientId, MutationId)>> {
        let query = client::table
            .filter(client::client_group_id.eq(group_id))
            .filter(client::version.gt(version))
            .select((client::id, client::last_mutation_id));
        crate::with_conn!(conn, c => query.load(c))
    }
}
