//! Queries on the single `replicache_server` row.

use crate::db::DbConn;
use crate::domain::Version;
use crate::models::ServerState;
use crate::schema::replicache_server as server;
use diesel::prelude::*;

/// Id of the one row of `replicache_server`.
const SERVER_ROW: i32 = 1;

/// Reads and advances the global version.
pub struct ServerRepo;

impl ServerRepo {
    /// The current global version and tombstone horizon.
    pub fn state(conn: &mut DbConn) -> QueryResult<ServerState> {
        crate::with_conn!(conn, c => server::table
            .find(SERVER_ROW)
            .select(ServerState::as_select())
            .first(c))
    }

    /// Advances the global version by one and returns the new value: the version a
    /// push stamps on everything it writes.
    pub fn bump_version(conn: &mut DbConn) -> QueryResult<Version> {
        let target = server::table.find(SERVER_ROW);
        crate::with_conn!(conn, c => diesel::update(target)
            .set(server::version.eq(server::version + 1))
            .returning(server::version)
            .get_result(c))
    }

    /// Raises the tombstone horizon to at least `version`.
    pub fn raise_tombstone_horizon(conn: &mut DbConn, version: Version) -> QueryResult<()> {
        let target = server::table
            .find(SERVER_ROW)
            .filter(server::tombstone_horizon.lt(version));
        crate::with_conn!(conn, c => diesel::update(target)
            .set(server::tombstone_horizon.eq(version))
            .execute(c))?;
        Ok(())
    }

    /// Records that `version` wrote rooms or memberships (it changed who can read what).
    pub fn mark_access_change(conn: &mut DbConn, version: Version) -> QueryResult<()> {
        let target = server::table.find(SERVER_ROW);
        crate::with_conn!(conn, c => diesel::update(target)
            .set(server::access_version.eq(version))
            .execute(c))?;
        Ok(())
    }

    /// Raises the global version to at least `version`.
    pub fn raise_version(conn: &mut DbConn, version: Version) -> QueryResult<()> {
        let target = server::table
            .find(SERVER_ROW)
            .filter(server::version.lt(version));
        crate::with_conn!(conn, c => diesel::update(target)
            .set(server::version.eq(version))
            .execute(c))?;
        Ok(())
    }
}
