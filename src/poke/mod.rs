//! Pokes: "pull soon" hints to the SSE streams of the users whose view changed, on every
//! process.
//!
//! After every commit that changed a view or a lastMutationID, the push calls
//! [`Poker::committed`] with the users concerned (or everyone), on either database. The
//! poker pokes this process's streams of those users at once through its [`PokeHub`];
//! on PostgreSQL it also hands the targets to the [`PgPokeChannel`], whose one
//! connection sends them in a `NOTIFY` for the other processes and `LISTEN`s for theirs
//! (ignoring its own). Which poker a process gets is decided where the application is
//! built.

mod hub;
mod payload;
mod pg_channel;

pub use hub::{PokeHub, PokeTargets, Subscription};
pub use pg_channel::{ListenerStatus, PgPokeChannel, LISTENER_APPLICATION_NAME, POKE_CHANNEL};

use rocket::tokio::sync::watch;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, PoisonError};

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

/// Targets waiting for the PostgreSQL channel, merged until it sends them.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    pending: Mutex<Option<PokeTargets>>,
}

impl Outbox {
    pub(crate) fn add(&self, targets: PokeTargets) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        match pending.as_mut() {
            Some(waiting) => waiting.merge(targets),
            None => *pending = Some(targets),
        }
    }

    /// Everything waiting, leaving nothing.
    pub(crate) fn take(&self) -> Option<PokeTargets> {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// Where commits are announced.
#[derive(Debug, Clone)]
pub struct Poker {
    hub: PokeHub,
    /// For the PostgreSQL channel: what to send, and a counter that wakes it.
    remote: Option<(Arc<Outbox>, watch::Sender<u64>)>,
}

impl Poker {
    /// Pokes this process's streams only (SQLite: one process per database).
    pub fn in_process(hub: PokeHub) -> Self {
        Poker { hub, remote: None }
    }

    /// Pokes this process's streams and, through the returned channel (to be started
    /// with [`PgPokeChannel::spawn`]), the other processes on the PostgreSQL database at
    /// `url`.
    pub fn over_postgres(hub: PokeHub, url: String) -> (Self, PgPokeChannel) {
        let (sender, receiver) = watch::channel(0);
        let outbox = Arc::new(Outbox::default());
        let channel = PgPokeChannel::new(url, hub.clone(), Arc::clone(&outbox), receiver);
        let poker = Poker {
            hub,
            remote: Some((outbox, sender)),
        };
        (poker, channel)
    }

    /// Announces a commit that changed the views of `targets`.
    pub fn committed(&self, targets: PokeTargets) {
        if targets.is_nobody() {
            return;
        }
        self.hub.notify(&targets);
        if let Some((outbox, wake)) = &self.remote {
            outbox.add(targets);
            wake.send_modify(|count| *count = count.wrapping_add(1));
        }
    }
}
