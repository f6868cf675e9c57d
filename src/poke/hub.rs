//! The in-process fan-out of pokes.

use rocket::tokio::sync::watch;

/// Broadcasts pokes to every subscriber. Built on a `watch` channel: a subscriber that
/// falls behind sees one change for any number of pokes, so memory stays bounded and a
/// slow stream still gets a poke after the last commit.
#[derive(Debug, Clone)]
pub struct PokeHub {
    sender: watch::Sender<u64>,
}

impl Default for PokeHub {
    fn default() -> Self {
        PokeHub::new()
    }
}

impl PokeHub {
    /// A hub with no subscribers.
    pub fn new() -> Self {
        let (sender, _) = watch::channel(0);
        PokeHub { sender }
    }

    /// Pokes every current subscriber.
    pub fn notify(&self) {
        self.sender
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    /// A receiver that wakes on the next poke (earlier pokes are already seen).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.sender.subscribe()
    }

    /// Number of open subscriptions (SSE streams).
    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }
}
