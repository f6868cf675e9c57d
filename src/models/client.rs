//! Rows of `replicache_client`.

use crate::domain::{ClientGroupId, ClientId, MutationId, Version};
use crate::schema::replicache_client;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A Replicache client and the last mutation the server applied for it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = replicache_client)]
pub struct Client {
    /// The client's `clientID`.
    pub id: ClientId,
    /// The group it belongs to; never changes.
    pub client_group_id: ClientGroupId,
    /// Highest mutation id applied (or skipped in error mode).
    pub last_mutation_id: MutationId,
    /// Global version of the last change to `last_mutation_id`.
    pub version: Version,
    /// Last push from this client (UTC).
    pub last_seen: NaiveDateTime,
}

/// A client row to insert or update (upsert by id).
#[derive(Debug, Insertable)]
#[diesel(table_name = replicache_client)]
pub struct NewClient<'a> {
    /// The client's `clientID`.
    pub id: &'a ClientId,
    /// Its group.
    pub client_group_id: &'a ClientGroupId,
    /// New last mutation id.
    pub last_mutation_id: MutationId,
    /// Version of the push that set it.
    pub version: Version,
    /// Time of the push (UTC).
    pub last_seen: NaiveDateTime,
}
