//! The mapping of message rows onto view entries: key `message/<id>`, value exactly
//! `{from, content, order, roomID, author}`, a tombstone as `del`.

use super::view_entry::ViewEntry;
use crate::models::Message;
use serde::Serialize;

/// The prefix of every message key in the client view.
pub const MESSAGE_KEY_PREFIX: &str = "message/";

/// The value of a message in the client view.
#[derive(Serialize)]
struct MessageValue<'a> {
    from: &'a str,
    content: &'a str,
    order: i64,
    #[serde(rename = "roomID")]
    room_id: &'a str,
    author: &'a str,
}

/// The entry of `row`: `put message/<id>` with its value, or `del` for a tombstone.
pub fn message_entry(row: &Message) -> serde_json::Result<ViewEntry> {
    let key = format!("{MESSAGE_KEY_PREFIX}{}", row.id);
    if row.deleted {
        return ViewEntry::del(key);
    }
    let value = MessageValue {
        from: &row.sender,
        content: &row.content,
        order: row.ord,
        room_id: row.room_id.as_str(),
        author: row.author_id.as_str(),
    };
    ViewEntry::put(key, &value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MessageId, RoomId, UserId, Version};
    use serde_json::{json, Value};

    fn row(deleted: bool) -> Message {
        Message {
            id: MessageId::parse("id", "a".into(), 8).unwrap_or_else(|e| panic!("{e}")),
            sender: "s".into(),
            content: "A2".into(),
            ord: 1,
            deleted,
            version: Version::new(3),
            deleted_at: None,
            room_id: RoomId::general(),
            author_id: UserId::anonymous(),
        }
    }

    fn op(entry: &ViewEntry) -> Value {
        serde_json::from_str(entry.op().get()).unwrap_or_default()
    }

    #[test]
    fn a_message_is_exactly_its_five_members_and_a_tombstone_is_a_del() {
        let live = message_entry(&row(false)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            op(&live),
            json!({"op": "put", "key": "message/a",
                   "value": {"from": "s", "content": "A2", "order": 1,
                             "roomID": "general", "author": ""}})
        );
        let gone = message_entry(&row(true)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(op(&gone), json!({"op": "del", "key": "message/a"}));
        assert_eq!(gone.key(), "message/a");
    }
}
