//! The server as docs/protocol.md and docs/rooms.md describe it: push answers, the
//! mutators' rules with the server's reasons, and each user's visible set.

use super::steps::{message_id, user_id, wire_name, Invalid, Mutator, RoomRef, Visibility};
use super::{KEPT_ERRORS, MAX_ID_LEN, MAX_TEXT_LEN};
use replichat::domain::js_number::MAX_SAFE_INTEGER;
use replichat_test_support::bodies::{message_value_in, rejected};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A mutation as a push carries it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub client: String,
    pub id: i64,
    pub mutator: Mutator,
}

/// A stored message; deleted ones stay as tombstones (their id cannot be created again).
#[derive(Debug, Clone)]
struct Message {
    from: String,
    content: String,
    order: i64,
    room: String,
    author: String,
    deleted: bool,
}

/// A stored room; deleted ones stay as tombstones.
#[derive(Debug, Clone)]
struct Room {
    name: String,
    visibility: Visibility,
    owner: String,
    deleted: bool,
}

/// How the server must answer a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushAnswer {
    Accepted,
    ClientStateNotFound,
    Forbidden,
}

/// The state of the server.
#[derive(Debug)]
pub struct Model {
    rooms: BTreeMap<String, Room>,
    /// (room, user) of every live membership.
    members: BTreeSet<(String, String)>,
    messages: BTreeMap<String, Message>,
    /// group -> the user who owns it (who first advanced one of its clients).
    groups: BTreeMap<String, String>,
    /// clientID -> (group, lastMutationID), for clients with a committed mutation.
    pub clients: BTreeMap<String, (String, i64)>,
    /// clientID -> mutation id -> (mutator name, reason) of its refused mutations, the
    /// newest [`KEPT_ERRORS`] only.
    errors: BTreeMap<String, BTreeMap<i64, (String, String)>>,
}

/// The reason of a text argument `field` breaking its rule: not empty (`required`), at
/// most [`MAX_TEXT_LEN`] characters.
fn check_text(field: &str, text: &str, required: bool) -> Result<(), String> {
    if required && text.is_empty() {
        return Err(format!("{field} must not be empty"));
    }
    if text.chars().count() > MAX_TEXT_LEN {
        return Err(format!("{field} is longer than {MAX_TEXT_LEN} characters"));
    }
    Ok(())
}

/// The server's reason for refusing arguments `invalid`, whatever the state.
fn invalid_reason(invalid: Invalid) -> String {
    match invalid {
        Invalid::OrderIsText => {
            "invalid arguments: invalid type: string \"1\", expected i64".into()
        }
        Invalid::FractionalOrder => {
            "invalid arguments: invalid type: floating point `1.5`, expected i64".into()
        }
        Invalid::ContentMissing => "invalid arguments: missing field `content`".into(),
        Invalid::NullArgs => {
            "invalid arguments: invalid type: null, expected createMessage arguments (an object)"
                .into()
        }
        Invalid::EmptyId => "id must not be empty".into(),
        Invalid::NulInId => "id contains a NUL character".into(),
        Invalid::LongId => format!("id is longer than {MAX_ID_LEN} characters"),
        Invalid::EmptyRoomId => "roomID must not be empty".into(),
        Invalid::SlashInRoomId => "id must not contain \"/\"".into(),
        Invalid::UnknownVisibility => {
            "visibility must be \"public\" or \"private\", not \"secret\"".into()
        }
        Invalid::EmptyUserId => "userID is not a user id: a user id must not be empty".into(),
    }
}

impl Default for Model {
    /// A new database: only the public room `general`, owned by nobody.
    fn default() -> Self {
        let general = Room {
            name: "general".into(),
            visibility: Visibility::Public,
            owner: String::new(),
            deleted: false,
        };
        Model {
            rooms: BTreeMap::from([("general".to_string(), general)]),
            members: BTreeSet::new(),
            messages: BTreeMap::new(),
            groups: BTreeMap::new(),
            clients: BTreeMap::new(),
            errors: BTreeMap::new(),
        }
    }
}

impl Model {
    fn lmid(&self, client: &str) -> i64 {
        self.clients.get(client).map_or(0, |(_, lmid)| *lmid)
    }

    /// True when `group` belongs to a user other than `user`.
    pub fn foreign_group(&self, group: &str, user: &str) -> bool {
        self.groups.get(group).is_some_and(|owner| owner != user)
    }

    /// Processes a push of `batch` for `group` by `user`.
    pub fn push(&mut self, group: &str, user: &str, batch: &[Sent]) -> PushAnswer {
        let foreign_client = batch
            .iter()
            .any(|sent| matches!(self.clients.get(&sent.client), Some((g, _)) if g != group));
        if self.foreign_group(group, user) || foreign_client {
            return PushAnswer::Forbidden;
        }
        let mut answer = PushAnswer::Accepted;
        let mut advanced = false;
        for sent in batch {
            let expected = self.lmid(&sent.client) + 1;
            if sent.id < expected {
                continue;
            }
            if sent.id > expected {
                answer = PushAnswer::ClientStateNotFound;
                break;
            }
            if let Err(reason) = self.apply(user, &sent.mutator) {
                let name = wire_name(&sent.mutator).to_string();
                let errors = self.errors.entry(sent.client.clone()).or_default();
                errors.insert(sent.id, (name, reason));
                if errors.len() > KEPT_ERRORS {
                    errors.pop_first();
                }
            }
            let registered = (group.to_string(), sent.id);
            self.clients.insert(sent.client.clone(), registered);
            advanced = true;
        }
        if advanced {
            self.groups
                .entry(group.to_string())
                .or_insert_with(|| user.to_string());
        }
        answer
    }

    /// Runs a mutator for `user`; a refused one changes nothing (its id is consumed by
    /// the caller) and gives the server's reason, checked in the server's order:
    /// arguments first, then the state.
    fn apply(&mut self, user: &str, mutator: &Mutator) -> Result<(), String> {
        match mutator {
            Mutator::CreateMessage {
                msg,
                from,
                content,
                order,
                room,
            } => {
                check_text("from", from, false)?;
                check_text("content", content, false)?;
                if order.abs() > MAX_SAFE_INTEGER {
                    return Err("order is outside the safe integer range".into());
                }
                let id = message_id(*msg);
                if self.messages.contains_key(&id) {
                    return Err(format!("message {id} already exists"));
                }
                let room = room.unwrap_or(RoomRef::General).id();
                self.readable(&room, user)?;
                let message = Message {
                    from: from.clone(),
                    content: content.clone(),
                    order: *order,
                    room,
                    author: user.to_string(),
                    deleted: false,
                };
                self.messages.insert(id, message);
                Ok(())
            }
            Mutator::UpdateMessage { msg, content } => {
                check_text("content", content, false)?;
                let id = message_id(*msg);
                let message = self.visible_message(&id, user)?;
                if message.author != user {
                    return Err(format!("only the author may edit message {id}"));
                }
                self.readable(&message.room, user)?;
                if let Some(message) = self.messages.get_mut(&id) {
                    message.content = content.clone();
                }
                Ok(())
            }
            Mutator::DeleteMessage { msg } => {
                let id = message_id(*msg);
                let message = self.visible_message(&id, user)?;
                let owner = self
                    .live_room(&message.room)
                    .is_some_and(|room| room.owner == user);
                if !owner && message.author == user {
                    self.readable(&message.room, user)?;
                }
                if !owner && message.author != user {
                    let room = &message.room;
                    return Err(format!(
                        "only the author or the owner of room {room} may delete message {id}"
                    ));
                }
                if let Some(message) = self.messages.get_mut(&id) {
                    message.deleted = true;
                }
                Ok(())
            }
            Mutator::CreateRoom {
                room,
                name,
                visibility,
            } => {
                check_text("name", name, true)?;
                let id = room.id();
                if self.rooms.contains_key(&id) {
                    return Err(format!("room {id} already exists"));
                }
                let visibility = visibility.unwrap_or(Visibility::Private);
                let row = Room {
                    name: name.clone(),
                    visibility,
                    owner: user.to_string(),
                    deleted: false,
                };
                self.rooms.insert(id.clone(), row);
                if visibility == Visibility::Private {
                    self.members.insert((id, user.to_string()));
                }
                Ok(())
            }
            Mutator::RenameRoom { room, name } => {
                check_text("name", name, true)?;
                let id = room.id();
                self.owned(&id, user, "rename")?;
                if let Some(room) = self.rooms.get_mut(&id) {
                    room.name = name.clone();
                }
                Ok(())
            }
            Mutator::DeleteRoom { room } => {
                if *room == RoomRef::General {
                    return Err("the room general cannot be deleted".into());
                }
                let id = room.id();
                self.owned(&id, user, "delete")?;
                if let Some(room) = self.rooms.get_mut(&id) {
                    room.deleted = true;
                }
                Ok(())
            }
            Mutator::AddMember { room, user: added } => {
                let (room, added) = (room.id(), user_id(*added));
                self.private_room(&room)?;
                self.readable(&room, user)?;
                self.members.insert((room, added));
                Ok(())
            }
            Mutator::RemoveMember {
                room,
                user: removed,
            } => {
                let (room, removed) = (room.id(), user_id(*removed));
                let owner = self.private_room(&room)?.owner.clone();
                self.readable(&room, user)?;
                if owner == removed {
                    return Err(format!(
                        "the owner cannot leave room {room}: delete it instead"
                    ));
                }
                if owner != user && removed != user {
                    return Err(format!(
                        "only the owner of room {room} may remove other members"
                    ));
                }
                if !self.members.remove(&(room.clone(), removed.clone())) {
                    return Err(format!("{removed} is not a member of room {room}"));
                }
                Ok(())
            }
            Mutator::Unknown => Err(format!("unknown mutator {:?}", wire_name(mutator))),
            Mutator::Invalid(invalid) => Err(invalid_reason(*invalid)),
        }
    }

    fn live_room(&self, id: &str) -> Option<&Room> {
        self.rooms.get(id).filter(|room| !room.deleted)
    }

    /// True when `user` may read the room: it is live, and public or theirs.
    fn can_read(&self, id: &str, user: &str) -> bool {
        self.live_room(id).is_some_and(|room| {
            room.visibility == Visibility::Public
                || self.members.contains(&(id.to_string(), user.to_string()))
        })
    }

    /// Refuses unless the room is live and `user` may read it.
    fn readable(&self, id: &str, user: &str) -> Result<(), String> {
        match self.live_room(id) {
            Some(_) if self.can_read(id, user) => Ok(()),
            Some(_) => Err(format!("not a member of room {id}")),
            None => Err(format!("room {id} does not exist")),
        }
    }

    /// Refuses unless the room is live and `user` owns it; who owns it is only for its
    /// readers to know.
    fn owned(&self, id: &str, user: &str, action: &str) -> Result<(), String> {
        match self.live_room(id) {
            Some(room) if room.owner == user => Ok(()),
            Some(_) if self.can_read(id, user) => {
                Err(format!("only the owner may {action} room {id}"))
            }
            Some(_) => Err(format!("not a member of room {id}")),
            None => Err(format!("room {id} does not exist")),
        }
    }

    /// The room, which must be live and private.
    fn private_room(&self, id: &str) -> Result<&Room, String> {
        match self.live_room(id) {
            Some(room) if room.visibility == Visibility::Public => {
                Err(format!("room {id} is public: it has no members"))
            }
            Some(room) => Ok(room),
            None => Err(format!("room {id} does not exist")),
        }
    }

    /// The live message, if `user` may know of it: its author, the owner of its room
    /// (even a deleted one), or a reader of its room.
    fn visible_message(&self, id: &str, user: &str) -> Result<Message, String> {
        let known = |message: &Message| {
            message.author == user
                || self
                    .rooms
                    .get(&message.room)
                    .is_some_and(|room| room.owner == user)
                || self.can_read(&message.room, user)
        };
        match self.messages.get(id) {
            Some(message) if !message.deleted && known(message) => Ok(message.clone()),
            _ => Err(format!("message {id} does not exist")),
        }
    }

    /// The client view of `group` for `user`: the rooms `user` can read with their
    /// members and live messages, and the kept error entries of the group's clients.
    pub fn view(&self, group: &str, user: &str) -> BTreeMap<String, Value> {
        let mut view = BTreeMap::new();
        let readable = self.rooms.iter().filter(|(id, _)| self.can_read(id, user));
        for (id, room) in readable {
            let value = json!({
                "name": room.name,
                "visibility": room.visibility.as_str(),
                "owner": room.owner,
            });
            view.insert(format!("room/{id}"), value);
        }
        for (room, member) in &self.members {
            if self.can_read(room, user) {
                let owner = self.rooms.get(room).is_some_and(|r| &r.owner == member);
                let role = if owner { "owner" } else { "member" };
                view.insert(format!("member/{room}/{member}"), json!({"role": role}));
            }
        }
        for (id, m) in &self.messages {
            if !m.deleted && self.can_read(&m.room, user) {
                let value = message_value_in(&m.room, &m.author, &m.from, &m.content, m.order);
                view.insert(format!("message/{id}"), value);
            }
        }
        let group_clients = self
            .errors
            .iter()
            .filter(|(client, _)| self.clients.get(*client).is_some_and(|(g, _)| g == group));
        for (client, errors) in group_clients {
            for (id, (name, reason)) in errors {
                let entry = rejected(client, *id, name, reason);
                view.insert(format!("error/{client}/{id}"), entry["value"].clone());
            }
        }
        view
    }

    /// lastMutationID of every client registered in `group`.
    pub fn lmids(&self, group: &str) -> BTreeMap<String, i64> {
        self.clients
            .iter()
            .filter(|(_, (g, _))| g == group)
            .map(|(client, (_, lmid))| (client.clone(), *lmid))
            .collect()
    }
}
