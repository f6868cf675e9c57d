//! A model-based property test: random interleavings of every mutator from several
//! users, with pushes and pulls from several tabs (clients) in several client groups,
//! against the real server, compared with an in-memory model after every step
//! (docs/rooms.md checklist item 45, and the protocol's items it builds on).
//!
//! Each tab behaves like a Replicache client: it records mutations locally, pushes
//! every one its cache has not yet seen confirmed (so replays happen naturally), pulls
//! with its cache's cookie and drops the mutations the answer confirms. On top of that
//! the generator loses push responses (the same body is sent again), pushes with a gap,
//! pushes a tab's mutations under another group (its own user's or someone else's),
//! rewinds a tab's cache to an earlier snapshot or to a fresh one (a fork of an older
//! cache), and pulls with forged cookies (stale, future, text).
//!
//! Most cases run with JWT users: group `g<k>` is used by `u<k mod 3>`, so one user has
//! two groups; the mutations create, rename and delete rooms `r0` and `r1` (and try it on
//! `general`), add and remove members (`u0`..`u3`, the last without tabs), and post,
//! edit and delete messages `m0`..`m3` in any room. The others run with `auth = "none"`,
//! where everyone is the anonymous user.
//!
//! Requests run one at a time, so every answer must match the model exactly: a push
//! answers `{}`, `ClientStateNotFound` after a gap or a 403 for a foreign client or
//! another user's group; a pull, applied with Replicache's acceptance rules, leaves the
//! tab's cache holding exactly the model's visible set for its user (docs/rooms.md §2)
//! and the lastMutationIDs of the group's clients, under either pull strategy; a pull
//! from a forged cookie puts nothing the user may not read. At the end every tab pushes
//! what it still has pending and pulls: then every mutation ever recorded has been
//! applied once.
//!
//! SQLite runs [`SQLITE_CASES`] cases, PostgreSQL (with `REPLICHAT_TEST_PG`)
//! [`POSTGRES_CASES`], each on a fresh database; `PROPTEST_CASES` overrides both.
//! A failure is shrunk to a short list of steps and saved under
//! `tests/proptest-regressions/model/mod.txt`, from where later runs replay it first.

mod client;
mod server;
mod steps;

use crate::on_both_databases;
use crate::support::app::TestApp;
use crate::support::users::with_users;
use client::Run;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use replichat::config::AppConfig;
use replichat::service::{MutationLimits, PullStrategy};
use replichat_test_support::database::Db;
use steps::{case, Case};

/// Cases per run on SQLite.
const SQLITE_CASES: u32 = 128;
/// Cases per run on PostgreSQL (each creates a database).
const POSTGRES_CASES: u32 = 32;
/// Longest sequence of steps in a case.
const MAX_STEPS: usize = 80;

/// Users with tabs (`u0`..): group `g<k>` belongs to `u<k mod USERS>`. The user
/// `u<USERS>` has no tab; rooms may still add them.
const USERS: usize = 3;
/// Client groups; tab `t` belongs to group `t / TABS_PER_GROUP`.
const GROUPS: usize = 4;
const TABS_PER_GROUP: usize = 2;
const TABS: usize = GROUPS * TABS_PER_GROUP;
/// Message ids are `m0` .. `m3`, so creates collide and edits hit deleted messages.
const MESSAGES: usize = 4;
/// Room ids are `r0` and `r1` (and `general`), so creates collide too.
const ROOMS: usize = 2;

/// Argument bounds the server runs with, small enough for the generator to cross
/// (`general` is exactly as long as an id may be).
const MAX_ID_LEN: usize = 7;
const MAX_TEXT_LEN: usize = 8;

/// Error entries the server keeps per client: the newest, by mutation id.
const KEPT_ERRORS: usize = 20;

/// The app's configuration for a case: users or none, the strategy and the small
/// argument bounds.
fn configure(case: &Case) -> impl FnOnce(&mut AppConfig) {
    let (reset, authenticated) = (case.reset_strategy, case.authenticated);
    move |config| {
        if authenticated {
            with_users(config);
        }
        config.protocol.pull_strategy = if reset {
            PullStrategy::Reset
        } else {
            PullStrategy::Version
        };
        config.limits = MutationLimits {
            max_message_id_len: MAX_ID_LEN,
            max_sender_len: MAX_TEXT_LEN,
            max_content_len: MAX_TEXT_LEN,
        };
        config.logging.request_log = false;
    }
}

/// Runs one case on a fresh database.
fn run_case(db: Db, case: &Case) {
    let runtime = rocket::tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let app = TestApp::builder(db, "model")
            .configure(configure(case))
            .start()
            .await;
        let mut run = Run::new(&app, case.authenticated);
        for step in &case.steps {
            run.step(step).await;
        }
        run.finish().await;
    });
}

/// Runs `cases` random cases (or `PROPTEST_CASES`) on `db`, shrinking a failure.
fn check_against_model(db: Db, cases: u32) {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    let config = Config {
        cases,
        max_shrink_iters: 512,
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::SourceParallel(
            "proptest-regressions",
        ))),
        ..Config::default()
    };
    let result = TestRunner::new(config).run(&case(), |case| {
        run_case(db, &case);
        Ok::<(), TestCaseError>(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

on_both_databases!(
    agrees_with_the_model,
    blocking | db | {
        let cases = match db {
            Db::Sqlite => SQLITE_CASES,
            Db::Postgres => POSTGRES_CASES,
        };
        check_against_model(db, cases);
    }
);
