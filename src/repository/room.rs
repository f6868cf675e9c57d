//! Queries on `room`.

use super::IDS_PER_QUERY;
use crate::db::DbConn;
use crate::domain::{RoomId, UserId, Version, Visibility};
use crate::models::{NewRoom, Room};
use crate::schema::{room, room_member};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Reads and writes rooms.
pub struct RoomRepo;

impl RoomRepo {
    /// The rooms among `ids` that exist, tombstoned or not, in any order.
    pub fn find_all(conn: &mut DbConn, ids: &[&RoomId]) -> QueryResult<Vec<Room>> {
        let mut found = Vec::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            found.extend(crate::with_conn!(conn, c => room::table
                .filter(room::id.eq_any(chunk))
                .select(Room::as_select())
                .load(c))?);
        }
        Ok(found)
    }

    /// Inserts a new room.
    pub fn insert(conn: &mut DbConn, row: &NewRoom<'_>) -> QueryResult<()> {
        crate::with_conn!(conn, c => diesel::insert_into(room::table).values(row).execute(c))?;
        Ok(())
    }

    /// Renames a live room. Returns whether one was renamed.
    pub fn rename(
        conn: &mut DbConn,
        id: &RoomId,
        name: &str,
        version: Version,
    ) -> QueryResult<bool> {
        let target = room::table
            .filter(room::id.eq(id))
            .filter(room::deleted.eq(false));
        let updated = crate::with_conn!(conn, c => diesel::update(target)
            .set((room::name.eq(name), room::version.eq(version)))
            .execute(c))?;
        Ok(updated == 1)
    }

    /// Marks a live room deleted at `now`. Returns whether one was deleted.
    pub fn soft_delete(
        conn: &mut DbConn,
        id: &RoomId,
        version: Version,
        now: NaiveDateTime,
    ) -> QueryResult<bool> {
        let target = room::table
            .filter(room::id.eq(id))
            .filter(room::deleted.eq(false));
        let updated = crate::with_conn!(conn, c => diesel::update(target)
            .set((
                room::deleted.eq(true),
                room::version.eq(version),
                room::deleted_at.eq(now),
            ))
            .execute(c))?;
        Ok(updated == 1)
    }

    /// The ids of every live room `user` can read: the public ones (through the
    /// visibility index) and the private ones they are a live member of (through their
    /// memberships, then each room by its key), so the cost follows what the user can
    /// read, not how many rooms exist.
    pub fn readable_by(conn: &mut DbConn, user: &UserId) -> QueryResult<Vec<RoomId>> {
        let public = room::table
            .filter(room::visibility.eq(Visibility::Public))
            .filter(room::deleted.eq(false))
            .select(room::id);
        let mut ids: Vec<RoomId> = crate::with_conn!(conn, c => public.load(c))?;
        let joined = room_member::table
            .filter(room_member::user_id.eq(user))
            .filter(room_member::deleted.eq(false))
            .select(room_member::room_id);
        let joined: Vec<RoomId> = crate::with_conn!(conn, c => joined.load(c))?;
        for chunk in joined.chunks(IDS_PER_QUERY) {
            let private = room::table
                .filter(room::id.eq_any(chunk))
                .filter(room::visibility.eq(Visibility::Private))
                .filter(room::deleted.eq(false))
                .select(room::id);
            ids.extend(crate::with_conn!(conn, c => private.load(c))?);
        }
        Ok(ids)
    }

    /// Every room (tombstones included) written after `version`.
    pub fn changed_since(conn: &mut DbConn, version: Version) -> QueryResult<Vec<Room>> {
        crate::with_conn!(conn, c => room::table
            .filter(room::version.gt(version))
            .select(Room::as_select())
            .load(c))
    }

    /// Every live room.
    pub fn all_live(conn: &mut DbConn) -> QueryResult<Vec<Room>> {
        crate::with_conn!(conn, c => room::table
            .filter(room::deleted.eq(false))
            .select(Room::as_select())
            .load(c))
    }

    /// The tombstones deleted before `before`, which GC purges with their content.
    pub fn tombstones_before(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<Vec<Room>> {
        crate::with_conn!(conn, c => room::table
            .filter(room::deleted.eq(true))
            .filter(room::deleted_at.lt(before))
            .select(Room::as_select())
            .load(c))
    }

    /// Removes the rooms `ids` (their members and messages must be gone already).
    pub fn purge(conn: &mut DbConn, ids: &[&RoomId]) -> QueryResult<usize> {
        let mut purged = 0;
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let target = room::table.filter(room::id.eq_any(chunk));
            purged += crate::with_conn!(conn, c => diesel::delete(target).execute(c))?;
        }
        Ok(purged)
    }
}
