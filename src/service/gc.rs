//! Server-side garbage collection (spec §9): idle clients, empty groups, old tombstones.
//!
//! Runs in one write transaction, so it is serialised with every push (and with the
//! sweepers of other processes sharing the database); each step is idempotent.

use super::Services;
use crate::db::{DbError, TxMode};
use crate::error::ApiError;
use crate::repository::{ClientGroupRepo, ClientRepo, MessageRepo, ServerRepo};
use chrono::{DateTime, Duration, NaiveDateTime};

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Clients deleted for being idle.
    pub clients_deleted: usize,
    /// Groups left without clients and tombstoned.
    pub groups_tombstoned: usize,
    /// Highest version among purged message tombstones, if any were purged.
    pub purged_through: Option<i64>,
}

impl Services {
    /// Deletes clients idle for longer than `client_max_idle_secs`, tombstones the
    /// groups that emptied, and purges message tombstones older than
    /// `tombstone_max_age_secs`, raising the tombstone horizon so that pulls from
    /// older cookies get a full reset instead of missing a delete.
    pub fn collect_garbage(&self, now: NaiveDateTime) -> Result<GcReport, ApiError> {
        let idle_before = cutoff(now, self.config.client_max_idle_secs);
        let purge_before = cutoff(now, self.config.tombstone_max_age_secs);
        let report = self.db.transaction(TxMode::Write, |conn| {
            let clients_deleted = ClientRepo::delete_idle(conn, idle_before)?;
            let groups_tombstoned = ClientGroupRepo::tombstone_empty(conn, idle_before, now)?;
            let purged_through = MessageRepo::purge_tombstones(conn, purge_before)?;
            if let Some(version) = purged_through {
                ServerRepo::raise_tombstone_horizon(conn, version)?;
            }
            Ok::<_, DbError>(GcReport {
                clients_deleted,
                groups_tombstoned,
                purged_through,
            })
        })?;
        Ok(report)
    }
}

/// `now` minus `secs`, floored at the Unix epoch (a huge age means "never").
fn cutoff(now: NaiveDateTime, secs: u64) -> NaiveDateTime {
    i64::try_from(secs)
        .ok()
        .and_then(Duration::try_seconds)
        .and_then(|age| now.checked_sub_signed(age))
        .map_or(DateTime::UNIX_EPOCH.naive_utc(), |t| {
            t.max(DateTime::UNIX_EPOCH.naive_utc())
        })
}
