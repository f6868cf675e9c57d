//! Server-side garbage collection (docs/protocol.md §10, docs/rooms.md §5): idle
//! clients, empty groups, old error entries, old tombstones (of messages, memberships,
//! error entries, and deleted rooms with their content), swept at start and then
//! periodically.
//!
//! A sweep runs in one write transaction, so it is serialised with every push (and
//! with the sweepers of other processes sharing the database); each step is idempotent.

use crate::db::DbConn;
use crate::db::{Database, DbError, TxMode};
use crate::domain::RoomId;
use crate::domain::Version;
use crate::repository::{
    ClientGroupRepo, ClientRepo, MemberRepo, MessageRepo, RejectedRepo, RoomRepo, ServerRepo,
};
use chrono::{DateTime, Duration, NaiveDateTime};
use diesel::result::QueryResult;
use rocket::tokio::{self, time};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// When the sweeper runs and what it collects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GcSettings {
    /// Seconds between sweeps; 0 disables the sweeper.
    pub gc_interval_secs: u64,
    /// Clients that have not pushed for this many seconds are deleted.
    pub client_max_idle_secs: u64,
    /// Message tombstones older than this many seconds are purged.
    pub tombstone_max_age_secs: u64,
}

impl Default for GcSettings {
    fn default() -> Self {
        GcSettings {
            gc_interval_secs: 3600,
            client_max_idle_secs: 30 * 24 * 3600,
            tombstone_max_age_secs: 30 * 24 * 3600,
        }
    }
}

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Clients deleted for being idle.
    pub clients_deleted: usize,
    /// Groups left without clients and tombstoned.
    pub groups_tombstoned: usize,
    /// Error entries older than `client_max_idle_secs`, tombstoned.
    pub rejections_expired: usize,
    /// Highest version among purged tombstones, if any were purged.
    pub purged_through: Option<Version>,
}

/// Sweeps the database.
#[derive(Clone)]
pub struct GcService {
    db: Arc<Database>,
    settings: GcSettings,
}

impl GcService {
    /// A collector over `db`.
    pub fn new(db: Arc<Database>, settings: GcSettings) -> Self {
        GcService { db, settings }
    }

    /// Deletes clients idle for longer than `client_max_idle_secs`, tombstones the
    /// groups that emptied and the error entries as old, and purges tombstones older
    /// than `tombstone_max_age_secs` (deleted rooms with all their content), raising the
    /// tombstone horizon so that pulls from older cookies get a full reset instead of
    /// missing a delete.
    pub fn collect_garbage(&self, now: NaiveDateTime) -> Result<GcReport, DbError> {
        let idle_before = cutoff(now, self.settings.client_max_idle_secs);
        let purge_before = cutoff(now, self.settings.tombstone_max_age_secs);
        self.db.transaction(TxMode::Write, |conn| {
            let clients_deleted = ClientRepo::delete_idle(conn, idle_before)?;
            let groups_tombstoned = ClientGroupRepo::tombstone_empty(conn, idle_before, now)?;
            let rejections_expired = expire_rejections(conn, idle_before, now)?;
            let purged_through = purge_tombstones(conn, purge_before)?;
            if let Some(version) = purged_through {
                ServerRepo::raise_tombstone_horizon(conn, version)?;
            }
            Ok::<_, DbError>(GcReport {
                clients_deleted,
                groups_tombstoned,
                rejections_expired,
                purged_through,
            })
        })
    }

    /// Sweeps at once and then every `gc_interval_secs` until `shutdown`; does nothing
    /// when the interval is 0.
    pub fn spawn_sweeper(self, mut shutdown: rocket::Shutdown) {
        if self.settings.gc_interval_secs == 0 {
            return;
        }
        let period = std::time::Duration::from_secs(self.settings.gc_interval_secs);
        tokio::spawn(async move {
            let mut ticker = time::interval(period);
            ticker.set_missed_tick_behavior(time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticker.tick() => self.sweep().await,
                    _ = &mut shutdown => break,
                }
            }
        });
    }

    async fn sweep(&self) {
        let gc = self.clone();
        let now = chrono::Utc::now().naive_utc();
        match tokio::task::spawn_blocking(move || gc.collect_garbage(now)).await {
            Ok(Ok(report)) if report != GcReport::default() => rocket::info!("gc: {report:?}"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => rocket::warn!("gc sweep failed: {e}"),
            Err(e) => rocket::error!("gc sweep task failed: {e}"),
        }
    }
}

/// Tombstones the error entries made before `before`, under a new version (their groups'
/// next pulls send `del`); no version is spent when there are none.
fn expire_rejections(
    conn: &mut DbConn,
    before: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    if !RejectedRepo::any_live_before(conn, before)? {
        return Ok(0);
    }
    let version = ServerRepo::bump_version(conn)?;
    RejectedRepo::expire(conn, before, version, now)
}

/// Purges tombstones deleted before `before` (rooms with their members and messages);
/// returns the highest version purged.
fn purge_tombstones(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<Option<Version>> {
    let rooms = RoomRepo::tombstones_before(conn, before)?;
    let ids: Vec<&RoomId> = rooms.iter().map(|room| &room.id).collect();
    let mut purged = rooms.iter().map(|room| room.version).max();
    if !ids.is_empty() {
        MessageRepo::purge_rooms(conn, &ids)?;
        MemberRepo::purge_rooms(conn, &ids)?;
        RoomRepo::purge(conn, &ids)?;
    }
    for version in [
        MessageRepo::purge_tombstones(conn, before)?,
        MemberRepo::purge_tombstones(conn, before)?,
        RejectedRepo::purge_tombstones(conn, before)?,
    ] {
        purged = purged.max(version);
    }
    Ok(purged)
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
