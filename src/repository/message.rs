//! Queries on `message`.

use super::IDS_PER_QUERY;
use crate::db::DbConn;
use crate::domain::{MessageId, RoomId, Version};
use crate::models::{Message, NewMessage};
use crate::schema::message;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Rows per multi-row INSERT (PostgreSQL binds at most 65,535 values per statement;
/// a message row binds eight).
const ROWS_PER_INSERT: usize = 5_000;

/// Reads and writes chat messages.
pub struct MessageRepo;

impl MessageRepo {
    /// Inserts every row whose id is not taken yet (live or deleted) and returns the ids
    /// inserted. The ids of `rows` must be distinct. One statement per chunk on
    /// PostgreSQL; one per row on SQLite (in-process, and Diesel has no multi-row
    /// `ON CONFLICT` there).
    pub fn insert_new(conn: &mut DbConn, rows: &[NewMessage<'_>]) -> QueryResult<Vec<MessageId>> {
        macro_rules! insert {
            ($values:expr) => {
                diesel::insert_into(message::table)
                    .values($values)
                    .on_conflict(message::id)
                    .do_nothing()
            };
        }
        let mut inserted = Vec::with_capacity(rows.len());
        match conn {
            DbConn::Pg(c) => {
                for chunk in rows.chunks(ROWS_PER_INSERT) {
                    inserted.extend(insert!(chunk).returning(message::id).get_results(c)?);
                }
            }
            DbConn::Sqlite(c) => {
                for row in rows {
                    if insert!(row).execute(c)? == 1 {
                        inserted.push(row.id.clone());
                    }
                }
            }
        }
        Ok(inserted)
    }

    /// Replaces the content of a live message. Returns whether one was updated.
    pub fn update_content(
        conn: &mut DbConn,
        id: &MessageId,
        content: &str,
        version: Version,
    ) -> QueryResult<bool> {
        let target = message::table
            .filter(message::id.eq(id))
            .filter(message::deleted.eq(false));
        let updated = crate::with_conn!(conn, c => diesel::update(target)
            .set((message::content.eq(content), message::version.eq(version)))
            .execute(c))?;
        Ok(updated == 1)
    }

    /// Marks a live message deleted at `now` (a tombstone). Returns whether one was deleted.
    pub fn soft_delete(
        conn: &mut DbConn,
        id: &MessageId,
        version: Version,
        now: NaiveDateTime,
    ) -> QueryResult<bool> {
        let target = message::table
            .filter(message::id.eq(id))
            .filter(message::deleted.eq(false));
        let updated = crate::with_conn!(conn, c => diesel::update(target)
            .set((
                message::deleted.eq(true),
                message::version.eq(version),
                message::deleted_at.eq(now),
            ))
            .execute(c))?;
        Ok(updated == 1)
    }

    /// Removes tombstones deleted before `before`; returns the highest version removed.
    pub fn purge_tombstones(
        conn: &mut DbConn,
        before: NaiveDateTime,
    ) -> QueryResult<Option<Version>> {
        let target = message::table
            .filter(message::deleted.eq(true))
            .filter(message::deleted_at.lt(before));
        let versions: Vec<Version> = crate::with_conn!(conn, c => diesel::delete(target)
            .returning(message::version)
            .get_results(c))?;
        Ok(versions.into_iter().max())
    }

    /// Every message (tombstones included) written after `version`.
    pub fn changed_since(conn: &mut DbConn, version: Version) -> QueryResult<Vec<Message>> {
        crate::with_conn!(conn, c => message::table
            .filter(message::version.gt(version))
            .select(Message::as_select())
            .load(c))
    }

    /// Every live message.
    pub fn all_live(conn: &mut DbConn) -> QueryResult<Vec<Message>> {
        crate::with_conn!(conn, c => message::table
            .filter(message::deleted.eq(false))
            .select(Message::as_select())
            .load(c))
    }

    /// The messages among `ids` that exist, live or deleted, in any order.
    pub fn find_all(conn: &mut DbConn, ids: &[&MessageId]) -> QueryResult<Vec<Message>> {
        let mut found = Vec::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            found.extend(crate::with_conn!(conn, c => message::table
                .filter(message::id.eq_any(chunk))
                .select(Message::as_select())
                .load(c))?);
        }
        Ok(found)
    }

    /// The messages of `rooms` (tombstones included) written after `version` (every one
    /// for [`Version::BEFORE_ALL`]): one index range per room.
    pub fn in_rooms_since(
        conn: &mut DbConn,
        rooms: &[&RoomId],
        version: Version,
    ) -> QueryResult<Vec<Message>> {
        let mut found = Vec::new();
        for chunk in rooms.chunks(IDS_PER_QUERY) {
            found.extend(crate::with_conn!(conn, c => message::table
                .filter(message::room_id.eq_any(chunk))
                .filter(message::version.gt(version))
                .select(Message::as_select())
                .load(c))?);
        }
        Ok(found)
    }

    /// The live messages of `rooms`.
    pub fn live_in_rooms(conn: &mut DbConn, rooms: &[&RoomId]) -> QueryResult<Vec<Message>> {
        let mut found = Vec::new();
        for chunk in rooms.chunks(IDS_PER_QUERY) {
            found.extend(crate::with_conn!(conn, c => message::table
                .filter(message::room_id.eq_any(chunk))
                .filter(message::deleted.eq(false))
                .select(Message::as_select())
                .load(c))?);
        }
        Ok(found)
    }

    /// Removes every message of `rooms` (purged rooms).
    pub fn purge_rooms(conn: &mut DbConn, rooms: &[&RoomId]) -> QueryResult<usize> {
        let mut purged = 0;
        for chunk in rooms.chunks(IDS_PER_QUERY) {
            let target = message::table.filter(message::room_id.eq_any(chunk));
            purged += crate::with_conn!(conn, c => diesel::delete(target).execute(c))?;
        }
        Ok(purged)
    }
}
