//! Pokes: "pull soon" hints fanned out to the SSE streams of this process.
//!
//! On SQLite the push service pokes the hub after its commit. On PostgreSQL a trigger
//! on the global version row runs `pg_notify` inside the push transaction (delivered on
//! commit only), and one LISTEN connection per process feeds the hub, so a push on any
//! replica pokes the streams of every replica, each exactly once.

mod hub;
mod pg_listener;

pub use hub::PokeHub;
pub use pg_listener::spawn_listener;
