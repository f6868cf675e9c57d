//! The client view of a client group: the entries of every room its user can read, and
//! the group's own error entries.
//!
//! A kind of entry lives either in a room ([`RoomKind`]: the room itself, its members,
//! its messages) or in a client group ([`GroupKind`]: rejected mutations). Each kind is a
//! table behind a repository plus a DTO mapping of its rows onto entries; the pull and
//! the full-view cache only ask a kind for its live entries or for those written after
//! a version, in some rooms or in all. A new kind (a model, a repository, a mapping and
//! its mutators) adds a line to [`ROOM_KINDS`] or [`GROUP_KINDS`] and changes nothing in
//! the pull algorithm.

mod full_view_cache;
mod kinds;

pub use full_view_cache::{render_uncached, FullViewCache, ViewRead};

use crate::db::DbConn;
use crate::domain::{ClientGroupId, RoomId, UserId, Version};
use crate::dto::ViewEntry;
use diesel::result::{Error as QueryError, QueryResult};

/// Whose view: its user (what they may read) and its client group (its error entries).
#[derive(Debug, Clone, Copy)]
pub struct ViewScope<'a> {
    /// The group's owner.
    pub user: &'a UserId,
    /// The group.
    pub group: &'a ClientGroupId,
}

/// An entry and the room it belongs to.
#[derive(Debug, Clone)]
pub struct RoomEntry {
    /// The room.
    pub room: RoomId,
    /// The entry.
    pub entry: ViewEntry,
}

/// Which rooms a read covers.
#[derive(Debug, Clone, Copy)]
pub enum Rooms<'a> {
    /// Every room (for the full-view cache, which holds all of them).
    All,
    /// These rooms.
    Only(&'a [&'a RoomId]),
}

/// One kind of entry that lives in rooms.
pub trait RoomKind: Sync {
    /// True when its rows decide who can read what (rooms, memberships): every write
    /// of one marks the server's access version, so none was written after a version
    /// at or above the access version.
    fn grants_access(&self) -> bool;

    /// Every live entry of this kind in `rooms`.
    fn live(&self, conn: &mut DbConn, rooms: Rooms<'_>) -> QueryResult<Vec<RoomEntry>>;

    /// Every entry of this kind in `rooms` written after `version`, tombstones (as
    /// `del`) included.
    fn changed(
        &self,
        conn: &mut DbConn,
        rooms: Rooms<'_>,
        version: Version,
    ) -> QueryResult<Vec<RoomEntry>>;
}

/// One kind of entry that belongs to a client group.
pub trait GroupKind: Sync {
    /// Every entry of this kind of `group` written after `version` (every one for
    /// [`Version::BEFORE_ALL`]), tombstones (as `del`) included.
    fn changed(
        &self,
        conn: &mut DbConn,
        group: &ClientGroupId,
        version: Version,
    ) -> QueryResult<Vec<ViewEntry>>;
}

/// Every kind of entry that lives in rooms.
pub const ROOM_KINDS: &[&dyn RoomKind] = &[&kinds::ROOMS, &kinds::MEMBERS, &kinds::MESSAGES];

/// Every kind of entry that belongs to a client group.
pub const GROUP_KINDS: &[&dyn GroupKind] = &[&kinds::Rejections];

/// Reads what `read` asks for, of every room kind, in `rooms`.
pub fn read_rooms(
    conn: &mut DbConn,
    rooms: Rooms<'_>,
    read: ViewRead,
) -> QueryResult<Vec<RoomEntry>> {
    let mut entries = Vec::new();
    for kind in ROOM_KINDS {
        entries.extend(match read {
            ViewRead::AllLive => kind.live(conn, rooms)?,
            ViewRead::ChangedSince(version) => kind.changed(conn, rooms, version)?,
        });
    }
    Ok(entries)
}

/// The entries of every room kind in `rooms` written after `version`. Without
/// `access_changed` (no room or membership written since), the kinds that grant
/// access have nothing to read and are skipped.
pub fn read_rooms_since(
    conn: &mut DbConn,
    rooms: Rooms<'_>,
    version: Version,
    access_changed: bool,
) -> QueryResult<Vec<RoomEntry>> {
    let mut entries = Vec::new();
    for kind in ROOM_KINDS {
        if access_changed || !kind.grants_access() {
            entries.extend(kind.changed(conn, rooms, version)?);
        }
    }
    Ok(entries)
}

/// The entries of every group kind of `group` written after `version`; with
/// [`Version::BEFORE_ALL`], only the live ones (a full view has no `del`).
pub fn read_group(
    conn: &mut DbConn,
    group: &ClientGroupId,
    version: Version,
) -> QueryResult<Vec<ViewEntry>> {
    let mut entries = Vec::new();
    for kind in GROUP_KINDS {
        entries.extend(kind.changed(conn, group, version)?);
    }
    if version == Version::BEFORE_ALL {
        entries.retain(ViewEntry::is_live);
    }
    Ok(entries)
}

/// A JSON encoding failure (not expected for rows of strings and integers) reported
/// like a database failure to read the view.
fn encoding(error: serde_json::Error) -> QueryError {
    QueryError::SerializationError(Box::new(error))
}
