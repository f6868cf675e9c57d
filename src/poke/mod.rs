//! Pokes: "pull soon" hints fanned out to the SSE streams of every process.
//!
//! After every commit that changed the client view or a lastMutationID, the push calls
//! [`Poker::committed`], on either database. The poker pokes this process's streams at
//! once through its [`PokeHub`]; on PostgreSQL it also hands the poke to the
//! [`PgPokeChannel`], whose one connection sends `NOTIFY` for the other processes and
//! `LISTEN`s for theirs (ignoring its own). Which poker a process gets is decided where
//! the application is built.

mod hub;
mod pg_channel;

pub use hub::PokeHub;
pub use pg_channel::{PgPokeChannel, LISTENER_APPLICATION_NAME, POKE_CHANNEL};

use rocket::tokio::sync::watch;
use serde::{Deserialize, Serialize};

/// Settings of the poke stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PokeSettings {
    /// Seconds between SSE heartbeat comments on the poke stream.
    pub poke_heartbeat_secs: u64,
}

impl Default for PokeSettings {
    fn default() -> Self {
        PokeSettings {
            poke_heartbeat_secs: 30,
        }
    }
}

/// Where commits are announced.
#[derive(Debug, Clone)]
pub struct Poker {
    hub: PokeHub,
    /// Pokes waiting for the PostgreSQL channel (a counter: the channel coalesces).
    remote: Option<watch::Sender<u64>>,
}

impl Poker {
    /// Pokes this process's streams only (SQLite: one process per database).
    pub fn in_process(hub: PokeHub) -> Self {
        Poker { hub, remote: None }
    }

    /// Pokes this process's streams and, through the returned channel (to be started
    /// with [`PgPokeChannel::spawn`]), every other process on the PostgreSQL database
    /// at `url`.
    pub fn over_postgres(hub: PokeHub, url: String) -> (Self, PgPokeChannel) {
        let (sender, receiver) = watch::channel(0);
        let channel = PgPokeChannel::new(url, hub.clone(), receiver);
        let poker = Poker {
            hub,
            remote: Some(sender),
        };
        (poker, channel)
    }

    /// Announces a commit that changed the view or a lastMutationID.
    pub fn committed(&self) {
        self.hub.notify();
        if let Some(remote) = &self.remote {
            remote.send_modify(|count| *count = count.wrapping_add(1));
        }
    }
}
