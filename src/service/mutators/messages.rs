//! The message mutators: `createMessage`, `updateMessage`, `deleteMessage`.
//!
//! Rules: posting needs read access to the room; editing is for the author while they can
//! read the room; deleting is for the author while they can read the room, or for the
//! room's owner.

use super::{
    decode, readable, reject, written, Applied, At, Audience, Effect, KnownMessage,
    MutationContext, MutationLimits, Mutator, MutatorError, Outcome, Rejection, RoomBook,
};
use crate::domain::js_number::is_safe_integer;
use crate::domain::{check_text, MessageId, RoomId, TextRule};
use crate::models::NewMessage;
use crate::repository::MessageRepo;
use serde::Deserialize;
use serde_json::Value;

/// The checked arguments of `createMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessageArgs {
    /// The new message's id.
    pub id: MessageId,
    /// Its author's display name, as the client sent it.
    pub from: String,
    /// Its text.
    pub content: String,
    /// Its sort position, a safe JavaScript integer.
    pub order: i64,
    /// Its room (`general` when the client named none).
    pub room: RoomId,
}

#[derive(Deserialize)]
#[serde(expecting = "createMessage arguments (an object)")]
struct CreateArgs {
    id: String,
    from: String,
    content: String,
    order: i64,
    #[serde(rename = "roomID")]
    room_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(expecting = "updateMessage arguments (an object)")]
struct UpdateArgs {
    id: String,
    content: String,
}

#[derive(Deserialize)]
#[serde(expecting = "deleteMessage arguments (an object)")]
struct DeleteArgs {
    id: String,
}

fn check(field: &str, value: &str, rule: TextRule) -> Result<(), Rejection> {
    check_text(field, value, rule).map_err(Rejection)
}

fn message_id(id: String, limits: &MutationLimits) -> Result<MessageId, Rejection> {
    MessageId::parse("id", id, limits.max_message_id_len).map_err(Rejection)
}

/// `createMessage {id, from, content, order, roomID?}`.
pub(super) fn parse_create(
    args: Value,
    limits: &MutationLimits,
) -> Result<NewMessageArgs, Rejection> {
    let args: CreateArgs = decode(args)?;
    let id = message_id(args.id, limits)?;
    check(
        "from",
        &args.from,
        TextRule::optional(limits.max_sender_len),
    )?;
    check(
        "content",
        &args.content,
        TextRule::optional(limits.max_content_len),
    )?;
    if !is_safe_integer(args.order) {
        return Err(Rejection("order is outside the safe integer range".into()));
    }
    let room = match args.room_id {
        Some(room) => {
            RoomId::parse("roomID", room, limits.max_message_id_len).map_err(Rejection)?
        }
        None => RoomId::general(),
    };
    Ok(NewMessageArgs {
        id,
        from: args.from,
        content: args.content,
        order: args.order,
        room,
    })
}

/// `updateMessage {id, content}`.
pub(super) fn parse_update(args: Value, limits: &MutationLimits) -> Result<Mutator, Rejection> {
    let args: UpdateArgs = decode(args)?;
    let id = message_id(args.id, limits)?;
    check(
        "content",
        &args.content,
        TextRule::optional(limits.max_content_len),
    )?;
    Ok(Mutator::UpdateMessage {
        id,
        content: args.content,
    })
}

/// `deleteMessage {id}`.
pub(super) fn parse_delete(args: Value, limits: &MutationLimits) -> Result<Mutator, Rejection> {
    let args: DeleteArgs = decode(args)?;
    Ok(Mutator::DeleteMessage {
        id: message_id(args.id, limits)?,
    })
}

/// A new message in a room its author can read; its row is handed back for the batch
/// to insert.
pub(super) fn create<'m>(at: &mut At<'_, 'm>, args: &'m NewMessageArgs) -> Outcome<'m> {
    let (book, ctx) = (&mut *at.book, at.ctx);
    if book.message(&args.id).is_some() {
        return reject(format!("message {} already exists", args.id));
    }
    readable(book, &args.room, ctx)?;
    let known = KnownMessage {
        room: args.room.clone(),
        author: ctx.user.clone(),
        deleted: false,
    };
    book.add_message(&args.id, known);
    Ok(Applied {
        effect: Effect::Insert(NewMessage {
            id: &args.id,
            sender: &args.from,
            content: &args.content,
            ord: args.order,
            deleted: false,
            version: ctx.version,
            room_id: &args.room,
            author_id: ctx.user,
        }),
        audience: Audience::room(&args.room),
    })
}

/// New text for a live message, by its author while they can read its room.
pub(super) fn update<'m>(at: &mut At<'_, 'm>, id: &MessageId, content: &str) -> Outcome<'m> {
    let (conn, book, ctx) = (&mut *at.conn, &mut *at.book, at.ctx);
    let message = visible_message(book, id, ctx)?;
    if &message.author != ctx.user {
        return reject(format!("only the author may edit message {id}"));
    }
    readable(book, &message.room, ctx)?;
    if !MessageRepo::update_content(conn, id, content, ctx.version)? {
        return reject(format!("message {id} does not exist"));
    }
    Ok(written(Audience::room(&message.room)))
}

/// A live message becomes a tombstone: by its author while they can read its room, or
/// by the room's owner.
pub(super) fn delete<'m>(at: &mut At<'_, 'm>, id: &MessageId) -> Outcome<'m> {
    let (conn, book, ctx) = (&mut *at.conn, &mut *at.book, at.ctx);
    let message = visible_message(book, id, ctx)?;
    let owner = book
        .room(&message.room)
        .is_some_and(|room| !room.deleted && &room.owner == ctx.user);
    if !owner && &message.author == ctx.user {
        readable(book, &message.room, ctx)?;
    }
    if !owner && &message.author != ctx.user {
        return reject(format!(
            "only the author or the owner of room {} may delete message {id}",
            message.room
        ));
    }
    if !MessageRepo::soft_delete(conn, id, ctx.version, ctx.now)? {
        return reject(format!("message {id} does not exist"));
    }
    book.delete_message(id);
    Ok(written(Audience::room(&message.room)))
}

/// The message, if it is live and `ctx.user` may know of it: its author, or a reader
/// (or the owner) of its room. To anyone else it does not exist, so that a message id
/// tells nothing of a room one cannot read.
fn visible_message(
    book: &RoomBook,
    id: &MessageId,
    ctx: &MutationContext<'_>,
) -> Result<KnownMessage, MutatorError> {
    match book.message(id) {
        Some(message) if !message.deleted => {
            let owner = book
                .room(&message.room)
                .is_some_and(|room| &room.owner == ctx.user);
            let known =
                &message.author == ctx.user || owner || book.can_read(&message.room, ctx.user);
            if known {
                return Ok(message.clone());
            }
            reject(format!("message {id} does not exist"))
        }
        _ => reject(format!("message {id} does not exist")),
    }
}
