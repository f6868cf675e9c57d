//! Rows the server read, from PostgreSQL's cumulative statistics of its database
//! (`pg_stat_user_tables`, `pg_stat_user_indexes`).
//!
//! Since PostgreSQL 15 each backend counts locally and flushes to shared memory when its
//! transaction ends, but at most once a second: a backend that goes idle less than a
//! second after its last flush keeps its counts until its idle timeout fires,
//! `PGSTAT_IDLE_INTERVAL` (10 s) later (so does one whose flush found the entry locked).
//! Under load that is the common case, so a reading waits more than 10 s after the server
//! went quiet, and is taken once two readings a second apart agree.
//! `pg_stat_force_next_flush()` cannot shorten this: it only affects the backend that
//! calls it, not the server's connections. `pg_stat_clear_snapshot()` before each reading
//! drops this session's cached snapshot (`stats_fetch_consistency = cache`).

use anyhow::{bail, Context, Result};
use std::time::Duration;
use tokio_postgres::{Client, NoTls};

/// First wait after the activity to count: longer than `PGSTAT_IDLE_INTERVAL`.
const FIRST_WAIT: Duration = Duration::from_millis(10_500);
/// Wait between two readings that must agree.
const RECHECK: Duration = Duration::from_millis(1_100);
/// Readings before giving up on a server that does not go quiet.
const MAX_READINGS: usize = 12;

/// Cumulative read counters of the server's tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowCounts {
    /// `seq_tup_read + idx_tup_fetch` of table `message`: message rows read.
    pub message_rows: i64,
    /// `idx_tup_read` of the indexes of `message`: index entries returned, which also
    /// counts index-only scans (they fetch no table row).
    pub message_index_entries: i64,
    /// `seq_tup_read + idx_tup_fetch` summed over every table.
    pub all_rows: i64,
}

impl RowCounts {
    /// What was read between `earlier` and `self`.
    pub fn since(self, earlier: RowCounts) -> RowCounts {
        RowCounts {
            message_rows: self.message_rows - earlier.message_rows,
            message_index_entries: self.message_index_entries - earlier.message_index_entries,
            all_rows: self.all_rows - earlier.all_rows,
        }
    }
}

/// A session on the server's database that reads the counters.
pub struct RowCounter {
    client: Client,
}

const READ: &str = "
    SELECT
      coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))
               FILTER (WHERE relname = 'message'), 0)::bigint,
      (SELECT coalesce(sum(idx_tup_read), 0)::bigint
         FROM pg_stat_user_indexes WHERE relname = 'message'),
      coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0)::bigint
    FROM pg_stat_user_tables";

impl RowCounter {
    /// Connects to `database_url` (the server's own database; no TLS).
    pub async fn connect(database_url: &str) -> Result<Self> {
        let (client, connection) = tokio_postgres::connect(database_url, NoTls)
            .await
            .with_context(|| format!("connecting to {database_url}"))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("statistics connection failed: {e}");
            }
        });
        Ok(RowCounter { client })
    }

    async fn read(&self) -> Result<RowCounts> {
        self.client
            .simple_query("SELECT pg_stat_clear_snapshot()")
            .await
            .context("pg_stat_clear_snapshot()")?;
        let row = self
            .client
            .query_one(READ, &[])
            .await
            .context("reading pg_stat_user_tables")?;
        Ok(RowCounts {
            message_rows: row.try_get(0)?,
            message_index_entries: row.try_get(1)?,
            all_rows: row.try_get(2)?,
        })
    }

    /// The counters once the server's backends have flushed everything: call when the
    /// activity to count is over.
    pub async fn settled(&self) -> Result<RowCounts> {
        tokio::time::sleep(FIRST_WAIT).await;
        let mut last = self.read().await?;
        for _ in 0..MAX_READINGS {
            tokio::time::sleep(RECHECK).await;
            let now = self.read().await?;
            if now == last {
                return Ok(now);
            }
            last = now;
        }
        bail!(
            "table statistics still changed after {MAX_READINGS} readings a second apart: \
             is something else using the database?"
        )
    }
}
