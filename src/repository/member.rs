//! Queries on `room_member`.

use super::IDS_PER_QUERY;
use crate::db::DbConn;
use crate::domain::{RoomId, UserId, Version};
use crate::models::{NewRoomMember, RoomMember};
use crate::schema::room_member as member;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;

/// Reads and writes private-room memberships.
pub struct MemberRepo;

impl MemberRepo {
    /// The memberships (live or not) of any of `users` in any of `rooms`.
    pub fn find_for(
        conn: &mut DbConn,
        rooms: &[&RoomId],
        users: &[&UserId],
    ) -> QueryResult<Vec<RoomMember>> {
        // Both lists are bound: at most IDS_PER_QUERY ids in all per statement.
        let half = IDS_PER_QUERY / 2;
        let mut found = Vec::new();
        for room_chunk in rooms.chunks(half) {
            for user_chunk in users.chunks(half) {
                found.extend(crate::with_conn!(conn, c => member::table
                    .filter(member::room_id.eq_any(room_chunk))
                    .filter(member::user_id.eq_any(user_chunk))
                    .select(RoomMember::as_select())
                    .load(c))?);
            }
        }
        Ok(found)
    }

    /// Makes `row`'s user a live member, whether they never were, left, or are.
    pub fn make_live(conn: &mut DbConn, row: &NewRoomMember<'_>) -> QueryResult<()> {
        crate::with_conn!(conn, c => diesel::insert_into(member::table)
            .values(row)
            .on_conflict((member::room_id, member::user_id))
            .do_update()
            .set((
                member::role.eq(excluded(member::role)),
                member::created_version.eq(excluded(member::created_version)),
                member::deleted.eq(false),
                member::version.eq(excluded(member::version)),
                member::deleted_at.eq(None::<NaiveDateTime>),
            ))
            .execute(c))?;
        Ok(())
    }

    /// Ends a live membership at `now`. Returns whether one ended.
    pub fn soft_delete(
        conn: &mut DbConn,
        room: &RoomId,
        user: &UserId,
        version: Version,
        now: NaiveDateTime,
    ) -> QueryResult<bool> {
        let target = member::table
            .filter(member::room_id.eq(room))
            .filter(member::user_id.eq(user))
            .filter(member::deleted.eq(false));
        let updated = crate::with_conn!(conn, c => diesel::update(target)
            .set((
                member::deleted.eq(true),
                member::version.eq(version),
                member::deleted_at.eq(now),
                member::left_version.eq(version),
            ))
            .execute(c))?;
        Ok(updated == 1)
    }

    /// `user`'s memberships (live or ended) written after `version`.
    pub fn of_user_since(
        conn: &mut DbConn,
        user: &UserId,
        version: Version,
    ) -> QueryResult<Vec<RoomMember>> {
        crate::with_conn!(conn, c => member::table
            .filter(member::user_id.eq(user))
            .filter(member::version.gt(version))
            .select(RoomMember::as_select())
            .load(c))
    }

    /// The live members of `rooms`.
    pub fn live_users_of(conn: &mut DbConn, rooms: &[&RoomId]) -> QueryResult<Vec<UserId>> {
        let mut users = Vec::new();
        for chunk in rooms.chunks(IDS_PER_QUERY) {
            users.extend(crate::with_conn!(conn, c => member::table
                .filter(member::room_id.eq_any(chunk))
                .filter(member::deleted.eq(false))
                .select(member::user_id)
                .load(c))?);
        }
        Ok(users)
    }

    /// The memberships of `rooms` written after `version` (every one for
    /// [`Version::BEFORE_ALL`]).
    pub fn in_rooms_since(
        conn: &mut DbConn,
        rooms: &[&RoomId],
        version: Version,
    ) -> QueryResult<Vec<RoomMember>> {
        let mut found = Vec::new();
        for chunk in rooms.chunks(IDS_PER_QUERY) {
            found.extend(crate::with_conn!(conn, c => member::table
                .filter(member::room_id.eq_any(chunk))
                .filter(member::version.gt(version))
                .select(RoomMember::as_select())
                .load(c))?);
        }
        Ok(found)
    }

    /// Every membership (ended ones included) written after `version`.
    pub fn changed_since(conn: &mut DbConn, version: Version) -> QueryResult<Vec<RoomMember>> {
        crate::with_conn!(conn, c => member::table
            .filter(member::version.gt(version))
            .select(RoomMember::as_select())
            .load(c))
    }

    /// Every live membership.
    pub fn all_live(conn: &mut DbConn) -> QueryResult<Vec<RoomMember>> {
        crate::with_conn!(conn, c => member::table
            .filter(member::deleted.eq(false))
            .select(RoomMember::as_select())
            .load(c))
    }

    /// Removes ended memberships older than `before`; returns the highest version removed.
    pub fn purge_tombstones(
        conn: &mut DbConn,
        before: NaiveDateTime,
    ) -> QueryResult<Option<Version>> {
        let target = member::table
            .filter(member::deleted.eq(true))
            .filter(member::deleted_at.lt(before));
        let versions: Vec<Version> = crate::with_conn!(conn, c => diesel::delete(target)
            .returning(member::version)
            .get_results(c))?;
        Ok(versions.into_iter().max())
    }

    /// Removes every membership of `rooms` (purged rooms).
    pub fn purge_rooms(conn: &mut DbConn, rooms: &[&RoomId]) -> QueryResult<usize> {
        let mut purged = 0;
        for chunk in rooms.chunks(IDS_PER_QUERY) {
            let target = member::table.filter(member::room_id.eq_any(chunk));
            purged += crate::with_conn!(conn, c => diesel::delete(target).execute(c))?;
        }
        Ok(purged)
    }
}
