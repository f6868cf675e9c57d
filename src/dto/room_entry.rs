//! The mapping of rooms, memberships and rejected mutations onto view entries:
//! `room/<id>` → `{name, visibility, owner}`, `member/<roomID>/<userID>` → `{role}`,
//! `error/<clientID>/<mutationID>` → `{name, message}`; tombstones as `del`.

use super::view_entry::ViewEntry;
use crate::domain::{RoomId, UserId};
use crate::models::{RejectedMutation, Room, RoomMember};
use serde::Serialize;

/// The key of a room in the client view.
pub fn room_key(id: &RoomId) -> String {
    format!("room/{id}")
}

/// The key of a membership in the client view.
pub fn member_key(room: &RoomId, user: &UserId) -> String {
    format!("member/{room}/{user}")
}

#[derive(Serialize)]
struct RoomValue<'a> {
    name: &'a str,
    visibility: &'a str,
    owner: &'a str,
}

#[derive(Serialize)]
struct MemberValue<'a> {
    role: &'a str,
}

#[derive(Serialize)]
struct RejectionValue<'a> {
    name: &'a str,
    message: &'a str,
}

/// The entry of a room: `put room/<id>`, or `del` for a tombstone.
pub fn room_entry(row: &Room) -> serde_json::Result<ViewEntry> {
    let key = room_key(&row.id);
    if row.deleted {
        return ViewEntry::del(key);
    }
    let value = RoomValue {
        name: &row.name,
        visibility: row.visibility.as_str(),
        owner: row.owner_id.as_str(),
    };
    ViewEntry::put(key, &value)
}

/// The entry of a membership: `put member/<room>/<user>`, or `del` once it ended.
pub fn member_entry(row: &RoomMember) -> serde_json::Result<ViewEntry> {
    let key = member_key(&row.room_id, &row.user_id);
    if row.deleted {
        return ViewEntry::del(key);
    }
    ViewEntry::put(
        key,
        &MemberValue {
            role: row.role.as_str(),
        },
    )
}

/// The entry of a rejected mutation: `put error/<client>/<id>`, or `del` once trimmed.
pub fn rejection_entry(row: &RejectedMutation) -> serde_json::Result<ViewEntry> {
    let key = format!("error/{}/{}", row.client_id, row.mutation_id);
    if row.deleted {
        return ViewEntry::del(key);
    }
    let value = RejectionValue {
        name: &row.name,
        message: &row.reason,
    };
    ViewEntry::put(key, &value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Role, Version, Visibility};
    use serde_json::{json, Value};

    fn op(entry: serde_json::Result<ViewEntry>) -> Value {
        let entry = entry.unwrap_or_else(|e| panic!("{e}"));
        serde_json::from_str(entry.op().get()).unwrap_or_default()
    }

    fn id(text: &str) -> RoomId {
        RoomId::parse("id", text.into(), 16).unwrap_or_else(|e| panic!("{e}"))
    }

    fn user(text: &str) -> UserId {
        UserId::parse(text.into()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn rooms_and_members_are_exactly_their_members() {
        let mut room = Room {
            id: id("r1"),
            name: "Plans".into(),
            visibility: Visibility::Private,
            owner_id: user("ann"),
            created_version: Version::new(2),
            deleted: false,
            version: Version::new(3),
            deleted_at: None,
        };
        assert_eq!(
            op(room_entry(&room)),
            json!({"op": "put", "key": "room/r1",
                   "value": {"name": "Plans", "visibility": "private", "owner": "ann"}})
        );
        room.deleted = true;
        assert_eq!(
            op(room_entry(&room)),
            json!({"op": "del", "key": "room/r1"})
        );
        let member = RoomMember {
            room_id: id("r1"),
            user_id: user("bob"),
            role: Role::Member,
            created_version: Version::new(3),
            deleted: false,
            version: Version::new(3),
            deleted_at: None,
            left_version: None,
        };
        assert_eq!(
            op(member_entry(&member)),
            json!({"op": "put", "key": "member/r1/bob", "value": {"role": "member"}})
        );
    }
}
