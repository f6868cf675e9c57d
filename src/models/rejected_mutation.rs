//! Rows of `rejected_mutation`.

use crate::domain::{ClientGroupId, ClientId, MutationId, Version};
use crate::schema::rejected_mutation;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A mutation the server refused, kept for its client group's view as
/// `error/<clientID>/<mutationID>`; `deleted` rows are tombstones.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = rejected_mutation)]
pub struct RejectedMutation {
    /// The client that sent it.
    pub client_id: ClientId,
    /// Its mutation id.
    pub mutation_id: MutationId,
    /// The group of the client.
    pub client_group_id: ClientGroupId,
    /// The mutator name as sent.
    pub name: String,
    /// Why it was refused, naming the rule.
    pub reason: String,
    /// When it was refused (UTC).
    pub created_at: NaiveDateTime,
    /// Soft-delete flag (trimmed or collected).
    pub deleted: bool,
    /// Global version of the last write to this row.
    pub version: Version,
    /// When it was deleted (UTC), for purging old tombstones.
    pub deleted_at: Option<NaiveDateTime>,
}

/// A rejection to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = rejected_mutation)]
pub struct NewRejectedMutation<'a> {
    /// The client that sent it.
    pub client_id: &'a ClientId,
    /// Its mutation id.
    pub mutation_id: MutationId,
    /// The group of the client.
    pub client_group_id: &'a ClientGroupId,
    /// The mutator name as sent.
    pub name: &'a str,
    /// Why it was refused.
    pub reason: &'a str,
    /// When it was refused (UTC).
    pub created_at: NaiveDateTime,
    /// Always false.
    pub deleted: bool,
    /// Version of the push that refused it.
    pub version: Version,
}
