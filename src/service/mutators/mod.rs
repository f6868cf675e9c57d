//! The chat's mutators, parsed once into a typed [`Mutator`] and applied inside the
//! push transaction against what the batch knows of its rooms ([`RoomBook`]).
//!
//! Adding a mutator is one change in this module: a variant, its arms in
//! [`Mutator::parse`] and [`Mutator::apply`] (and [`Mutator::names`] when it names rooms
//! or messages), and its functions in the file of its entity (`messages.rs`,
//! `rooms.rs`). Every write is a single statement that changes one row or none, so a
//! rejected mutation leaves nothing half-written even inside a larger transaction.
//! `createMessage` only hands back the row: the push inserts the new messages of a batch
//! together (see [`Effect`]). Each rejection names the rule it enforces.

mod book;
mod limits;
mod messages;
mod rooms;

pub use book::{KnownMessage, KnownRoom, RoomBook};
pub use limits::MutationLimits;

use crate::db::DbConn;
use crate::domain::{MessageId, RoomId, UserId, Version, Visibility};
use crate::models::NewMessage;
use chrono::NaiveDateTime;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt;

/// A mutation the server knows, with its checked arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutator {
    /// `createMessage {id, from, content, order, roomID?}`: a new message.
    CreateMessage(messages::NewMessageArgs),
    /// `updateMessage {id, content}`: new text for a message, by its author.
    UpdateMessage {
        /// The message.
        id: MessageId,
        /// The new text.
        content: String,
    },
    /// `deleteMessage {id}`: a message leaves every view, by its author or room owner.
    DeleteMessage {
        /// The message.
        id: MessageId,
    },
    /// `createRoom {id, name, visibility?}`: a new room owned by its creator.
    CreateRoom {
        /// The room.
        id: RoomId,
        /// Its name.
        name: String,
        /// Public or private (the default).
        visibility: Visibility,
    },
    /// `renameRoom {id, name}`: by the owner.
    RenameRoom {
        /// The room.
        id: RoomId,
        /// The new name.
        name: String,
    },
    /// `deleteRoom {id}`: by the owner; never `general`.
    DeleteRoom {
        /// The room.
        id: RoomId,
    },
    /// `addMember {roomID, userID}`: by a member of the private room.
    AddMember {
        /// The room.
        room: RoomId,
        /// The user to add.
        user: UserId,
    },
    /// `removeMember {roomID, userID}`: by the owner, or by the member themself.
    RemoveMember {
        /// The room.
        room: RoomId,
        /// The user to remove.
        user: UserId,
    },
}

/// Why a mutation is refused for good (its id is still consumed). The reason names the
/// rule that was broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection(pub String);

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a mutator did not apply.
#[derive(Debug)]
pub enum MutatorError {
    /// A permanent refusal (a missing target, a rule of rooms).
    Rejected(Rejection),
    /// The database failed; the push decides whether to retry.
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for MutatorError {
    fn from(e: diesel::result::Error) -> Self {
        MutatorError::Database(e)
    }
}

impl From<Rejection> for MutatorError {
    fn from(rejection: Rejection) -> Self {
        MutatorError::Rejected(rejection)
    }
}

/// Refuses with `reason`.
fn reject<T>(reason: impl Into<String>) -> Result<T, MutatorError> {
    Err(MutatorError::Rejected(Rejection(reason.into())))
}

/// What applying a mutator left for the push to do.
#[derive(Debug)]
pub enum Effect<'m> {
    /// Insert this new message (the batch inserts them together).
    Insert(NewMessage<'m>),
    /// The mutator wrote its change already, or there was nothing to change.
    Written,
}

/// Whose views a change touches, for the pokes after the commit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience {
    /// Every user (a change in a public room).
    pub everyone: bool,
    /// The readers of these rooms (everyone for a public room, else its members).
    pub rooms: Vec<RoomId>,
    /// These users (one who lost access, the creator of a private room).
    pub users: Vec<UserId>,
}

impl Audience {
    /// The readers of `room`.
    fn room(room: &RoomId) -> Self {
        Audience {
            rooms: vec![room.clone()],
            ..Audience::default()
        }
    }
}

/// A mutator's effect and who it concerns.
#[derive(Debug)]
pub struct Applied<'m> {
    /// What is left for the push to do.
    pub effect: Effect<'m>,
    /// Whose views change.
    pub audience: Audience,
}

/// What applying a mutator returns.
pub type Outcome<'m> = Result<Applied<'m>, MutatorError>;

/// Where a mutator applies: the transaction's connection, the batch's [`RoomBook`] and
/// the mutation's context.
pub struct At<'a, 'm> {
    conn: &'a mut DbConn,
    book: &'a mut RoomBook,
    ctx: &'a MutationContext<'m>,
}

/// Who applies a mutation, and when.
#[derive(Debug, Clone, Copy)]
pub struct MutationContext<'a> {
    /// The authenticated user who pushed it.
    pub user: &'a UserId,
    /// The version every row it writes is stamped with.
    pub version: Version,
    /// The time of the push (UTC).
    pub now: NaiveDateTime,
}

impl Mutator {
    /// Parses the mutation `name(args)` and checks its arguments against `limits`.
    pub fn parse(name: &str, args: Value, limits: &MutationLimits) -> Result<Self, Rejection> {
        match name {
            "createMessage" => messages::parse_create(args, limits).map(Mutator::CreateMessage),
            "updateMessage" => messages::parse_update(args, limits),
            "deleteMessage" => messages::parse_delete(args, limits),
            "createRoom" => rooms::parse_create(args, limits),
            "renameRoom" => rooms::parse_rename(args, limits),
            "deleteRoom" => rooms::parse_delete(args, limits),
            "addMember" | "removeMember" => rooms::parse_membership(name, args, limits),
            other => Err(Rejection(format!("unknown mutator {other:?}"))),
        }
    }

    /// True when the mutator reads existing messages, so messages created earlier in
    /// the same batch must be written before it runs.
    pub fn reads_existing_rows(&self) -> bool {
        matches!(
            self,
            Mutator::UpdateMessage { .. } | Mutator::DeleteMessage { .. }
        )
    }

    /// Adds the rooms, messages and users this mutator names to the lists a batch's
    /// [`RoomBook`] is loaded for.
    pub fn names<'a>(
        &'a self,
        rooms: &mut Vec<&'a RoomId>,
        messages: &mut Vec<&'a MessageId>,
        users: &mut Vec<&'a UserId>,
    ) {
        match self {
            Mutator::CreateMessage(args) => {
                rooms.push(&args.room);
                messages.push(&args.id);
            }
            Mutator::UpdateMessage { id, .. } | Mutator::DeleteMessage { id } => messages.push(id),
            Mutator::CreateRoom { id, .. }
            | Mutator::RenameRoom { id, .. }
            | Mutator::DeleteRoom { id } => rooms.push(id),
            Mutator::AddMember { room, user } | Mutator::RemoveMember { room, user } => {
                rooms.push(room);
                users.push(user);
            }
        }
    }

    /// Runs the mutator for `ctx.user`, checking its rules against `book` and keeping
    /// `book` up to date with what it writes.
    pub fn apply<'m>(
        &'m self,
        conn: &mut DbConn,
        book: &mut RoomBook,
        ctx: &MutationContext<'m>,
    ) -> Outcome<'m> {
        let at = &mut At { conn, book, ctx };
        match self {
            Mutator::CreateMessage(args) => messages::create(at, args),
            Mutator::UpdateMessage { id, content } => messages::update(at, id, content),
            Mutator::DeleteMessage { id } => messages::delete(at, id),
            Mutator::CreateRoom {
                id,
                name,
                visibility,
            } => rooms::create(at, id, name, *visibility),
            Mutator::RenameRoom { id, name } => rooms::rename(at, id, name),
            Mutator::DeleteRoom { id } => rooms::delete(at, id),
            Mutator::AddMember { room, user } => rooms::add_member(at, room, user),
            Mutator::RemoveMember { room, user } => rooms::remove_member(at, room, user),
        }
    }
}

/// Refuses unless `ctx.user` can read `room` (which must exist and be live).
fn readable(book: &RoomBook, room: &RoomId, ctx: &MutationContext<'_>) -> Result<(), MutatorError> {
    match book.room(room) {
        Some(known) if !known.deleted => {
            if book.can_read(room, ctx.user) {
                Ok(())
            } else {
                reject(format!("not a member of room {room}"))
            }
        }
        _ => reject(format!("room {room} does not exist")),
    }
}

/// A change written already, concerning `audience`.
fn written<'m>(audience: Audience) -> Applied<'m> {
    Applied {
        effect: Effect::Written,
        audience,
    }
}

/// Decodes mutator arguments; a failure is a rejection naming what is wrong.
fn decode<T: DeserializeOwned>(args: Value) -> Result<T, Rejection> {
    serde_json::from_value(args).map_err(|e| Rejection(format!("invalid arguments: {e}")))
}
