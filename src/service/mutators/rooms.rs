//! The room mutators: `createRoom`, `renameRoom`, `deleteRoom`, `addMember`,
//! `removeMember` (rules in docs/rooms.md §3).
//!
//! Rules: anyone may create a room and owns it (a private one has its creator as its only
//! member); only the owner renames or deletes it, and `general` is never deleted;
//! members of a private room add members; the owner removes anyone but themself, and a
//! member may remove themself (leave).

use super::{
    decode, readable, reject, written, At, Audience, KnownRoom, MutationContext, MutationLimits,
    Mutator, MutatorError, Outcome, Rejection, RoomBook,
};
use crate::db::DbConn;
use crate::domain::{check_text, Role, RoomId, TextRule, UserId, Visibility};
use crate::models::{NewRoom, NewRoomMember};
use crate::repository::{MemberRepo, RoomRepo};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(expecting = "createRoom arguments (an object)")]
struct CreateArgs {
    id: String,
    name: String,
    visibility: Option<String>,
}

#[derive(Deserialize)]
#[serde(expecting = "renameRoom arguments (an object)")]
struct RenameArgs {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(expecting = "deleteRoom arguments (an object)")]
struct DeleteArgs {
    id: String,
}

#[derive(Deserialize)]
#[serde(expecting = "addMember or removeMember arguments (an object)")]
struct MembershipArgs {
    #[serde(rename = "roomID")]
    room_id: String,
    #[serde(rename = "userID")]
    user_id: String,
}

fn room_id(field: &str, id: String, limits: &MutationLimits) -> Result<RoomId, Rejection> {
    RoomId::parse(field, id, limits.max_message_id_len).map_err(Rejection)
}

fn room_name(name: &str, limits: &MutationLimits) -> Result<(), Rejection> {
    check_text("name", name, TextRule::required(limits.max_sender_len)).map_err(Rejection)
}

/// `createRoom {id, name, visibility?}` (`visibility` defaults to `"private"`).
pub(super) fn parse_create(args: Value, limits: &MutationLimits) -> Result<Mutator, Rejection> {
    let args: CreateArgs = decode(args)?;
    let id = room_id("id", args.id, limits)?;
    room_name(&args.name, limits)?;
    let visibility = match args.visibility.as_deref() {
        None => Visibility::Private,
        Some(text) => Visibility::parse(text).ok_or_else(|| {
            Rejection(format!(
                "visibility must be \"public\" or \"private\", not {text:?}"
            ))
        })?,
    };
    Ok(Mutator::CreateRoom {
        id,
        name: args.name,
        visibility,
    })
}

/// `renameRoom {id, name}`.
pub(super) fn parse_rename(args: Value, limits: &MutationLimits) -> Result<Mutator, Rejection> {
    let args: RenameArgs = decode(args)?;
    let id = room_id("id", args.id, limits)?;
    room_name(&args.name, limits)?;
    Ok(Mutator::RenameRoom {
        id,
        name: args.name,
    })
}

/// `deleteRoom {id}`.
pub(super) fn parse_delete(args: Value, limits: &MutationLimits) -> Result<Mutator, Rejection> {
    let args: DeleteArgs = decode(args)?;
    Ok(Mutator::DeleteRoom {
        id: room_id("id", args.id, limits)?,
    })
}

/// `addMember` or `removeMember` `{roomID, userID}`.
pub(super) fn parse_membership(
    name: &str,
    args: Value,
    limits: &MutationLimits,
) -> Result<Mutator, Rejection> {
    let args: MembershipArgs = decode(args)?;
    let room = room_id("roomID", args.room_id, limits)?;
    let user = UserId::parse(args.user_id)
        .map_err(|e| Rejection(format!("userID is not a user id: {e}")))?;
    Ok(if name == "addMember" {
        Mutator::AddMember { room, user }
    } else {
        Mutator::RemoveMember { room, user }
    })
}

/// A new room owned by `ctx.user`; a private one gets its owner as its only member.
pub(super) fn create<'m>(
    at: &mut At<'_, 'm>,
    id: &RoomId,
    name: &str,
    visibility: Visibility,
) -> Outcome<'m> {
    let (conn, book, ctx) = (&mut *at.conn, &mut *at.book, at.ctx);
    if book.room(id).is_some() {
        return reject(format!("room {id} already exists"));
    }
    let row = NewRoom {
        id,
        name,
        visibility,
        owner_id: ctx.user,
        created_version: ctx.version,
        deleted: false,
        version: ctx.version,
    };
    RoomRepo::insert(conn, &row)?;
    let known = KnownRoom {
        visibility,
        owner: ctx.user.clone(),
        deleted: false,
    };
    book.add_room(id, known);
    if visibility == Visibility::Public {
        return Ok(written(Audience {
            everyone: true,
            ..Audience::default()
        }));
    }
    make_member(conn, id, ctx.user, Role::Owner, book, ctx)?;
    Ok(written(Audience {
        users: vec![ctx.user.clone()],
        ..Audience::default()
    }))
}

/// A new name, by the owner.
pub(super) fn rename<'m>(at: &mut At<'_, 'm>, id: &RoomId, name: &str) -> Outcome<'m> {
    let (conn, book, ctx) = (&mut *at.conn, &mut *at.book, at.ctx);
    owned(book, id, ctx, "rename")?;
    if !RoomRepo::rename(conn, id, name, ctx.version)? {
        return reject(format!("room {id} does not exist"));
    }
    book.touch_rooms();
    Ok(written(Audience::room(id)))
}

/// The room leaves every view, by the owner; never `general`.
pub(super) fn delete<'m>(at: &mut At<'_, 'm>, id: &RoomId) -> Outcome<'m> {
    let (conn, book, ctx) = (&mut *at.conn, &mut *at.book, at.ctx);
    if id.is_general() {
        return reject("the room general cannot be deleted");
    }
    owned(book, id, ctx, "delete")?;
    if !RoomRepo::soft_delete(conn, id, ctx.version, ctx.now)? {
        return reject(format!("room {id} does not exist"));
    }
    book.delete_room(id);
    Ok(written(Audience::room(id)))
}

/// `user` joins the private room, added by one of its members; adding a member again
/// changes nothing.
pub(super) fn add_member<'m>(at: &mut At<'_, 'm>, room: &RoomId, user: &UserId) -> Outcome<'m> {
    let (conn, book, ctx) = (&mut *at.conn, &mut *at.book, at.ctx);
    private_room(book, room)?;
    readable(book, room, ctx)?;
    if !book.is_member(room, user) {
        make_member(conn, room, user, Role::Member, book, ctx)?;
    }
    Ok(written(Audience::room(room)))
}

/// `user` leaves the private room: removed by the owner, or leaving themself. The owner
/// cannot leave.
pub(super) fn remove_member<'m>(at: &mut At<'_, 'm>, room: &RoomId, user: &UserId) -> Outcome<'m> {
    let (conn, book, ctx) = (&mut *at.conn, &mut *at.book, at.ctx);
    let owner = private_room(book, room)?.owner;
    readable(book, room, ctx)?;
    if &owner == user {
        return reject(format!(
            "the owner cannot leave room {room}: delete it instead"
        ));
    }
    if &owner != ctx.user && user != ctx.user {
        return reject(format!(
            "only the owner of room {room} may remove other members"
        ));
    }
    if !book.is_member(room, user)
        || !MemberRepo::soft_delete(conn, room, user, ctx.version, ctx.now)?
    {
        return reject(format!("{user} is not a member of room {room}"));
    }
    book.set_member(room, user, false);
    let mut audience = Audience::room(room);
    audience.users.push(user.clone());
    Ok(written(audience))
}

/// The room, which must be live and private.
fn private_room(book: &RoomBook, room: &RoomId) -> Result<KnownRoom, MutatorError> {
    match book.room(room) {
        Some(known) if known.deleted => reject(format!("room {room} does not exist")),
        Some(known) if known.visibility == Visibility::Public => {
            reject(format!("room {room} is public: it has no members"))
        }
        Some(known) => Ok(known.clone()),
        None => reject(format!("room {room} does not exist")),
    }
}

/// Refuses unless the room is live and `ctx.user` owns it.
fn owned(
    book: &RoomBook,
    id: &RoomId,
    ctx: &MutationContext<'_>,
    action: &str,
) -> Result<(), MutatorError> {
    match book.room(id) {
        Some(room) if !room.deleted && &room.owner == ctx.user => Ok(()),
        // Who owns a room is only for its readers to know.
        Some(room) if !room.deleted && book.can_read(id, ctx.user) => {
            reject(format!("only the owner may {action} room {id}"))
        }
        Some(room) if !room.deleted => reject(format!("not a member of room {id}")),
        _ => reject(format!("room {id} does not exist")),
    }
}

/// Writes `user` as a live member with `role`, and records it in `book`.
fn make_member(
    conn: &mut DbConn,
    room: &RoomId,
    user: &UserId,
    role: Role,
    book: &mut RoomBook,
    ctx: &MutationContext<'_>,
) -> Result<(), MutatorError> {
    let row = NewRoomMember {
        room_id: room,
        user_id: user,
        role,
        created_version: ctx.version,
        deleted: false,
        version: ctx.version,
    };
    MemberRepo::make_live(conn, &row)?;
    book.set_member(room, user, true);
    Ok(())
}
