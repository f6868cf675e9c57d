//! The single row of `replicache_server`.

use crate::domain::Version;
use crate::schema::replicache_server;
use diesel::prelude::*;

/// Global version, the horizon below which tombstones may be gone, and the last
/// version that changed who can read what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = replicache_server)]
pub struct ServerState {
    /// The global version: the cookie of the current state.
    pub version: Version,
    /// Tombstones with a version at or below this may have been purged.
    pub tombstone_horizon: Version,
    /// The last version at which a room or a membership was written.
    pub access_version: Version,
}
