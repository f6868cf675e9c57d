//! Rows of `room` and `room_member`.

use crate::domain::{Role, RoomId, UserId, Version, Visibility};
use crate::schema::{room, room_member};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A chat room; `deleted` rows are tombstones.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = room)]
pub struct Room {
    /// Client-chosen id; the key is `room/<id>`.
    pub id: RoomId,
    /// Display name.
    pub name: String,
    /// Who can read it; never changes.
    pub visibility: Visibility,
    /// The user who created it (`""` for `general`).
    pub owner_id: UserId,
    /// Version of the push that created it.
    pub created_version: Version,
    /// Soft-delete flag.
    pub deleted: bool,
    /// Global version of the last write to this row.
    pub version: Version,
    /// When it was deleted (UTC), for purging old tombstones.
    pub deleted_at: Option<NaiveDateTime>,
}

/// A room to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = room)]
pub struct NewRoom<'a> {
    /// Client-chosen id.
    pub id: &'a RoomId,
    /// Display name.
    pub name: &'a str,
    /// Who can read it.
    pub visibility: Visibility,
    /// Its creator.
    pub owner_id: &'a UserId,
    /// Version of the push that creates it.
    pub created_version: Version,
    /// Always false for a new room.
    pub deleted: bool,
    /// Version of the push that creates it.
    pub version: Version,
}

/// A user's membership of a private room; `deleted` rows are former members.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = room_member)]
pub struct RoomMember {
    /// The room.
    pub room_id: RoomId,
    /// The member.
    pub user_id: UserId,
    /// Owner or member.
    pub role: Role,
    /// Version of the push that (last) made them a member.
    pub created_version: Version,
    /// Soft-delete flag: they left or were removed.
    pub deleted: bool,
    /// Global version of the last write to this row.
    pub version: Version,
    /// When they left (UTC), for purging old tombstones.
    pub deleted_at: Option<NaiveDateTime>,
    /// The version at which they last left, kept when they join again.
    pub left_version: Option<Version>,
}

/// A membership to insert, or to make live again (upsert by room and user).
#[derive(Debug, Insertable)]
#[diesel(table_name = room_member)]
pub struct NewRoomMember<'a> {
    /// The room.
    pub room_id: &'a RoomId,
    /// The member.
    pub user_id: &'a UserId,
    /// Owner or member.
    pub role: Role,
    /// Version of the push that makes them a member.
    pub created_version: Version,
    /// Always false.
    pub deleted: bool,
    /// Version of the push that makes them a member.
    pub version: Version,
}
