//! Build script.
//!
//! - Rebuild when migrations change: `embed_migrations!` does not notice new folders.
//! - `cfg(replichat_test_pg)` when `REPLICHAT_TEST_PG` is set at build time: the
//!   integration tests then run their PostgreSQL variants; without it they are compiled
//!   as ignored (with the reason), so that `cargo test` never counts a test that did
//!   not run as passed.
fn main() {
    println!("cargo::rerun-if-changed=migrations");
    println!("cargo::rerun-if-changed=migrations/postgres");
    println!("cargo::rerun-if-changed=migrations/sqlite");
    println!("cargo::rerun-if-env-changed=REPLICHAT_TEST_PG");
    println!("cargo::rustc-check-cfg=cfg(replichat_test_pg)");
    if std::env::var_os("REPLICHAT_TEST_PG").is_some_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=replichat_test_pg");
    }
}
