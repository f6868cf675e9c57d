//! The client view: every kind of entry it holds, read as [`ViewEntry`]s.
//!
//! A kind of entry is a table behind a repository plus a DTO mapping of its rows onto
//! entries; [`ViewKind`] glues the two, and [`KINDS`] lists them. Pulls and the
//! full-view cache only ask for "every live entry" or "every entry written after a
//! version", so a new kind (a model, a repository, a mapping and its mutators) adds a
//! line to [`KINDS`] and changes nothing in the pull algorithm.

mod full_view_cache;
mod messages;

pub use full_view_cache::{render_uncached, FullViewCache, ViewRead};

use crate::db::DbConn;
use crate::domain::Version;
use crate::dto::ViewEntry;
use diesel::result::{Error as QueryError, QueryResult};

/// One kind of entry of the client view.
pub trait ViewKind: Sync {
    /// Every live entry of this kind.
    fn live(&self, conn: &mut DbConn) -> QueryResult<Vec<ViewEntry>>;

    /// Every entry of this kind written after `version`, tombstones (as `del`) included.
    fn changed_since(&self, conn: &mut DbConn, version: Version) -> QueryResult<Vec<ViewEntry>>;
}

/// Every kind of entry the client view holds.
pub const KINDS: &[&dyn ViewKind] = &[&messages::Messages];

/// Reads what `read` asks for, over every kind.
pub fn read_entries(conn: &mut DbConn, read: ViewRead) -> QueryResult<Vec<ViewEntry>> {
    let mut entries = Vec::new();
    for kind in KINDS {
        entries.extend(match read {
            ViewRead::AllLive => kind.live(conn)?,
            ViewRead::ChangedSince(version) => kind.changed_since(conn, version)?,
        });
    }
    Ok(entries)
}

/// A JSON encoding failure (not expected for rows of strings and integers) reported
/// like a database failure to read the view.
fn encoding(error: serde_json::Error) -> QueryError {
    QueryError::SerializationError(Box::new(error))
}
