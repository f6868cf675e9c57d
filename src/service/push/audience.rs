//! Whose streams a batch's commit pokes: the readers of every room it changed, the users
//! it named (one who lost access, the creator of a private room), and every pusher whose
//! lastMutationID moved.

use crate::db::DbConn;
use crate::domain::{RoomId, UserId, Visibility};
use crate::poke::PokeTargets;
use crate::repository::MemberRepo;
use crate::service::mutators::{Audience, RoomBook};
use diesel::result::QueryResult;
use std::collections::BTreeSet;

/// The audience of a batch, gathered mutation by mutation.
#[derive(Debug, Default)]
pub(super) struct BatchAudience {
    everyone: bool,
    rooms: BTreeSet<RoomId>,
    users: BTreeSet<UserId>,
}

impl BatchAudience {
    /// Adds the audience of one applied mutation.
    pub(super) fn add(&mut self, audience: Audience) {
        self.everyone |= audience.everyone;
        self.rooms.extend(audience.rooms);
        self.users.extend(audience.users);
    }

    /// Adds a user (a pusher whose lastMutationID moved).
    pub(super) fn add_user(&mut self, user: &UserId) {
        self.users.insert(user.clone());
    }

    /// The streams to poke, resolved inside the batch's transaction: a public room's
    /// readers are everyone, a private room's its live members (one query for all).
    pub(super) fn resolve(self, conn: &mut DbConn, book: &RoomBook) -> QueryResult<PokeTargets> {
        let public = |room: &RoomId| {
            book.room(room)
                .is_none_or(|known| known.visibility == Visibility::Public)
        };
        if self.everyone || self.rooms.iter().any(public) {
            return Ok(PokeTargets::Everyone);
        }
        let mut users = self.users;
        let private: Vec<&RoomId> = self.rooms.iter().collect();
        if !private.is_empty() {
            users.extend(MemberRepo::live_users_of(conn, &private)?);
        }
        Ok(PokeTargets::Users(users))
    }
}
