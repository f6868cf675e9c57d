//! Queries on `rejected_mutation`.

use super::IDS_PER_QUERY;
use crate::db::DbConn;
use crate::domain::{ClientGroupId, ClientId, MutationId, Version};
use crate::models::{NewRejectedMutation, RejectedMutation};
use crate::schema::rejected_mutation as rejected;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeMap;

/// Reads and writes the rejected mutations shown to their client groups.
pub struct RejectedRepo;

impl RejectedRepo {
    /// Inserts rejections; an id recorded already (a batch redone) is left as it is.
    pub fn insert_all(conn: &mut DbConn, rows: &[NewRejectedMutation<'_>]) -> QueryResult<()> {
        for row in rows {
            crate::with_conn!(conn, c => diesel::insert_into(rejected::table)
                .values(row)
                .on_conflict((rejected::client_id, rejected::mutation_id))
                .do_nothing()
                .execute(c))?;
        }
        Ok(())
    }

    /// The mutation ids of `client`'s live rejections, newest first.
    pub fn live_ids_of(conn: &mut DbConn, client: &ClientId) -> QueryResult<Vec<MutationId>> {
        crate::with_conn!(conn, c => rejected::table
            .filter(rejected::client_id.eq(client))
            .filter(rejected::deleted.eq(false))
            .order(rejected::mutation_id.desc())
            .select(rejected::mutation_id)
            .load(c))
    }

    /// Tombstones `client`'s rejections `ids`.
    pub fn soft_delete(
        conn: &mut DbConn,
        client: &ClientId,
        ids: &[MutationId],
        version: Version,
        now: NaiveDateTime,
    ) -> QueryResult<usize> {
        let mut deleted = 0;
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let target = rejected::table
                .filter(rejected::client_id.eq(client))
                .filter(rejected::mutation_id.eq_any(chunk));
            deleted += crate::with_conn!(conn, c => diesel::update(target)
                .set((
                    rejected::deleted.eq(true),
                    rejected::version.eq(version),
                    rejected::deleted_at.eq(now),
                ))
                .execute(c))?;
        }
        Ok(deleted)
    }

    /// The rejections of `group`'s clients (tombstones included) written after
    /// `version` (every one for [`Version::BEFORE_ALL`]).
    pub fn of_group_since(
        conn: &mut DbConn,
        group: &ClientGroupId,
        version: Version,
    ) -> QueryResult<Vec<RejectedMutation>> {
        crate::with_conn!(conn, c => rejected::table
            .filter(rejected::client_group_id.eq(group))
            .filter(rejected::version.gt(version))
            .select(RejectedMutation::as_select())
            .load(c))
    }

    /// True when a live rejection was made before `before`.
    pub fn any_live_before(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<bool> {
        let query = rejected::table
            .filter(rejected::deleted.eq(false))
            .filter(rejected::created_at.lt(before))
            .select(rejected::mutation_id);
        let found: Option<MutationId> = crate::with_conn!(conn, c => query.first(c).optional())?;
        Ok(found.is_some())
    }

    /// Tombstones the live rejections made before `before`; returns how many.
    pub fn expire(
        conn: &mut DbConn,
        before: NaiveDateTime,
        version: Version,
        now: NaiveDateTime,
    ) -> QueryResult<usize> {
        let old: Vec<(ClientId, MutationId)> = crate::with_conn!(conn, c => rejected::table
            .filter(rejected::deleted.eq(false))
            .filter(rejected::created_at.lt(before))
            .select((rejected::client_id, rejected::mutation_id))
            .load(c))?;
        let mut by_client: BTreeMap<ClientId, Vec<MutationId>> = BTreeMap::new();
        for (client, id) in old {
            by_client.entry(client).or_default().push(id);
        }
        let mut expired = 0;
        for (client, ids) in by_client {
            expired += Self::soft_delete(conn, &client, &ids, version, now)?;
        }
        Ok(expired)
    }

    /// Removes tombstones deleted before `before`; returns the highest version removed.
    pub fn purge_tombstones(
        conn: &mut DbConn,
        before: NaiveDateTime,
    ) -> QueryResult<Option<Version>> {
        let target = rejected::table
            .filter(rejected::deleted.eq(true))
            .filter(rejected::deleted_at.lt(before));
        let versions: Vec<Version> = crate::with_conn!(conn, c => diesel::delete(target)
            .returning(rejected::version)
            .get_results(c))?;
        Ok(versions.into_iter().max())
    }
}
