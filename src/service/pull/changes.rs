//! An incremental pull: what changed in the scope's view since the request's cookie
//! (docs/rooms.md §4).
//!
//! Rooms, memberships and messages are versioned and soft-deleted, so the rows written
//! after the cookie tell which rooms the user may have joined or lost since:
//! - a room the user can read now but could not then (created since, or joined for the
//!   first time since) is sent whole: its live entries (no `del`s, which would name
//!   entries the user never saw); a room they left and rejoined since makes the pull a
//!   full reset (below), for what their view still holds of it is unknown;
//! - a room the user may have read then but cannot now (deleted since, or their
//!   membership ended since) makes the pull a full reset: `clear` and the view, which
//!   cannot leak what they never saw;
//! - any other room they can read contributes its entries written since.
//!
//! When no room or membership was written since the cookie (the server's access
//! version), the first two cannot happen and their queries are skipped.

use super::readable::ReadableRooms;
use super::PullFailure;
use crate::db::DbConn;
use crate::domain::{RoomId, Version, Visibility};
use crate::dto::{PatchSource, PullPayload, ViewEntry};
use crate::models::{Room, ServerState};
use crate::repository::{ClientRepo, MemberRepo, RoomRepo};
use crate::service::view::{read_group, read_rooms, read_rooms_since, Rooms, ViewRead, ViewScope};
use std::collections::{BTreeSet, HashMap};

/// What the scope's access did since the cookie.
enum AccessSince {
    /// It may have lost a room: answer with a full reset.
    Lost,
    /// Only these readable rooms may have been joined.
    Joined(BTreeSet<RoomId>),
}

/// The changes of `scope`'s view after `from`, or `None` when the pull must be a full
/// reset because the user may have lost a room.
pub(super) fn changes_since(
    conn: &mut DbConn,
    scope: ViewScope<'_>,
    from: Version,
    state: ServerState,
    readable: &ReadableRooms,
) -> Result<Option<PullPayload>, PullFailure> {
    let readable = readable.of(conn, scope.user, state.access_version)?;
    let access_changed = state.access_version > from;
    let joined = if access_changed {
        match access_since(conn, scope, from, &readable)? {
            AccessSince::Lost => return Ok(None),
            AccessSince::Joined(joined) => joined,
        }
    } else {
        BTreeSet::new()
    };
    let (joined, settled): (Vec<&RoomId>, Vec<&RoomId>) =
        readable.iter().partition(|room| joined.contains(*room));
    let mut entries: Vec<ViewEntry> = Vec::new();
    if !settled.is_empty() {
        let changed = read_rooms_since(conn, Rooms::Only(&settled), from, access_changed)?;
        entries.extend(changed.into_iter().map(|e| e.entry));
    }
    if !joined.is_empty() {
        let live = read_rooms(conn, Rooms::Only(&joined), ViewRead::AllLive)?;
        entries.extend(live.into_iter().map(|e| e.entry));
    }
    entries.extend(read_group(conn, scope.group, from)?);
    Ok(Some(PullPayload {
        cookie: state.version,
        last_mutation_id_changes: ClientRepo::mutation_ids_since(conn, scope.group, from)?,
        patch: PatchSource::Entries {
            clear: false,
            entries,
        },
    }))
}

/// Which rooms the user may have joined or lost since `from`, from the rooms and the
/// user's memberships written since.
fn access_since(
    conn: &mut DbConn,
    scope: ViewScope<'_>,
    from: Version,
    readable: &[RoomId],
) -> Result<AccessSince, PullFailure> {
    let changed: HashMap<RoomId, Room> = RoomRepo::changed_since(conn, from)?
        .into_iter()
        .map(|room| (room.id.clone(), room))
        .collect();
    let is_readable = |room: &RoomId| readable.binary_search(room).is_ok();
    let mut joined = BTreeSet::new();
    // The user's memberships written since: joined if readable now, else maybe lost
    // (unless the room did not exist yet at the cookie).
    let mine = MemberRepo::of_user_since(conn, scope.user, from)?;
    let mut named: BTreeSet<&RoomId> = BTreeSet::new();
    for row in &mine {
        named.insert(&row.room_id);
        let returned = row.left_version.is_some_and(|left| left > from);
        if is_readable(&row.room_id) && returned {
            // Left and came back since the cookie: what the view still holds of the
            // room is unknown, so reset.
            return Ok(AccessSince::Lost);
        }
        if is_readable(&row.room_id) {
            joined.insert(row.room_id.clone());
        } else if changed
            .get(&row.room_id)
            .is_none_or(|room| room.created_version <= from)
        {
            return Ok(AccessSince::Lost);
        }
    }
    // Rooms created since and readable are joined; rooms deleted since that the user
    // could read at the cookie are lost.
    let mut deleted_private = Vec::new();
    for room in changed.values() {
        let created_since = room.created_version > from;
        if !room.deleted {
            if created_since && is_readable(&room.id) {
                joined.insert(room.id.clone());
            }
        } else if !created_since {
            match room.visibility {
                Visibility::Public => return Ok(AccessSince::Lost),
                Visibility::Private if !named.contains(&room.id) => deleted_private.push(&room.id),
                Visibility::Private => {}
            }
        }
    }
    if !deleted_private.is_empty() {
        // Unchanged memberships of rooms deleted since: live ones were live at the cookie.
        let rows = MemberRepo::find_for(conn, &deleted_private, &[scope.user])?;
        if rows.iter().any(|row| !row.deleted) {
            return Ok(AccessSince::Lost);
        }
    }
    Ok(AccessSince::Joined(joined))
}
