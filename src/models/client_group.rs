//! Rows of `replicache_client_group`.

use crate::domain::{ClientGroupId, UserId};
use crate::schema::replicache_client_group;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A client group: the clients sharing one local cache, owned by one user.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = replicache_client_group)]
pub struct ClientGroup {
    /// The `clientGroupID`.
    pub id: ClientGroupId,
    /// Owner: the user who first pushed it (`""` when authentication is off).
    pub user_id: UserId,
    /// Last push into this group (UTC).
    pub last_seen: NaiveDateTime,
    /// Set when server-side GC removed the group's clients (a tombstone).
    pub deleted_at: Option<NaiveDateTime>,
}

/// A client group to insert or touch (upsert by id).
#[derive(Debug, Insertable)]
#[diesel(table_name = replicache_client_group)]
pub struct NewClientGroup<'a> {
    /// The `clientGroupID`.
    pub id: &'a ClientGroupId,
    /// Owner.
    pub user_id: &'a UserId,
    /// Time of the push (UTC).
    pub last_seen: NaiveDateTime,
}
