//! Messages in the client view: `message/<id>` (the mapping is `dto::message_entry`).

use super::{encoding, ViewKind};
use crate::db::DbConn;
use crate::domain::Version;
use crate::dto::{message_entry, ViewEntry};
use crate::models::Message;
use crate::repository::MessageRepo;
use diesel::result::QueryResult;

/// The message kind of entry.
pub struct Messages;

impl ViewKind for Messages {
    fn live(&self, conn: &mut DbConn) -> QueryResult<Vec<ViewEntry>> {
        entries(&MessageRepo::all_live(conn)?)
    }

    fn changed_since(&self, conn: &mut DbConn, version: Version) -> QueryResult<Vec<ViewEntry>> {
        entries(&MessageRepo::changed_since(conn, version)?)
    }
}

fn entries(rows: &[Message]) -> QueryResult<Vec<ViewEntry>> {
    rows.iter()
        .map(|row| message_entry(row).map_err(encoding))
        .collect()
}
