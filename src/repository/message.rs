//! Queries on `message`.

use crate::db::DbConn;
use crate::models::{Message, NewMessage};
use crate::schema::message;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Reads and writes chat messages.
pub struct MessageRepo;

impl MessageRepo {
    /// Inserts `new` unless a message with its id exists (live or deleted).
    /// Returns whether a row was inserted.
    pub fn insert(conn: &mut DbConn, new: &NewMessage<'_>) -> QueryResult<bool> {
        let inserted = crate::with_conn!(conn, c => diesel::insert_into(message::table)
            .values(new)
            .on_conflict(message::id)
            .do_nothing()
            .execute(c))?;
        Ok(inserted == 1)
    }

    /// Replaces the content of a live message. Returns whether one was updated.
    pub fn update_content(
        conn: &mut DbConn,
        id: &str,
        content: &str,
        version: i64,
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
        id: &str,
        version: i64,
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
    pub fn purge_tombstones(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<Option<i64>> {
        let target = message::table
            .filter(message::deleted.eq(true))
            .filter(message::deleted_at.lt(before));
        let versions: Vec<i64> = crate::with_conn!(conn, c => diesel::delete(target)
            .returning(message::version)
            .get_results(c))?;
        Ok(versions.into_iter().max())
    }

    /// Every message (tombstones included) written after `version`.
    pub fn changed_since(conn: &mut DbConn, version: i64) -> QueryResult<Vec<Message>> {
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

    /// One message by id, live or deleted.
    pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Message>> {
        crate::with_conn!(conn, c => message::table
            .find(id)
            .select(Message::as_select())
            .first(c)
            .optional())
    }
}
