//! What the mutators of one push batch know of the rooms, memberships and messages they
//! touch: read in a few queries when the batch starts, kept up to date as they write,
//! so that every permission check of the batch is a lookup in memory.

use super::Mutator;
use crate::db::DbConn;
use crate::domain::{MessageId, RoomId, UserId, Visibility};
use crate::repository::{MemberRepo, MessageRepo, RoomRepo};
use diesel::result::QueryResult;
use std::collections::{HashMap, HashSet};

/// A room as the batch knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownRoom {
    /// Public or private.
    pub visibility: Visibility,
    /// Its creator.
    pub owner: UserId,
    /// Whether it was deleted.
    pub deleted: bool,
}

/// A message as the batch knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownMessage {
    /// Its room.
    pub room: RoomId,
    /// The user who posted it.
    pub author: UserId,
    /// Whether it was deleted.
    pub deleted: bool,
}

/// The rooms, memberships and messages a batch's mutators may check or change.
#[derive(Debug, Default)]
pub struct RoomBook {
    /// Every room the batch names; `None` when it does not exist.
    rooms: HashMap<RoomId, Option<KnownRoom>>,
    /// Live memberships among the batch's rooms and users.
    members: HashSet<(RoomId, UserId)>,
    /// Every message the batch names; `None` when it does not exist.
    messages: HashMap<MessageId, Option<KnownMessage>>,
    /// The batch wrote a room or a membership.
    wrote_rooms: bool,
}

impl RoomBook {
    /// Reads what `mutations` (each with the user who pushed it) may need: the messages
    /// they name, the rooms they or those messages name, and the memberships of their
    /// users in those rooms. At most three queries; none for a batch that only posts to
    /// `general`.
    pub fn load<'a>(
        conn: &mut DbConn,
        mutations: impl Iterator<Item = (&'a Mutator, &'a UserId)>,
    ) -> QueryResult<Self> {
        let mut book = RoomBook::default();
        book.rooms.insert(RoomId::general(), Some(general()));
        let (mut room_ids, mut message_ids, mut user_ids) = (Vec::new(), Vec::new(), Vec::new());
        for (mutator, user) in mutations {
            user_ids.push(user);
            mutator.names(&mut room_ids, &mut message_ids, &mut user_ids);
        }
        let message_ids = distinct(message_ids);
        if !message_ids.is_empty() {
            for row in MessageRepo::find_all(conn, &message_ids)? {
                let known = KnownMessage {
                    room: row.room_id,
                    author: row.author_id,
                    deleted: row.deleted,
                };
                book.messages.insert(row.id, Some(known));
            }
            for id in message_ids {
                book.messages.entry(id.clone()).or_insert(None);
            }
        }
        let message_rooms: Vec<RoomId> = book.known_message_rooms();
        room_ids.extend(message_rooms.iter());
        let room_ids: Vec<&RoomId> = distinct(room_ids)
            .into_iter()
            .filter(|id| !id.is_general())
            .collect();
        if room_ids.is_empty() {
            return Ok(book);
        }
        for row in RoomRepo::find_all(conn, &room_ids)? {
            let known = KnownRoom {
                visibility: row.visibility,
                owner: row.owner_id,
                deleted: row.deleted,
            };
            book.rooms.insert(row.id, Some(known));
        }
        for id in &room_ids {
            book.rooms.entry((*id).clone()).or_insert(None);
        }
        let user_ids = distinct(user_ids);
        for row in MemberRepo::find_for(conn, &room_ids, &user_ids)? {
            if !row.deleted {
                book.members.insert((row.room_id, row.user_id));
            }
        }
        Ok(book)
    }

    fn known_message_rooms(&self) -> Vec<RoomId> {
        self.messages
            .values()
            .flatten()
            .map(|message| message.room.clone())
            .collect()
    }

    /// The room, if it exists (live or deleted).
    pub fn room(&self, id: &RoomId) -> Option<&KnownRoom> {
        self.rooms.get(id).and_then(Option::as_ref)
    }

    /// The message, if it exists (live or deleted).
    pub fn message(&self, id: &MessageId) -> Option<&KnownMessage> {
        self.messages.get(id).and_then(Option::as_ref)
    }

    /// True when `user` is a live member of the (private) room.
    pub fn is_member(&self, room: &RoomId, user: &UserId) -> bool {
        self.members.contains(&(room.clone(), user.clone()))
    }

    /// True when `user` can read the room: it is live and public, or private with
    /// `user` a member.
    pub fn can_read(&self, room: &RoomId, user: &UserId) -> bool {
        match self.room(room) {
            Some(known) if !known.deleted => {
                known.visibility == Visibility::Public || self.is_member(room, user)
            }
            _ => false,
        }
    }

    /// True when the batch wrote a room or a membership (who can read what, or a name).
    pub fn wrote_rooms(&self) -> bool {
        self.wrote_rooms
    }

    /// Records that the batch wrote a room row in place (a rename).
    pub fn touch_rooms(&mut self) {
        self.wrote_rooms = true;
    }

    /// Records a room the batch created.
    pub fn add_room(&mut self, id: &RoomId, room: KnownRoom) {
        self.rooms.insert(id.clone(), Some(room));
        self.wrote_rooms = true;
    }

    /// Records that the batch deleted a room.
    pub fn delete_room(&mut self, id: &RoomId) {
        if let Some(Some(room)) = self.rooms.get_mut(id) {
            room.deleted = true;
        }
        self.wrote_rooms = true;
    }

    /// Records a membership the batch made live or ended.
    pub fn set_member(&mut self, room: &RoomId, user: &UserId, live: bool) {
        self.wrote_rooms = true;
        let key = (room.clone(), user.clone());
        if live {
            self.members.insert(key);
        } else {
            self.members.remove(&key);
        }
    }

    /// Records a message the batch created.
    pub fn add_message(&mut self, id: &MessageId, message: KnownMessage) {
        self.messages.insert(id.clone(), Some(message));
    }

    /// Records that the batch deleted a message.
    pub fn delete_message(&mut self, id: &MessageId) {
        if let Some(Some(message)) = self.messages.get_mut(id) {
            message.deleted = true;
        }
    }
}

/// `general` as every database has it: public, owned by nobody, never deleted.
fn general() -> KnownRoom {
    KnownRoom {
        visibility: Visibility::Public,
        owner: UserId::anonymous(),
        deleted: false,
    }
}

fn distinct<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort_unstable();
    items.dedup();
    items
}
