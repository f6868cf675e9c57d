//! The in-process fan-out of pokes, to every stream or to the streams of some users.

use crate::domain::UserId;
use rocket::tokio::sync::watch;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Whose streams a poke wakes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PokeTargets {
    /// Every stream.
    Everyone,
    /// The streams of these users.
    Users(BTreeSet<UserId>),
}

impl PokeTargets {
    /// Nobody yet.
    pub fn nobody() -> Self {
        PokeTargets::Users(BTreeSet::new())
    }

    /// Adds `other`'s targets to these.
    pub fn merge(&mut self, other: PokeTargets) {
        match (&mut *self, other) {
            (PokeTargets::Everyone, _) => {}
            (_, PokeTargets::Everyone) => *self = PokeTargets::Everyone,
            (PokeTargets::Users(mine), PokeTargets::Users(theirs)) => mine.extend(theirs),
        }
    }

    /// True when nobody is to be poked.
    pub fn is_nobody(&self) -> bool {
        matches!(self, PokeTargets::Users(users) if users.is_empty())
    }
}

/// Broadcasts pokes to the subscribers. Built on `watch` channels, one for every stream
/// and one per user with an open stream: a subscriber that falls behind sees one change
/// for any number of pokes, so memory stays bounded and a slow stream still gets a poke
/// after the last commit. Cheap to clone: clones share the channels.
#[derive(Debug, Clone)]
pub struct PokeHub {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    everyone: watch::Sender<u64>,
    users: Mutex<HashMap<UserId, watch::Sender<u64>>>,
}

impl Default for PokeHub {
    fn default() -> Self {
        PokeHub::new()
    }
}

fn bump(sender: &watch::Sender<u64>) {
    sender.send_modify(|count| *count = count.wrapping_add(1));
}

impl PokeHub {
    /// A hub with no subscribers.
    pub fn new() -> Self {
        let (everyone, _) = watch::channel(0);
        PokeHub {
            shared: Arc::new(Shared {
                everyone,
                users: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn users(&self) -> MutexGuard<'_, HashMap<UserId, watch::Sender<u64>>> {
        self.shared
            .users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Pokes the streams `targets` names.
    pub fn notify(&self, targets: &PokeTargets) {
        match targets {
            PokeTargets::Everyone => bump(&self.shared.everyone),
            PokeTargets::Users(users) => {
                let channels = self.users();
                for user in users {
                    if let Some(sender) = channels.get(user) {
                        bump(sender);
                    }
                }
            }
        }
    }

    /// Pokes every stream.
    pub fn notify_all(&self) {
        self.notify(&PokeTargets::Everyone);
    }

    /// A subscription of a stream of `user`: woken by pokes of everyone and of `user`.
    pub fn subscribe(&self, user: &UserId) -> Subscription {
        let own = {
            let mut channels = self.users();
            let sender = channels
                .entry(user.clone())
                .or_insert_with(|| watch::channel(0).0);
            sender.subscribe()
        };
        Subscription {
            everyone: self.shared.everyone.subscribe(),
            own,
            user: user.clone(),
            hub: self.clone(),
        }
    }

    /// Number of open subscriptions (SSE streams).
    pub fn subscribers(&self) -> usize {
        self.shared.everyone.receiver_count()
    }

    /// Forgets `user`'s channel when its last stream closed.
    fn release(&self, user: &UserId) {
        let mut channels = self.users();
        if channels
            .get(user)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            channels.remove(user);
        }
    }
}

/// One stream's subscription; dropping it closes the user's channel when it was the
/// user's last stream.
#[derive(Debug)]
pub struct Subscription {
    everyone: watch::Receiver<u64>,
    own: watch::Receiver<u64>,
    user: UserId,
    hub: PokeHub,
}

impl Subscription {
    /// Waits for the next poke of this stream (earlier ones are already seen). An error
    /// means the hub is gone.
    pub async fn changed(&mut self) -> Result<(), watch::error::RecvError> {
        rocket::tokio::select! {
            changed = self.everyone.changed() => changed,
            changed = self.own.changed() => changed,
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        // Our own receiver still counts until this returns: drop it first.
        let (placeholder, _) = watch::channel(0);
        drop(std::mem::replace(&mut self.own, placeholder.subscribe()));
        self.hub.release(&self.user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> UserId {
        UserId::parse(name.into()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[rocket::async_test]
    async fn pokes_reach_exactly_their_targets() {
        let hub = PokeHub::new();
        let mut ann = hub.subscribe(&user("ann"));
        let mut bob = hub.subscribe(&user("bob"));
        hub.notify(&PokeTargets::Users([user("ann")].into()));
        assert!(ann.own.has_changed().unwrap_or(false));
        assert!(!bob.own.has_changed().unwrap_or(true));
        assert!(ann.changed().await.is_ok());
        hub.notify_all();
        assert!(bob.changed().await.is_ok());
        assert_eq!(hub.subscribers(), 2);
        drop(ann);
        assert_eq!(hub.subscribers(), 1);
        assert!(
            !hub.users().contains_key(&user("ann")),
            "ann's channel is gone"
        );
        assert!(hub.users().contains_key(&user("bob")));
    }

    #[test]
    fn targets_merge_into_everyone_or_a_union() {
        let mut targets = PokeTargets::nobody();
        assert!(targets.is_nobody());
        targets.merge(PokeTargets::Users([user("a")].into()));
        targets.merge(PokeTargets::Users([user("b")].into()));
        assert_eq!(targets, PokeTargets::Users([user("a"), user("b")].into()));
        targets.merge(PokeTargets::Everyone);
        assert_eq!(targets, PokeTargets::Everyone);
    }
}
