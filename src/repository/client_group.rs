//! Queries on `replicache_client_group`.

use crate::db::DbConn;
use crate::domain::ClientGroupId;
use crate::models::{ClientGroup, NewClientGroup};
use crate::schema::replicache_client as client;
use crate::schema::replicache_client_group as client_group;
use chrono::NaiveDateTime;
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::upsert::excluded;

/// Reads and writes client groups.
pub struct ClientGroupRepo;

impl ClientGroupRepo {
    /// The group with this id, tombstoned or not.
    pub fn find(conn: &mut DbConn, id: &ClientGroupId) -> QueryResult<Option<ClientGroup>> {
        crate::with_conn!(conn, c => client_group::table
            .find(id)
            .select(ClientGroup::as_select())
            .first(c)
            .optional())
    }

    /// The groups among `ids` that exist, tombstoned or not, in any order.
    pub fn find_all(conn: &mut DbConn, ids: &[&ClientGroupId]) -> QueryResult<Vec<ClientGroup>> {
        crate::with_conn!(conn, c => client_group::table
            .filter(client_group::id.eq_any(ids))
            .select(ClientGroup::as_select())
            .load(c))
    }

    /// Tombstones groups idle since before `before` that have no clients left; returns
    /// how many. A tombstoned group answers `ClientStateNotFound` from then on.
    pub fn tombstone_empty(
        conn: &mut DbConn,
        before: NaiveDateTime,
        now: NaiveDateTime,
    ) -> QueryResult<usize> {
        let has_clients =
            exists(client::table.filter(client::client_group_id.eq(client_group::id)));
        let target = client_group::table
            .filter(client_group::deleted_at.is_null())
            .filter(client_group::last_seen.lt(before))
            .filter(not(has_clients));
        crate::with_conn!(conn, c => diesel::update(target)
            .set(client_group::deleted_at.eq(now))
            .execute(c))
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
