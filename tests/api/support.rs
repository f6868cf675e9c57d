//! The integration suite's helpers, beside the shared crate `replichat-test-support`
//! (databases, configuration, bodies, the client model):
//!
//! - [`app`]: `TestApp`, the app over a fresh database through Rocket's local client;
//! - [`process`], [`http`]: the built server binary in processes of its own, and real
//!   HTTP to them; [`writer`] acts as a Replicache client over it, [`workload`] is the
//!   deterministic work several tests share;
//! - [`sse`]: a reader of the poke stream;
//! - [`on_both_databases!`](crate::on_both_databases) and
//!   [`on_postgres!`](crate::on_postgres): the one way a test runs on both databases.
//!   PostgreSQL variants are compiled as ignored, with the reason, unless
//!   `REPLICHAT_TEST_PG` was set for the build (see `build.rs`); when it was, they
//!   require it.

// A helper library: not every test module uses every helper.
#![allow(dead_code)]

pub mod app;
pub mod http;
pub mod process;
pub mod sse;
pub mod users;
pub mod workload;
pub mod writer;

/// Runs a test on SQLite and on PostgreSQL, as two tests `<name>::sqlite` and
/// `<name>::postgres`.
///
/// - `on_both_databases!(name, |app| { ... })`: an async body over a fresh
///   [`TestApp`](app::TestApp); `config = |c| ...` first edits its `AppConfig`.
/// - `on_both_databases!(name, blocking |db| { ... })`: a blocking body given the
///   database kind (`Db`), for tests that start server processes or runtimes of their
///   own.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, $(config = $config:expr,)? |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[rocket::async_test]
            async fn sqlite() {
                let test = concat!(module_path!(), "::sqlite");
                let builder = $crate::support::app::TestApp::builder(
                    replichat_test_support::database::Db::Sqlite,
                    test,
                );
                let $app = builder$(.configure($config))?.start().await;
                $body
            }

            #[rocket::async_test]
            #[cfg_attr(
                not(replichat_test_pg),
                ignore = "PostgreSQL variant: build and run with REPLICHAT_TEST_PG set to an admin URL"
            )]
            async fn postgres() {
                let test = concat!(module_path!(), "::postgres");
                let builder = $crate::support::app::TestApp::builder(
                    replichat_test_support::database::Db::Postgres,
                    test,
                );
                let $app = builder$(.configure($config))?.start().await;
                $body
            }
        }
    };
    ($name:ident, blocking |$db:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[test]
            fn sqlite() {
                let $db = replichat_test_support::database::Db::Sqlite;
                $body
            }

            #[test]
            #[cfg_attr(
                not(replichat_test_pg),
                ignore = "PostgreSQL variant: build and run with REPLICHAT_TEST_PG set to an admin URL"
            )]
            fn postgres() {
                let $db = replichat_test_support::database::Db::Postgres;
                $body
            }
        }
    };
}

/// A blocking test that only makes sense on PostgreSQL (several processes on one
/// database, LISTEN/NOTIFY, a database server that goes away): ignored, with the
/// reason, unless `REPLICHAT_TEST_PG` was set for the build.
#[macro_export]
macro_rules! on_postgres {
    ($(#[$meta:meta])* fn $name:ident() $body:block) => {
        $(#[$meta])*
        #[test]
        #[cfg_attr(
            not(replichat_test_pg),
            ignore = "PostgreSQL only: build and run with REPLICHAT_TEST_PG set to an admin URL"
        )]
        fn $name() $body
    };
}
