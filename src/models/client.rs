//! Rows of `replicache_client`.

use crate::schema::replicache_client;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A Replicache client and the last mutation the server applied for it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = replicache_client)]
pub struct Client {
    /// The client's `clientID`.
    pub id: String,
    /// The group it belongs to; never changes.
    pub client_group_id: String,
    /// Highest mutation id applied (or skipped in error mode).
    pub last_mutation_id: i64,
    /// Global version of the last change to `last_mutation_id`.
    pub version: i64,
    /// Last push from this client (UTC).
    pub last_seen: NaiveDateTime,
}

/// A client row to insert or update (upsert by id).
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = replicache_client)]
pub struct NewClient<'a> {
    /// The client's `clientID`.
    pub id: &'a str,
    /// Its group.
    pub client_group_id: &'a str,
    /// New last mutation id.
    pub last_mutation_id: i64,
    /// Version of the push that set it.
    pub version: i64,
    /// Time of the push (UTC).
    pub last_seen: NaiveDateTime,
}
