//! Reading a pull's answer inside its snapshot: the full view or the changes since a
//! version, with the group's lastMutationIDs.

use super::PullFailure;
use crate::db::DbConn;
use crate::domain::{ClientGroupId, Version};
use crate::dto::{PatchSource, PullPayload};
use crate::models::ServerState;
use crate::repository::ClientRepo;
use crate::service::view::{read_entries, render_uncached, FullViewCache, ViewRead};

/// Where a full view comes from.
#[derive(Debug, Clone, Copy)]
pub(super) enum ViewSource<'a> {
    /// The shared cache, brought up to the snapshot: for snapshots of committed data.
    Shared(&'a FullViewCache),
    /// Read and rendered for this pull only: for a snapshot that includes this
    /// transaction's own uncommitted write.
    Private,
}

/// `clear` plus every live entry and the lastMutationID of every client of the group.
pub(super) fn full_view(
    conn: &mut DbConn,
    group_id: &ClientGroupId,
    state: ServerState,
    source: ViewSource<'_>,
) -> Result<PullPayload, PullFailure> {
    let last_mutation_id_changes =
        ClientRepo::mutation_ids_since(conn, group_id, Version::BEFORE_ALL)?;
    let view = match source {
        ViewSource::Shared(cache) => {
            cache.view(state.version, state.tombstone_horizon, |read| {
                read_entries(conn, read)
            })?
        }
        ViewSource::Private => render_uncached(read_entries(conn, ViewRead::AllLive)?)?,
    };
    Ok(PullPayload {
        cookie: state.version,
        last_mutation_id_changes,
        patch: PatchSource::Rendered(view),
    })
}

/// The entries and lastMutationIDs of the group's clients changed after `from`.
pub(super) fn changes_since(
    conn: &mut DbConn,
    group_id: &ClientGroupId,
    from: Version,
    version: Version,
) -> Result<PullPayload, PullFailure> {
    Ok(PullPayload {
        cookie: version,
        last_mutation_id_changes: ClientRepo::mutation_ids_since(conn, group_id, from)?,
        patch: PatchSource::Entries {
            clear: false,
            entries: read_entries(conn, ViewRead::ChangedSince(from))?,
        },
    })
}
