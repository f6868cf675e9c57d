//! The kinds of entry: rooms, members and messages live in rooms; rejected mutations in
//! client groups (mappings in `dto`, queries in `repository`).
//!
//! A kind that lives in rooms is a [`TableKind`]: the four reads of its table and the
//! mapping of a row onto its room and its entry.

use super::{encoding, GroupKind, RoomEntry, RoomKind, Rooms};
use crate::db::DbConn;
use crate::domain::{ClientGroupId, RoomId, Version};
use crate::dto::{member_entry, message_entry, rejection_entry, room_entry, ViewEntry};
use crate::models::{Message, Room, RoomMember};
use crate::repository::{MemberRepo, MessageRepo, RejectedRepo, RoomRepo};
use diesel::result::QueryResult;
use std::collections::HashSet;

/// A table whose rows are entries of rooms.
pub struct TableKind<R: 'static> {
    /// Every live row.
    all_live: fn(&mut DbConn) -> QueryResult<Vec<R>>,
    /// The live rows of some rooms.
    live_in: fn(&mut DbConn, &[&RoomId]) -> QueryResult<Vec<R>>,
    /// Every row written after a version, tombstones included.
    changed_since: fn(&mut DbConn, Version) -> QueryResult<Vec<R>>,
    /// The rows of some rooms written after a version, tombstones included.
    changed_in: fn(&mut DbConn, &[&RoomId], Version) -> QueryResult<Vec<R>>,
    /// The room a row belongs to.
    room: fn(&R) -> &RoomId,
    /// The entry of a row (`del` for a tombstone).
    entry: fn(&R) -> serde_json::Result<ViewEntry>,
    /// Whether its rows decide who can read what (every write of one marks the
    /// server's access version).
    grants_access: bool,
}

impl<R: Sync> TableKind<R> {
    fn entries(&self, rows: Vec<R>) -> QueryResult<Vec<RoomEntry>> {
        rows.iter()
            .map(|row| {
                Ok(RoomEntry {
                    room: (self.room)(row).clone(),
                    entry: (self.entry)(row).map_err(encoding)?,
                })
            })
            .collect()
    }
}

impl<R: Sync> RoomKind for TableKind<R> {
    fn grants_access(&self) -> bool {
        self.grants_access
    }

    fn live(&self, conn: &mut DbConn, rooms: Rooms<'_>) -> QueryResult<Vec<RoomEntry>> {
        self.entries(match rooms {
            Rooms::All => (self.all_live)(conn)?,
            Rooms::Only(ids) => (self.live_in)(conn, ids)?,
        })
    }

    fn changed(
        &self,
        conn: &mut DbConn,
        rooms: Rooms<'_>,
        v: Version,
    ) -> QueryResult<Vec<RoomEntry>> {
        self.entries(match rooms {
            Rooms::All => (self.changed_since)(conn, v)?,
            Rooms::Only(ids) => (self.changed_in)(conn, ids, v)?,
        })
    }
}

/// `room/<id>`: the room itself.
pub const ROOMS: TableKind<Room> = TableKind {
    all_live: RoomRepo::all_live,
    live_in: live_rooms_in,
    changed_since: RoomRepo::changed_since,
    changed_in: rooms_changed_in,
    room: |row| &row.id,
    entry: room_entry,
    grants_access: true,
};

/// `member/<roomID>/<userID>`: the members of private rooms.
pub const MEMBERS: TableKind<RoomMember> = TableKind {
    all_live: MemberRepo::all_live,
    live_in: live_members_in,
    changed_since: MemberRepo::changed_since,
    changed_in: MemberRepo::in_rooms_since,
    room: |row| &row.room_id,
    entry: member_entry,
    grants_access: true,
};

/// `message/<id>`: the messages.
pub const MESSAGES: TableKind<Message> = TableKind {
    all_live: MessageRepo::all_live,
    live_in: MessageRepo::live_in_rooms,
    changed_since: MessageRepo::changed_since,
    changed_in: MessageRepo::in_rooms_since,
    room: |row| &row.room_id,
    entry: message_entry,
    grants_access: false,
};

fn live_rooms_in(conn: &mut DbConn, ids: &[&RoomId]) -> QueryResult<Vec<Room>> {
    let mut rows = RoomRepo::find_all(conn, ids)?;
    rows.retain(|row| !row.deleted);
    Ok(rows)
}

/// Few rooms change between two pulls: read those, through the version index.
fn rooms_changed_in(conn: &mut DbConn, ids: &[&RoomId], v: Version) -> QueryResult<Vec<Room>> {
    let wanted: HashSet<&RoomId> = ids.iter().copied().collect();
    let mut rows = RoomRepo::changed_since(conn, v)?;
    rows.retain(|row| wanted.contains(&row.id));
    Ok(rows)
}

fn live_members_in(conn: &mut DbConn, ids: &[&RoomId]) -> QueryResult<Vec<RoomMember>> {
    let mut rows = MemberRepo::in_rooms_since(conn, ids, Version::BEFORE_ALL)?;
    rows.retain(|row| !row.deleted);
    Ok(rows)
}

/// `error/<clientID>/<mutationID>`: the group's rejected mutations.
pub struct Rejections;

impl GroupKind for Rejections {
    fn changed(
        &self,
        conn: &mut DbConn,
        group: &ClientGroupId,
        version: Version,
    ) -> QueryResult<Vec<ViewEntry>> {
        RejectedRepo::of_group_since(conn, group, version)?
            .iter()
            .map(|row| rejection_entry(row).map_err(encoding))
            .collect()
    }
}
