//! Embedded migrations, run at start-up.

use super::classify::DbError;
use super::connection::DbConn;
use super::pool::Database;
use diesel::backend::Backend as DieselBackend;
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::collections::HashSet;

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Key of the PostgreSQL advisory lock that serialises migrations across processes.
const MIGRATION_LOCK_KEY: i64 = 0x7265_706c_6963_6874; // "replicht"

/// Applies pending migrations and returns the versions it applied.
///
/// On PostgreSQL this holds an advisory lock, so replicas starting together on an
/// empty database migrate one after the other. Fails when the database carries a
/// migration this build does not know: it was migrated by a newer version.
pub fn run_migrations(db: &Database) -> Result<Vec<String>, DbError> {
    let mut pooled = db.get()?;
    match &mut pooled.conn {
        DbConn::Pg(conn) => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let result = migrate(conn, PG_MIGRATIONS);
            let unlocked =
                conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"));
            let applied = result?;
            unlocked?;
            Ok(applied)
        }
        DbConn::Sqlite(conn) => migrate(conn, SQLITE_MIGRATIONS),
    }
}

fn migrate<C, DB>(conn: &mut C, source: EmbeddedMigrations) -> Result<Vec<String>, DbError>
where
    DB: DieselBackend,
    C: MigrationHarness<DB>,
    EmbeddedMigrations: MigrationSource<DB>,
{
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migration(e.to_string());
    let known: HashSet<String> = MigrationSource::<DB>::migrations(&source)
        .map_err(failed)?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let applied = conn.applied_migrations().map_err(failed)?;
    if let Some(unknown) = applied.iter().find(|v| !known.contains(&v.to_string())) {
        return Err(DbError::Migration(format!(
            "the database has migration {unknown}, which this build of replichat does not know: \
             it was migrated by a newer version; run that version or restore a matching database"
        )));
    }
    let ran = conn.run_pending_migrations(source).map_err(failed)?;
    Ok(ran.iter().map(|v| v.to_string()).collect())
}
