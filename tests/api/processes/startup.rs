//! Start-up (README "Running several processes"): replicas started together on an empty database all come up and
//! the schema is migrated once; a database migrated by a newer build is refused.

use super::ProcDb;
use crate::on_both_databases;
use crate::on_postgres;
use crate::support::process::{ServerProcess, STARTUP};
use replichat_test_support::bodies::{create_message, normalized};
use replichat_test_support::database::Db;
use rocket::config::LogLevel;
use std::time::Duration;

/// The embedded migrations of a backend, counted from the source tree.
fn migration_count(backend: &str) -> usize {
    let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
    let entries = std::fs::read_dir(dir).expect("migrations directory");
    entries
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
        .count()
}

on_postgres! {
fn three_processes_started_together_on_an_empty_postgres_database_all_come_up_and_migrate_once() {
    let database = ProcDb::postgres("three_processes_started_together");
    // Spawned back to back, before any of them has connected.
    let mut servers: Vec<ServerProcess> = ["A", "B", "C"]
        .into_iter()
        .map(|label| ServerProcess::builder(label, &database.url).spawn())
        .collect();
    for server in &mut servers {
        server.wait_ready(STARTUP);
    }
    let expected = migration_count("postgres");
    let mut direct = database.direct();
    let recorded = direct.number("SELECT count(*) AS n FROM __diesel_schema_migrations");
    assert_eq!(recorded, expected as i64, "migrations recorded");
    // Exactly one process applied them; the others found nothing pending.
    let applied: Vec<usize> = servers
        .iter()
        .map(|s| s.output().matches("applied migration").count())
        .collect();
    assert_eq!(
        applied.iter().sum::<usize>(),
        expected,
        "applied per process: {applied:?}"
    );
    assert_eq!(applied.iter().filter(|&&n| n > 0).count(), 1, "{applied:?}");
    // All three serve the same database.
    let pushed = servers[0]
        .http
        .push("g", vec![create_message("c", 1, "m1", "hi", 1)]);
    assert!(pushed.expect("push answered").is_push_ok());
    let views: Vec<_> = servers
        .iter()
        .map(|s| normalized(&s.http.pull_ok("g", serde_json::Value::Null)))
        .collect();
    assert_eq!(
        views[0]["lastMutationIDChanges"],
        serde_json::json!({"c": 1})
    );
    assert!(views.iter().all(|v| *v == views[0]), "{views:?}");
}
}

/// Refuses to start on `database` after a newer build recorded migration
/// `99991231000000`: exits non-zero, says why in the log of the release profile's
/// `critical` level, and never panics.
fn refuses_a_database_migrated_by_a_newer_build(database: ProcDb) {
    database.migrate();
    database.direct().execute(
        "INSERT INTO __diesel_schema_migrations (version, run_on) \
         VALUES ('99991231000000', CURRENT_TIMESTAMP)",
    );
    let mut server = ServerProcess::builder("newer-schema", &database.url)
        .log_level(LogLevel::Critical)
        .spawn();
    let status = server
        .wait_exit(Duration::from_secs(20))
        .expect("the server refuses to start");
    let output = server.output();
    assert_eq!(status.code(), Some(1), "exit status; output:\n{output}");
    for expected in ["99991231000000", "migrated by a newer version"] {
        assert!(output.contains(expected), "{expected:?} missing:\n{output}");
    }
    assert!(
        !output.contains("panicked"),
        "a refusal is not a crash:\n{output}"
    );
    // Nothing was run: the database still carries exactly the known migrations + 1.
    let recorded = database
        .direct()
        .number("SELECT count(*) AS n FROM __diesel_schema_migrations");
    let backend = if database.db == Db::Postgres {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(recorded, migration_count(backend) as i64 + 1);
}

on_both_databases!(
    a_database_migrated_by_a_newer_build_is_refused_with_a_clear_message,
    blocking | db | {
        refuses_a_database_migrated_by_a_newer_build(ProcDb::new(db, "newer_build_refused"));
    }
);
