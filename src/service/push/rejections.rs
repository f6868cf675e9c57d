//! The rejected mutations of a batch, written at its end as the error entries of their
//! client groups' views (`error/<clientID>/<mutationID>`), at most
//! [`KEPT_PER_CLIENT`] per client: older ones are tombstoned.

use crate::db::DbConn;
use crate::domain::{ClientGroupId, ClientId, MutationId, Version};
use crate::models::NewRejectedMutation;
use crate::repository::RejectedRepo;
use chrono::NaiveDateTime;
use diesel::result::QueryResult;
use std::collections::BTreeSet;

/// The newest rejections kept per client.
pub const KEPT_PER_CLIENT: usize = 20;

/// Longest mutator name stored, in characters (a name is the client's text).
const MAX_NAME_CHARS: usize = 128;

/// Longest reason stored, in characters (reasons may quote the client's arguments).
const MAX_REASON_CHARS: usize = 500;

/// `text` as it can be stored and shown: NUL characters (which PostgreSQL refuses)
/// replaced, at most `max` characters.
fn storable(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c == '\0' { '\u{FFFD}' } else { c })
        .collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// One rejection waiting to be written.
struct Pending<'a> {
    client: &'a ClientId,
    id: MutationId,
    group: &'a ClientGroupId,
    name: String,
    reason: String,
}

/// The rejections of a batch.
#[derive(Default)]
pub(super) struct Rejections<'a> {
    pending: Vec<Pending<'a>>,
}

impl<'a> Rejections<'a> {
    /// Records that mutation `id` (`name`) of `client` in `group` was refused for `reason`.
    pub(super) fn add(
        &mut self,
        client: &'a ClientId,
        id: MutationId,
        group: &'a ClientGroupId,
        name: &'a str,
        reason: String,
    ) {
        self.pending.push(Pending {
            client,
            id,
            group,
            name: storable(name, MAX_NAME_CHARS),
            reason: storable(&reason, MAX_REASON_CHARS),
        });
    }

    /// Writes the rejections under `version` and trims each client's to the newest
    /// [`KEPT_PER_CLIENT`]. Nothing to do (and no query) for a batch without rejections.
    pub(super) fn save(
        &self,
        conn: &mut DbConn,
        version: Version,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let rows: Vec<NewRejectedMutation> = self
            .pending
            .iter()
            .map(|p| NewRejectedMutation {
                client_id: p.client,
                mutation_id: p.id,
                client_group_id: p.group,
                name: &p.name,
                reason: &p.reason,
                created_at: now,
                deleted: false,
                version,
            })
            .collect();
        RejectedRepo::insert_all(conn, &rows)?;
        let clients: BTreeSet<&ClientId> = self.pending.iter().map(|p| p.client).collect();
        for client in clients {
            let live = RejectedRepo::live_ids_of(conn, client)?;
            if live.len() > KEPT_PER_CLIENT {
                RejectedRepo::soft_delete(conn, client, &live[KEPT_PER_CLIENT..], version, now)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text_has_no_nul_and_a_bound() {
        assert_eq!(storable("a\0b", 10), "a\u{FFFD}b");
        assert_eq!(storable("abcdef", 3), "abc…");
        assert_eq!(storable("abc", 3), "abc");
    }
}
