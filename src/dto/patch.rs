//! Patch operations and the mapping of message rows onto them.

use crate::models::Message;
use serde::{Serialize, Serializer};

/// The key of a message in the client view: `message/<id>`.
#[derive(Debug, Clone, Copy)]
pub struct MessageKey<'a>(pub &'a str);

impl Serialize for MessageKey<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("message/{}", self.0))
    }
}

/// The value of a message in the client view: exactly `{from, content, order}`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MessageValue<'a> {
    /// Author.
    pub from: &'a str,
    /// Text.
    pub content: &'a str,
    /// Sort position.
    pub order: i64,
}

/// One patch operation (`clear`, `put` or `del`).
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum PatchOp<'a> {
    /// Empty the client view; only ever the first operation.
    Clear,
    /// Set a key.
    Put {
        /// Key.
        key: MessageKey<'a>,
        /// Value.
        value: MessageValue<'a>,
    },
    /// Remove a key.
    Del {
        /// Key.
        key: MessageKey<'a>,
    },
}

impl<'a> PatchOp<'a> {
    /// `del` for a tombstone, otherwise `put` with the message's view value.
    pub fn from_message(message: &'a Message) -> Self {
        let key = MessageKey(&message.id);
        if message.deleted {
            PatchOp::Del { key }
        } else {
            PatchOp::Put {
                key,
                value: MessageValue {
                    from: &message.sender,
                    content: &message.content,
                    order: message.ord,
                },
            }
        }
    }
}
