//! Queries on `replicache_client_group`.

use crate::db::DbConn;
use crate::models::{ClientGroup, NewClientGroup};
use crate::schema::replicache_client_group as client_group;
use diesel::prelude::*;
use diesel::upsert::excluded;

/// Reads and writes client groups.
pub struct ClientGroupRepo;

impl ClientGroupRepo {
    /// The group with this id, tombstoned or not.
    pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<ClientGroup>> {
        crate::with_conn!(conn, c => client_group::table
            .find(id)
            .select(ClientGroup::as_select())
            .first(c)
            .optional())
    }

    /// Creates the group, or refreshes its last-seen time (the owner never changes).
    pub fn upsert(conn: &mut DbConn, row: &NewClientGroup<'_>) -> QueryResult<()> {
        crate::with_conn!(conn, c => diesel::insert_into(client_group::table)
            .values(row)
            .on_conflict(client_group::id)
            .do_update()
            .set(client_group::last_seen.eq(excluded(client_group::last_seen)))
            .execute(c))?;
        Ok(())
    }
}
