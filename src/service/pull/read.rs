//! The full view of a pull, read inside its snapshot: the entries of every room the
//! user can read, the group's error entries, and its clients' lastMutationIDs.

use super::readable::ReadableRooms;
use super::PullFailure;
use crate::db::DbConn;
use crate::domain::{RoomId, Version};
use crate::dto::{append_to_view, PatchSource, PullPayload};
use crate::models::ServerState;
use crate::repository::ClientRepo;
use crate::service::view::{
    read_group, read_rooms, render_uncached, FullViewCache, Rooms, ViewRead, ViewScope,
};

/// Where a full view comes from.
#[derive(Debug, Clone, Copy)]
pub(super) enum ViewSource<'a> {
    /// The shared cache, brought up to the snapshot: for snapshots of committed data.
    Shared(&'a FullViewCache),
    /// Read and rendered for this pull only: for a snapshot that includes this
    /// transaction's own uncommitted write.
    Private,
}

/// `clear` plus every entry the scope can read and the lastMutationID of every client
/// of the group.
pub(super) fn full_view(
    conn: &mut DbConn,
    scope: ViewScope<'_>,
    state: ServerState,
    source: ViewSource<'_>,
    readable: &ReadableRooms,
) -> Result<PullPayload, PullFailure> {
    let last_mutation_id_changes =
        ClientRepo::mutation_ids_since(conn, scope.group, Version::BEFORE_ALL)?;
    let rooms = readable.of(conn, scope.user, state.access_version)?;
    let errors = read_group(conn, scope.group, Version::BEFORE_ALL)?;
    let view = match source {
        ViewSource::Shared(cache) => {
            let rooms_view =
                cache.view(state.version, state.tombstone_horizon, &rooms, |read| {
                    read_rooms(conn, Rooms::All, read)
                })?;
            append_to_view(rooms_view, &errors)
                .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?
        }
        ViewSource::Private => {
            let ids: Vec<&RoomId> = rooms.iter().collect();
            let mut entries: Vec<_> = read_rooms(conn, Rooms::Only(&ids), ViewRead::AllLive)?
                .into_iter()
                .map(|room_entry| room_entry.entry)
                .collect();
            entries.extend(errors);
            render_uncached(entries)?
        }
    };
    Ok(PullPayload {
        cookie: state.version,
        last_mutation_id_changes,
        patch: PatchSource::Rendered(view),
    })
}
