//! Rows of `message`.

use crate::domain::{MessageId, RoomId, UserId, Version};
use crate::schema::message;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A chat message as stored; `deleted` rows are tombstones.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = message)]
pub struct Message {
    /// Client-chosen id (nanoid); the key is `message/<id>`.
    pub id: MessageId,
    /// Display name of the author as the client sent it (`from` on the wire).
    pub sender: String,
    /// Message text.
    pub content: String,
    /// Client-chosen sort position (`order` on the wire).
    pub ord: i64,
    /// Soft-delete flag.
    pub deleted: bool,
    /// Global version of the last write to this row.
    pub version: Version,
    /// When it was deleted (UTC), for purging old tombstones.
    pub deleted_at: Option<NaiveDateTime>,
    /// The room it was posted in.
    pub room_id: RoomId,
    /// The user who posted it (`author` on the wire), as the server authenticated them.
    pub author_id: UserId,
}

/// A message to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = message)]
pub struct NewMessage<'a> {
    /// Client-chosen id.
    pub id: &'a MessageId,
    /// Display name of the author.
    pub sender: &'a str,
    /// Text.
    pub content: &'a str,
    /// Sort position.
    pub ord: i64,
    /// Always false for a new message.
    pub deleted: bool,
    /// Version of the push that creates it.
    pub version: Version,
    /// Its room.
    pub room_id: &'a RoomId,
    /// The authenticated user posting it.
    pub author_id: &'a UserId,
}
